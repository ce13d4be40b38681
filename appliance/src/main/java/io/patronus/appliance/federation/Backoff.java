package io.patronus.appliance.federation;

import java.time.Duration;

/**
 * Bounded exponential backoff: {@code first}, then twice the previous delay, never more than {@code max}, back to
 * {@code first} after {@link #reset()}. Not thread-safe: each loop owns its own.
 */
final class Backoff {
    private final Duration first;
    private final Duration max;
    private Duration next;

    Backoff(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, was first " + first + ", max " + max);
        }
        this.first = first;
        this.max = max;
        this.next = first;
    }

    /** The 1 s .. 60 s backoff used against the controller. */
    static Backoff controller() {
        return new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** The delay to wait now; the one after it is doubled (up to the bound). */
    Duration next() {
        Duration d = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return d;
    }

    void reset() {
        next = first;
    }
}
