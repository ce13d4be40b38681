package io.patronus.appliance.probe;

import java.time.Duration;
import java.time.Instant;

/** A probe clock that moves only when told: nanoseconds and the wall clock advance together. */
final class FakeProbeClock implements ProbeClock {
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");
    private long nanos = 1_000_000_000L;

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public Instant instant() {
        return EPOCH.plusNanos(nanos);
    }

    void advance(Duration d) {
        nanos += d.toNanos();
    }

    void advanceTo(long n) {
        if (n > nanos) {
            nanos = n;
        }
    }
}
