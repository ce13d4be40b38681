package io.patronus.controller.testing;

import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.SlaClass;

import java.util.List;
import java.util.Map;

/** Policies, SLA classes and group configuration bodies for tests. */
public final class Configs {
    private Configs() {
    }

    public static Policy route(String id, int priority, String primary, String backup) {
        return new Policy(id, id, priority, PolicyMatch.any(), new PolicyAction.Route(primary, backup, 50));
    }

    public static SlaClass sla(String name, double latencyMs) {
        return new SlaClass(name, latencyMs, 1, 30);
    }

    /** A PUT /v1/admin/groups/{g}/config body. */
    public static Map<String, Object> group(List<Policy> policies, List<SlaClass> sla) {
        return Map.of("policies", policies, "slaClasses", sla);
    }
}
