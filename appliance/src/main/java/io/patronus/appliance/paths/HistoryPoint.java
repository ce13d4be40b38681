package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One point of a path's health history: a raw sample ({@link #width()} zero) or the aggregate of the samples in
 * {@code [at, at + width)}, either a stored minute or a coarser bucket folded when a query would return too many
 * points.
 *
 * <p>For a raw point the minimum, p95 and maximum latency equal the latency, the maximum loss equals the loss, the
 * minimum score equals the score and {@link #statusTime()} is empty (a single sample has no duration). For an
 * aggregate the averages are weighted by sample count, {@link #status()} is the worst status seen (down, then
 * degraded, then unknown, then up) and {@link #statusTime()} says how long the path spent in each status: each
 * sample stands for the time until the next one, at most {@link PathHistory#SAMPLE_HOLD}, so the total is less than
 * the width when probing stopped or lagged.
 *
 * @param latencyMs     average latency
 * @param packetLossPct average loss in percent
 * @param jitterMs      average jitter
 * @param healthScore   average score, 0 to 100
 */
public record HistoryPoint(Instant at, Duration width, int sampleCount, double latencyMs, double latencyMinMs,
                           double latencyP95Ms, double latencyMaxMs, double packetLossPct, double packetLossMaxPct,
                           double jitterMs, double healthScore, int healthScoreMin, PathStatus status,
                           Map<PathStatus, Duration> statusTime) {
    public HistoryPoint {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(width, "width");
        Objects.requireNonNull(status, "status");
        EnumMap<PathStatus, Duration> copy = new EnumMap<>(PathStatus.class);
        copy.putAll(statusTime);
        statusTime = Collections.unmodifiableMap(copy);
    }

    /** A raw sample as a point. */
    public static HistoryPoint of(PathSample s) {
        return new HistoryPoint(s.at(), Duration.ZERO, 1, s.latencyMs(), s.latencyMs(), s.latencyMs(), s.latencyMs(),
                s.packetLossPct(), s.packetLossPct(), s.jitterMs(), s.healthScore(), s.healthScore(), s.status(), Map.of());
    }

    /** Whether this is one raw sample rather than an aggregate. */
    public boolean raw() {
        return width.isZero();
    }

    /** "raw" for a sample, else the width as the API writes durations: "1m", "10m", "2h", "1d". */
    public String resolution() {
        return label(width);
    }

    /** The raw sample this point is, in the shape of the first API version; empty for an aggregate. */
    public Optional<PathSample> sample() {
        return raw() ? Optional.of(new PathSample(at, latencyMs, packetLossPct, jitterMs, (int) Math.round(healthScore),
                status)) : Optional.empty();
    }

    /** "raw" for zero, else the largest whole unit: "90s", "1m", "2h", "7d". */
    public static String label(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return "raw";
        }
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** How bad a status is, for "worst status seen": up 0, unknown 1, degraded 2, down 3. */
    static int severity(PathStatus s) {
        return switch (s) {
            case UP -> 0;
            case UNKNOWN -> 1;
            case DEGRADED -> 2;
            case DOWN -> 3;
        };
    }

    static PathStatus worse(PathStatus a, PathStatus b) {
        return severity(b) > severity(a) ? b : a;
    }
}
