package io.patronus.model;

/** A service-level class: the worst latency, loss and jitter a path may show and still count as meeting it. */
public record SlaClass(String name, double maxLatencyMs, double maxLossPct, double maxJitterMs) {
    public SlaClass {
        Check.id("name", name);
        Check.range("maxLatencyMs", maxLatencyMs, 0.1, 60_000);
        Check.range("maxLossPct", maxLossPct, 0, 100);
        Check.range("maxJitterMs", maxJitterMs, 0, 60_000);
    }
}
