package io.patronus.appliance.store;

import io.patronus.wal.WalOptions;

import java.nio.file.Path;
import java.time.Clock;

/**
 * How to open a {@link StateStore}.
 *
 * @param dataDir         the appliance's data directory; the store keeps {@code state.db} and {@code wal/} there
 * @param wal             write-ahead log settings (its directory must be inside {@code dataDir})
 * @param checkpointEvery mutations between MapDB checkpoints (a checkpoint also retires covered log segments)
 * @param autoMigrate     whether opening an older store runs the pending schema migrations, or refuses
 * @param clock           time source for mutation timestamps
 */
public record StoreOptions(Path dataDir, WalOptions wal, int checkpointEvery, boolean autoMigrate, Clock clock) {
    public StoreOptions {
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpointEvery must be at least 1, was " + checkpointEvery);
        }
    }

    /** Defaults for a data directory: log under {@code wal/}, a checkpoint every 1,000 mutations, auto-migration on. */
    public static StoreOptions defaults(Path dataDir) {
        return new StoreOptions(dataDir, WalOptions.defaults(dataDir.resolve("wal")), 1000, true, Clock.systemUTC());
    }
}
