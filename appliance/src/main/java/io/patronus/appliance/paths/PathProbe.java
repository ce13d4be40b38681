package io.patronus.appliance.paths;

import java.util.Optional;

import io.patronus.model.Link;
import io.patronus.model.Site;

import java.time.Instant;

/** Measures one path (a local link towards a remote site). The data plane decides how: real probes or emulation. */
public interface PathProbe {
    /** A short name for status output: {@code memory}, {@code userspace}, {@code kernel}. */
    String kind();

    /** Latency, loss and jitter of the path right now; the score and status are computed by the caller. */
    Measurement measure(Link link, Site remote, Instant now);

    /**
     * A full assessment (measurement, score and status) when the probe keeps a state machine of its own; empty means
     * "score the measurement with {@link HealthScorer}".
     */
    default Optional<Assessment> assess(Link link, Site remote, Instant now) {
        return Optional.empty();
    }

    /** A measurement with the probe's own score and status. */
    record Assessment(Measurement measurement, int score, io.patronus.model.PathStatus status) {
    }

    /** A raw measurement. */
    record Measurement(double latencyMs, double packetLossPct, double jitterMs) {
    }
}
