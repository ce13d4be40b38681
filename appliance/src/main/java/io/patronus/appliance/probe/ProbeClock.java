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

    /** What {@link #realtimeOffset()} returns when the clock cannot place wall-clock times on its scale. */
    long NO_REALTIME = Long.MIN_VALUE;

    /**
     * {@link #nanos()} minus the wall clock's nanoseconds since the epoch, now: added to a kernel timestamp (which is
     * CLOCK_REALTIME), it gives that moment on this clock's monotonic scale. {@link #NO_REALTIME} when this clock
     * cannot relate the two (a fake clock): the prober then takes the moment it reads a reply for its arrival.
     */
    default long realtimeOffset() {
        return NO_REALTIME;
    }

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

    @Override
    public long realtimeOffset() {
        // Two reads a few tens of nanoseconds apart: that is the error of every kernel timestamp placed with it.
        Instant wall = Instant.now();
        long mono = System.nanoTime();
        return mono - (wall.getEpochSecond() * 1_000_000_000L + wall.getNano());
    }
}
