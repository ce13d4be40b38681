package io.patronus.controller.store;

import io.patronus.wal.WalOptions;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * How to open a {@link ControllerStore}.
 *
 * @param dataDir           the controller's data directory; the store keeps {@code controller.db} and {@code wal/}
 *                          there
 * @param wal               write-ahead log settings
 * @param checkpointEvery   changes between checkpoints (a checkpoint also retires the log segments it covers)
 * @param clock             time source of change timestamps
 * @param firstOrganisation the name of the organisation {@link OrganisationRecord#FIRST} that a store without any
 *                          organisation (a new one, or one written before schema 3, whose data moves into it) gets
 *                          when it is opened
 */
public record StoreOptions(Path dataDir, WalOptions wal, int checkpointEvery, Clock clock, String firstOrganisation) {
    /** The first organisation's name when none is given (the controller gives its {@code organisation} setting). */
    public static final String DEFAULT_FIRST_ORGANISATION = "Default organisation";

    public StoreOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(firstOrganisation, "firstOrganisation");
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpointEvery must be at least 1, was " + checkpointEvery);
        }
    }

    /** Options whose first organisation is named {@value #DEFAULT_FIRST_ORGANISATION}. */
    public StoreOptions(Path dataDir, WalOptions wal, int checkpointEvery, Clock clock) {
        this(dataDir, wal, checkpointEvery, clock, DEFAULT_FIRST_ORGANISATION);
    }

    /** A log under {@code dataDir/wal} with {@code segmentBytes} segments, a checkpoint every 1,000 changes. */
    public static StoreOptions of(Path dataDir, long segmentBytes, Clock clock) {
        return new StoreOptions(dataDir, WalOptions.defaults(dataDir.resolve("wal")).segmentBytes(segmentBytes), 1000, clock);
    }
}
