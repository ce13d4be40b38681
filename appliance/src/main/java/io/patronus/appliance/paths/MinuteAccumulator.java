package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The samples of one path's open minute, folded as they arrive and closed into a one-minute {@link HistoryPoint}.
 * It keeps the minute's latencies (at most one per second from the monitor) for an exact p95. Not thread-safe:
 * {@link PathHistory} calls it under its lock.
 */
final class MinuteAccumulator {
    static final Duration WIDTH = Duration.ofMinutes(1);
    static final long MILLIS = WIDTH.toMillis();

    private final long start;
    private double[] latencies = new double[16];
    private int n;
    private double latencySum;
    private double latencyMin = Double.MAX_VALUE;
    private double latencyMax;
    private double lossSum;
    private double lossMax;
    private double jitterSum;
    private double scoreSum;
    private int scoreMin = Integer.MAX_VALUE;
    private PathStatus worst = PathStatus.UP;
    private final long[] statusMillis = new long[PathStatus.values().length];

    MinuteAccumulator(long start) {
        this.start = start;
    }

    long start() {
        return start;
    }

    long end() {
        return start + MILLIS;
    }

    void add(PathSample s) {
        if (n == latencies.length) {
            latencies = Arrays.copyOf(latencies, n * 2);
        }
        latencies[n] = s.latencyMs();
        worst = n == 0 ? s.status() : HistoryPoint.worse(worst, s.status());
        n++;
        latencySum += s.latencyMs();
        latencyMin = Math.min(latencyMin, s.latencyMs());
        latencyMax = Math.max(latencyMax, s.latencyMs());
        lossSum += s.packetLossPct();
        lossMax = Math.max(lossMax, s.packetLossPct());
        jitterSum += s.jitterMs();
        scoreSum += s.healthScore();
        scoreMin = Math.min(scoreMin, s.healthScore());
    }

    /** Counts {@code millis} of this minute as spent in {@code status}. */
    void addTime(PathStatus status, long millis) {
        statusMillis[status.ordinal()] += millis;
    }

    HistoryPoint toPoint() {
        if (n == 0) {
            throw new IllegalStateException("minute " + Instant.ofEpochMilli(start) + " has no sample to aggregate");
        }
        Map<PathStatus, Duration> time = new EnumMap<>(PathStatus.class);
        for (PathStatus s : PathStatus.values()) {
            time.put(s, Duration.ofMillis(statusMillis[s.ordinal()]));
        }
        return new HistoryPoint(Instant.ofEpochMilli(start), WIDTH, n, latencySum / n, latencyMin, p95(latencies, n),
                latencyMax, lossSum / n, lossMax, jitterSum / n, scoreSum / n, scoreMin, worst, time);
    }

    /** Nearest-rank 95th percentile of the first {@code n} values. */
    static double p95(double[] values, int n) {
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(0.95 * n) - 1)];
    }
}
