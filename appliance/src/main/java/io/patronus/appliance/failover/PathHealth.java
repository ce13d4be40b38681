package io.patronus.appliance.failover;

import io.patronus.model.PathStatus;

import java.time.Instant;

/** What the failover engine needs to know of one path: its state, score, and since when it has been in that state. */
public record PathHealth(PathStatus status, int score, Instant since, String detail) {
    public static PathHealth unknown(Instant now) {
        return new PathHealth(PathStatus.UNKNOWN, 0, now, "not measured yet");
    }

    /** Up or degraded: it carries traffic. */
    public boolean usable() {
        return status == PathStatus.UP || status == PathStatus.DEGRADED;
    }

    /** Usable with a score at or above {@code threshold}. */
    public boolean healthy(int threshold) {
        return usable() && score >= threshold;
    }

    public String describe() {
        return status.wire() + " score " + score + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
