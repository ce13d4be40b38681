package io.patronus.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a {@link WriteAheadLog}; validated when built, immutable afterwards.
 *
 * <p>Change one value of the defaults with the one-argument methods, which return a copy:
 * {@code WalOptions.defaults(dir).segmentBytes(16 << 20)}.
 *
 * @param directory     where the segment files live; created on open if missing
 * @param segmentBytes  size at which the active segment is sealed and a new one started (each new segment is
 *                      preallocated to this size); between {@value #MIN_SEGMENT_BYTES} and {@value #MAX_SEGMENT_BYTES}
 * @param maxBatchWait  longest the first record of a batch waits in the writer while more records keep
 *                      arriving, and longest the writer waits for appends it expects (it also never waits
 *                      longer than half an average fsync); zero writes and forces every record as soon as it
 *                      is taken. At most one second.
 * @param maxBatchBytes bytes after which a batch is written even though more records are waiting; between
 *                      {@value #MIN_BATCH_BYTES} and {@value #MAX_BATCH_BYTES}
 */
public record WalOptions(Path directory, long segmentBytes, Duration maxBatchWait, int maxBatchBytes) {

    /** Smallest segment size accepted: one page. */
    public static final long MIN_SEGMENT_BYTES = 4096;
    /** Largest segment size accepted. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    /** Smallest batch size accepted. */
    public static final int MIN_BATCH_BYTES = 1024;
    /** Largest batch size accepted. */
    public static final int MAX_BATCH_BYTES = 64 << 20;
    /** Longest batch wait accepted. */
    public static final Duration MAX_BATCH_WAIT = Duration.ofSeconds(1);

    /** Validates every value, naming it in the message; makes {@code directory} absolute. */
    public WalOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(maxBatchWait, "maxBatchWait");
        directory = directory.toAbsolutePath().normalize();
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes was " + segmentBytes + "; must be between "
                    + MIN_SEGMENT_BYTES + " and " + MAX_SEGMENT_BYTES);
        }
        if (maxBatchWait.isNegative() || maxBatchWait.compareTo(MAX_BATCH_WAIT) > 0) {
            throw new IllegalArgumentException("maxBatchWait was " + maxBatchWait + "; must be between 0 and "
                    + MAX_BATCH_WAIT);
        }
        if (maxBatchBytes < MIN_BATCH_BYTES || maxBatchBytes > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("maxBatchBytes was " + maxBatchBytes + "; must be between "
                    + MIN_BATCH_BYTES + " and " + MAX_BATCH_BYTES);
        }
    }

    /** 64 MiB segments, batches of at most 512 KiB, and a 2 ms batch wait. */
    public static WalOptions defaults(Path directory) {
        return new WalOptions(directory, 64L << 20, Duration.ofMillis(2), 512 << 10);
    }

    /** A copy with another segment size. */
    public WalOptions segmentBytes(long segmentBytes) {
        return new WalOptions(directory, segmentBytes, maxBatchWait, maxBatchBytes);
    }

    /** A copy with another batch wait. */
    public WalOptions maxBatchWait(Duration maxBatchWait) {
        return new WalOptions(directory, segmentBytes, maxBatchWait, maxBatchBytes);
    }

    /** A copy with another batch size. */
    public WalOptions maxBatchBytes(int maxBatchBytes) {
        return new WalOptions(directory, segmentBytes, maxBatchWait, maxBatchBytes);
    }
}
