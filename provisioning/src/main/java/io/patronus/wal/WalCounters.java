package io.patronus.wal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** The counters behind {@link WalStats}; each is written by one thread (writer or fsync) and read by any. */
final class WalCounters {
    final AtomicLong appends = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong fsyncs = new AtomicLong();
    final AtomicLong batchWaits = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicLong segmentsRolled = new AtomicLong();
    final AtomicLong rollsWithoutSpare = new AtomicLong();
    final AtomicLong segmentsRetired = new AtomicLong();
    private final AtomicLongArray flushes = new AtomicLongArray(FlushReason.values().length);

    void flushed(FlushReason reason) {
        batches.incrementAndGet();
        flushes.incrementAndGet(reason.ordinal());
    }

    long flushes(FlushReason reason) {
        return flushes.get(reason.ordinal());
    }
}
