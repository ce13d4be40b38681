package io.patronus.appliance.probe;

import java.time.Instant;

/**
 * The time source of probing: a monotonic nanosecond counter for send times, timeouts and hold-downs, and wall-clock
 * instants for the "since" of reports. Tests inject a fake one to step through minutes of probing in microseconds.
 */
public interface ProbeClock {
    /** Monotonic nanoseconds, arbitrary origin (as {@link System#nanoTime()}). */
    long nanos();

    /** The current wall-clock instant. */
    Instant instant();

    /** {@link System#nanoTime()} and {@link Instant#now()}. */
    static ProbeClock system() {
        return SystemProbeClock.INSTANCE;
    }
}

final class SystemProbeClock implements ProbeClock {
    static final SystemProbeClock INSTANCE = new SystemProbeClock();

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }
}
