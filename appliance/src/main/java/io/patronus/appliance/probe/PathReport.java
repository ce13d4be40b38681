package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;

import java.time.Duration;
import java.time.Instant;

/**
 * What the prober knows about one path: status since when and why, the 0-100 {@link HealthScore}, RTT (EWMA and
 * percentiles, ms), jitter (ms), loss over the window (%), the current loss streak, probe counters and the current
 * hold-down. Immutable.
 */
public record PathReport(String pathId, String colour, PathStatus status, int score, double rttMs, double rttP50Ms,
                         double rttP95Ms, double rttP99Ms, double jitterMs, double lossPct, int consecutiveLost, long sent,
                         long received, Instant since, String reason, Duration holdDown) {
}
