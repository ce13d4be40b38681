package io.patronus.wal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Remembers the first fatal error of an open log. After a failed write or fsync nothing can be appended:
 * the kernel may have dropped the dirty pages it could not write, so a retried fsync could report success
 * for data that is gone. Reopening runs recovery, which finds out what really reached the disk.
 */
final class FailureLatch {
    private final AtomicReference<WalException> failure = new AtomicReference<>();

    /** Records {@code error} unless an earlier one is recorded; returns the one recorded. */
    WalException fail(WalException error) {
        failure.compareAndSet(null, error);
        return failure.get();
    }

    /** The recorded error, or null. */
    WalException current() {
        return failure.get();
    }

    void throwIfFailed() {
        WalException error = failure.get();
        if (error != null) {
            throw new WalException(error.getMessage(), error);
        }
    }
}
