package io.patronus.appliance.api;

import io.patronus.model.Role;
import io.patronus.model.SlaClass;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * SLA classes in API v1: {@code GET /v1/sla-classes}, the classes in effect (the configuration's, or those of the
 * last committed controller bundle), which one paths are judged against, and the probe interval and detect multiplier
 * each resolves to. Read-only: the classes come from the configuration file and the controller, so that there is one
 * owner of them; a local edit would be replaced by the next bundle.
 */
public final class SlaClassRoutes {
    private final Supplier<List<SlaClass>> inEffect;
    private final Supplier<SlaClass> judged;
    private final Duration defaultInterval;
    private final int defaultDetectMultiplier;

    /**
     * @param inEffect                the SLA classes in effect now
     * @param judged                  the class paths are judged against now
     * @param defaultInterval         {@code failover.probeInterval}, for a class that names no interval
     * @param defaultDetectMultiplier {@code failover.detectMultiplier}, for a class that names no multiplier
     */
    public SlaClassRoutes(Supplier<List<SlaClass>> inEffect, Supplier<SlaClass> judged, Duration defaultInterval,
                          int defaultDetectMultiplier) {
        this.inEffect = inEffect;
        this.judged = judged;
        this.defaultInterval = defaultInterval;
        this.defaultDetectMultiplier = defaultDetectMultiplier;
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/v1/sla-classes", Role.VIEWER, r -> Reply.ok(Map.of("items", items()))));
    }

    private List<Map<String, Object>> items() {
        String judgedName = judged.get().name();
        return inEffect.get().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("maxLatencyMs", s.maxLatencyMs());
            m.put("maxLossPct", s.maxLossPct());
            m.put("maxJitterMs", s.maxJitterMs());
            // The class's own values only when it sets them, as in a bundle; what they resolve to is always shown.
            s.probeIntervalMs().ifPresent(v -> m.put("probeIntervalMs", v));
            s.detectMultiplier().ifPresent(v -> m.put("detectMultiplier", v));
            m.put("effectiveProbeIntervalMs", s.probeInterval().orElse(defaultInterval).toMillis());
            m.put("effectiveDetectMultiplier", s.detectMultiplier().orElse(defaultDetectMultiplier));
            m.put("judged", s.name().equals(judgedName));
            return m;
        }).toList();
    }
}
