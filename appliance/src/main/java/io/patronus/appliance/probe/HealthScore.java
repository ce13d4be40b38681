package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;

/**
 * A path's health as one number from 0 to 100 against its SLA class, for ranking paths and for humans.
 *
 * <p>Each of the three metrics uses a share {@code u = value / budget} of its SLA budget: latency is the RTT EWMA
 * against {@code maxLatencyMs} (round trip: we have no synchronised clocks for one-way delay), jitter the RFC 3550
 * estimate against {@code maxJitterMs}, loss the windowed loss against {@code maxLossPct}. Budgets below 0.1 (ms or
 * %) count as 0.1 so that a zero-loss SLA still grades small losses. The share becomes a penalty:
 * <pre>
 *   penalty(u) = 0                       for u &lt;= 0.5   (well within the SLA)
 *              = 30 * (u - 0.5) / 0.5    for 0.5 &lt; u &lt;= 1   (0 to 30 as the limit approaches)
 *              = 30 + 70 * (u - 1)       for 1 &lt; u &lt;= 2     (30 to 100 beyond it)
 *              = 100                     for u &gt; 2
 *   score = floor(100 - worst - 0.1 * (sum of the other two penalties)), clamped to 0..100
 * </pre>
 * The worst metric dominates and the others break ties. Consequences: 100 while every metric uses at most half its
 * budget; a path that misses its SLA on any metric scores below 70, and one that meets it scores at least 64 (70 if
 * only one metric is near its limit); any metric at twice its limit gives 0; the score never rises when a metric gets
 * worse. A DOWN path, a path with no measured round trip and a path that lost every probe of its window score 0.
 *
 * <p>Stateless and thread-safe.
 */
public final class HealthScore {
    private static final double MIN_BUDGET = 0.1;

    private HealthScore() {
    }

    /** The score of a path in {@code status}: 0 when DOWN, else {@link #score(PathEstimates, SlaClass)}. */
    public static int score(PathStatus status, PathEstimates estimates, SlaClass sla) {
        return status == PathStatus.DOWN ? 0 : score(estimates, sla);
    }

    /**
     * As {@link #score(PathStatus, PathEstimates, SlaClass)}, but the window's loss counts only once it holds
     * {@code minLossSamples} decided probes, the same rule the state machine applies before loss can break the SLA.
     * A fresh window (a path just up again) with one loss in its first seven probes reads 14% and would score 40: a
     * failover threshold of 50 would then move traffic on the strength of one lost packet.
     */
    public static int score(PathStatus status, PathEstimates e, SlaClass sla, int minLossSamples) {
        if (status == PathStatus.DOWN || !e.hasRtt() || (e.lossSamples() > 0 && e.lossPct() >= 100)) {
            return 0;
        }
        return score(e.rttMs(), e.jitterMs(), e.lossSamples() >= minLossSamples ? e.lossPct() : 0, sla);
    }

    /** The score of these measurements against {@code sla}; see the class comment for the formula. */
    public static int score(PathEstimates e, SlaClass sla) {
        if (!e.hasRtt() || (e.lossSamples() > 0 && e.lossPct() >= 100)) {
            return 0;
        }
        return score(e.rttMs(), e.jitterMs(), e.lossPct(), sla);
    }

    /** The score of a latency (RTT, ms), jitter (ms) and loss (%) against {@code sla}. */
    public static int score(double rttMs, double jitterMs, double lossPct, SlaClass sla) {
        double latency = penalty(rttMs, sla.maxLatencyMs());
        double jitter = penalty(jitterMs, sla.maxJitterMs());
        double loss = penalty(lossPct, sla.maxLossPct());
        double worst = Math.max(latency, Math.max(jitter, loss));
        double score = 100 - worst - 0.1 * (latency + jitter + loss - worst);
        // floor, with a hair of tolerance for binary fractions: a metric just over its limit must not round up to 70
        return (int) Math.max(0, Math.min(100, Math.floor(score + 1e-9)));
    }

    /** The penalty, 0 to 100, of {@code value} against {@code budget}. */
    static double penalty(double value, double budget) {
        double u = Math.max(0, value) / Math.max(budget, MIN_BUDGET);
        if (Double.isNaN(u)) {
            return 100;
        }
        if (u <= 0.5) {
            return 0;
        }
        if (u <= 1) {
            return 30 * (u - 0.5) / 0.5;
        }
        return Math.min(100, 30 + 70 * (u - 1));
    }
}
