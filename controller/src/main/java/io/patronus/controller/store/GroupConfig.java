package io.patronus.controller.store;

import io.patronus.model.Policy;
import io.patronus.model.SlaClass;

import java.util.List;

/** The configuration every site of a group gets (before its own overrides): routing policies and SLA classes. */
public record GroupConfig(List<Policy> policies, List<SlaClass> slaClasses) {
    public GroupConfig {
        policies = policies == null ? List.of() : List.copyOf(policies);
        slaClasses = slaClasses == null ? List.of() : List.copyOf(slaClasses);
    }

    public static GroupConfig empty() {
        return new GroupConfig(List.of(), List.of());
    }
}
