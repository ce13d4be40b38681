package io.patronus.common.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock the test sets or moves by hand, so that expiry, retention and timers are tested without waiting; shared
 * with the other modules' tests through the provisioning test-jar.
 */
public final class ManualClock extends Clock {
    private volatile Instant now;

    public ManualClock(Instant start) {
        this.now = start;
    }

    /** A clock at an ISO-8601 instant ({@code 2026-03-01T10:00:00Z}). */
    public static ManualClock at(String instant) {
        return new ManualClock(Instant.parse(instant));
    }

    public void set(Instant t) {
        now = t;
    }

    /** Moves the clock forward (or back, for a negative duration) and returns the new time. */
    public Instant advance(Duration d) {
        now = now.plus(d);
        return now;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
