package io.patronus.controller.store;

import io.patronus.wal.WalOptions;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * How to open a {@link ControllerStore}.
 *
 * @param dataDir         the controller's data directory; the store keeps {@code controller.db} and {@code wal/} there
 * @param wal             write-ahead log settings
 * @param checkpointEvery changes between checkpoints (a checkpoint also retires the log segments it covers)
 * @param clock           time source of change timestamps
 */
public record StoreOptions(Path dataDir, WalOptions wal, int checkpointEvery, Clock clock) {
    public StoreOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(clock, "clock");
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpointEvery must be at least 1, was " + checkpointEvery);
        }
    }

    /** A log under {@code dataDir/wal} with {@code segmentBytes} segments, a checkpoint every 1,000 changes. */
    public static StoreOptions of(Path dataDir, long segmentBytes, Clock clock) {
        return new StoreOptions(dataDir, WalOptions.defaults(dataDir.resolve("wal")).segmentBytes(segmentBytes), 1000, clock);
    }
}
