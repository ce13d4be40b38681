package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;

/**
 * Turns a measurement into a 0-100 health score and a status against an SLA class. Each metric costs up to a third of
 * the score in proportion to how much of its SLA budget it uses, and a metric over its budget makes the path
 * degraded; total loss makes it down.
 */
public final class HealthScorer {
    private HealthScorer() {
    }

    public static int score(PathProbe.Measurement m, SlaClass sla) {
        double used = share(m.latencyMs(), sla.maxLatencyMs()) + share(m.packetLossPct(), Math.max(sla.maxLossPct(), 0.01))
                + share(m.jitterMs(), Math.max(sla.maxJitterMs(), 0.01));
        // Within budget a path keeps at least 50; over budget the score falls towards 0.
        double score = 100 - used / 3 * 50;
        return (int) Math.max(0, Math.min(100, Math.round(score)));
    }

    public static PathStatus status(PathProbe.Measurement m, SlaClass sla) {
        if (m.packetLossPct() >= 100) {
            return PathStatus.DOWN;
        }
        boolean meets = m.latencyMs() <= sla.maxLatencyMs() && m.packetLossPct() <= sla.maxLossPct()
                && m.jitterMs() <= sla.maxJitterMs();
        return meets ? PathStatus.UP : PathStatus.DEGRADED;
    }

    private static double share(double value, double budget) {
        return Math.min(value / budget, 2);
    }
}
