package io.patronus.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A service-level class: the worst latency, loss and jitter a path may show and still count as meeting it, and
 * optionally how often the paths judged against it are probed and how many probes lost in a row make them down.
 *
 * <p>The two probe fields are optional so that a class written before they existed (a config file, a bundle, the
 * controller's stored group configurations, an appliance's journal) still reads, and means what it meant then: the
 * appliance's {@code failover.probeInterval} and {@code failover.detectMultiplier}. Absent fields are left out of the
 * JSON, so a class without them keeps the exact JSON (and the digests computed over it) it always had.
 *
 * @param probeIntervalMs  time between two probes of a path judged against this class, {@value #MIN_PROBE_INTERVAL_MS}
 *                         to {@value #MAX_PROBE_INTERVAL_MS} ms; empty: the appliance's {@code failover.probeInterval}
 * @param detectMultiplier probes lost in a row that make such a path down, {@value #MIN_DETECT_MULTIPLIER} to
 *                         {@value #MAX_DETECT_MULTIPLIER}; empty: the appliance's {@code failover.detectMultiplier}
 */
public record SlaClass(String name, double maxLatencyMs, double maxLossPct, double maxJitterMs, OptionalInt probeIntervalMs,
                       OptionalInt detectMultiplier) {
    /** The shortest probe interval a class may ask for, as {@code failover.probeInterval}. */
    public static final int MIN_PROBE_INTERVAL_MS = 10;
    /** The longest probe interval a class may ask for, as {@code failover.probeInterval}. */
    public static final int MAX_PROBE_INTERVAL_MS = 10_000;
    public static final int MIN_DETECT_MULTIPLIER = 1;
    /** As the prober's own limit: beyond 50 lost probes a path is better declared down by its link's carrier. */
    public static final int MAX_DETECT_MULTIPLIER = 50;

    public SlaClass {
        Check.id("name", name);
        Check.range("maxLatencyMs", maxLatencyMs, 0.1, 60_000);
        Check.range("maxLossPct", maxLossPct, 0, 100);
        Check.range("maxJitterMs", maxJitterMs, 0, 60_000);
        // Absent in JSON written before these fields existed; Jackson passes empty, other callers may pass null.
        probeIntervalMs = probeIntervalMs == null ? OptionalInt.empty() : probeIntervalMs;
        detectMultiplier = detectMultiplier == null ? OptionalInt.empty() : detectMultiplier;
        if (probeIntervalMs.isPresent()) {
            Check.range("probeIntervalMs", probeIntervalMs.getAsInt(), MIN_PROBE_INTERVAL_MS, MAX_PROBE_INTERVAL_MS);
        }
        if (detectMultiplier.isPresent()) {
            Check.range("detectMultiplier", detectMultiplier.getAsInt(), MIN_DETECT_MULTIPLIER, MAX_DETECT_MULTIPLIER);
        }
    }

    /** A class that probes at the appliance's default interval and detect multiplier. */
    public SlaClass(String name, double maxLatencyMs, double maxLossPct, double maxJitterMs) {
        this(name, maxLatencyMs, maxLossPct, maxJitterMs, OptionalInt.empty(), OptionalInt.empty());
    }

    /** The class's probe interval as a duration; empty when it uses the appliance's default. */
    public Optional<Duration> probeInterval() {
        return probeIntervalMs.isPresent() ? Optional.of(Duration.ofMillis(probeIntervalMs.getAsInt())) : Optional.empty();
    }
}
