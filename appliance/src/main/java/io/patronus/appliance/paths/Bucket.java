package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Folds points into one bucket {@code [start, start + width)}: averages weighted by sample count, extremes, the
 * worst status and the summed status time. The p95 of a bucket is exact over its raw samples; over aggregates it is
 * the highest p95 among them (percentiles do not merge, and the highest errs on the side of showing trouble). Not
 * thread-safe.
 */
final class Bucket {
    private final long start;
    private final Duration width;
    private long n;
    private double latencySum;
    private double latencyMin = Double.MAX_VALUE;
    private double latencyMax;
    private double aggregateP95;
    private double[] rawLatencies = new double[0];
    private int raws;
    private double lossSum;
    private double lossMax;
    private double jitterSum;
    private double scoreSum;
    private int scoreMin = Integer.MAX_VALUE;
    private PathStatus worst = PathStatus.UP;
    private boolean timed;
    private final long[] statusMillis = new long[PathStatus.values().length];

    Bucket(long start, Duration width) {
        this.start = start;
        this.width = width;
    }

    void add(HistoryPoint p) {
        int c = p.sampleCount();
        worst = n == 0 ? p.status() : HistoryPoint.worse(worst, p.status());
        n += c;
        latencySum += p.latencyMs() * c;
        latencyMin = Math.min(latencyMin, p.latencyMinMs());
        latencyMax = Math.max(latencyMax, p.latencyMaxMs());
        if (p.raw()) {
            if (raws == rawLatencies.length) {
                rawLatencies = Arrays.copyOf(rawLatencies, Math.max(16, raws * 2));
            }
            rawLatencies[raws++] = p.latencyMs();
        } else {
            aggregateP95 = Math.max(aggregateP95, p.latencyP95Ms());
            timed |= !p.statusTime().isEmpty();
            p.statusTime().forEach((s, d) -> statusMillis[s.ordinal()] += d.toMillis());
        }
        lossSum += p.packetLossPct() * c;
        lossMax = Math.max(lossMax, p.packetLossMaxPct());
        jitterSum += p.jitterMs() * c;
        scoreSum += p.healthScore() * c;
        scoreMin = Math.min(scoreMin, p.healthScoreMin());
    }

    HistoryPoint toPoint() {
        if (n == 0) {
            throw new IllegalStateException("bucket " + Instant.ofEpochMilli(start) + " has no point to fold");
        }
        double p95 = raws == 0 ? aggregateP95 : Math.max(aggregateP95, MinuteAccumulator.p95(rawLatencies, raws));
        Map<PathStatus, Duration> time = new EnumMap<>(PathStatus.class);
        if (timed) {
            for (PathStatus s : PathStatus.values()) {
                time.put(s, Duration.ofMillis(statusMillis[s.ordinal()]));
            }
        }
        int count = (int) Math.min(Integer.MAX_VALUE, n);
        return new HistoryPoint(Instant.ofEpochMilli(start), width, count, latencySum / n, latencyMin, p95, latencyMax,
                lossSum / n, lossMax, jitterSum / n, scoreSum / n, scoreMin, worst, time);
    }

    /** Two aggregates of the same interval as one (a minute written again after a restart, or a late sample). */
    static HistoryPoint merge(HistoryPoint a, HistoryPoint b) {
        Bucket m = new Bucket(a.at().toEpochMilli(), a.width());
        m.add(a);
        m.add(b);
        return m.toPoint();
    }
}
