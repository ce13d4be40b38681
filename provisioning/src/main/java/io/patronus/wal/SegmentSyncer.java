package io.patronus.wal;

/**
 * The durability half of group commit: forces written batches to the disk and publishes what is durable.
 *
 * <p>It is the only code that calls {@code force}: the {@link GroupCommitWriter} frames and writes a batch,
 * then asks this class to make it durable, and completes the appenders only after it returned. Both run on
 * the log's one writer thread, so a batch costs one fsync and two thread hand-offs (appender to writer and
 * back); measured on two cores, every extra thread in this path cost more than it overlapped
 * (see docs/PERFORMANCE.md). After a failed fsync it refuses all further work: the kernel may have dropped
 * the pages it could not write, so a retried fsync could succeed for data that is gone.
 */
final class SegmentSyncer {
    private final FailureLatch failure;
    private final WalCounters counters;
    private final String logName;
    private volatile long durableSequence;
    private long averageFsyncNanos;

    SegmentSyncer(String logName, long durableSequence, FailureLatch failure, WalCounters counters) {
        this.logName = logName;
        this.durableSequence = durableSequence;
        this.failure = failure;
        this.counters = counters;
    }

    /**
     * Writer thread: makes {@code segment} durable up to {@code end}, sealing it (cut to {@code end}, synced with
     * its size, closed) if {@code seal}; then publishes {@code lastSequence} as durable.
     *
     * @throws WalException when the force fails or an earlier one did
     */
    void sync(Segment segment, long end, boolean seal, long lastSequence) {
        failure.throwIfFailed();
        try {
            long started = System.nanoTime();
            if (seal) {
                segment.seal(end);
            } else {
                segment.force();
            }
            long took = System.nanoTime() - started;
            averageFsyncNanos = averageFsyncNanos == 0 ? took : (7 * averageFsyncNanos + took) / 8;
            counters.fsyncs.incrementAndGet();
        } catch (Exception e) {
            throw failure.fail(new WalException("write-ahead log " + logName + ": fsync of " + segment.path()
                    + " failed; no further appends are accepted, reopen the log to recover: " + e, e));
        }
        segment.markDurable(end);
        durableSequence = Math.max(durableSequence, lastSequence);
    }

    /** The newest sequence known durable; any thread. */
    long durableSequence() {
        return durableSequence;
    }

    /** Writer thread: a moving average of recent fsync durations, 0 before the first. */
    long averageFsyncNanos() {
        return averageFsyncNanos;
    }
}
