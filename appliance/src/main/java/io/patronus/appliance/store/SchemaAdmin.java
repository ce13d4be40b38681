package io.patronus.appliance.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Offline schema commands for {@code patronus-appliance --migration-status | --check-migrations | --migrate}:
 * they take the data directory's lock, so they refuse to run while the daemon has the store open.
 */
public final class SchemaAdmin {
    private static final System.Logger LOG = System.getLogger(SchemaAdmin.class.getName());

    /** Where a store stands against this build. */
    public record Status(boolean exists, int current, int latest, List<Migration> pending) {
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(exists ? "store schema version " + current : "no store yet (it is created at version " + latest + " on first start)")
                    .append("; this build writes version ").append(latest).append('\n');
            if (!exists || pending.isEmpty()) {
                sb.append("no migrations pending\n");
            } else {
                for (Migration m : pending) {
                    sb.append("pending ").append(m.version()).append(": ").append(m.description()).append('\n');
                }
            }
            if (current > latest) {
                sb.append("the store is NEWER than this build: run a newer patronus-appliance\n");
            }
            return sb.toString();
        }
    }

    private SchemaAdmin() {
    }

    public static Status status(Path dataDir) {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir)) {
            Optional<Snapshot> s = Snapshot.read(dataDir);
            int v = s.map(Snapshot::schemaVersion).orElse(0);
            return new Status(s.isPresent(), v, SchemaMigrations.LATEST, s.isPresent() ? SchemaMigrations.pending(v) : List.of());
        }
    }

    /** Runs every pending migration (by opening the store, which migrates and checkpoints); returns the status after. */
    public static Status migrate(StoreOptions options) {
        try (StateStore ignored = StateStore.open(new StoreOptions(options.dataDir(), options.wal(),
                options.checkpointEvery(), true, options.clock()))) {
            LOG.log(System.Logger.Level.INFO, "store in " + options.dataDir() + " is at schema " + SchemaMigrations.LATEST);
        }
        return status(options.dataDir());
    }

    /** Writes a store as an older build would have: used by the tests of the upgrade path. */
    static void writeAtVersion(Path dataDir, int version, Map<String, Map<String, String>> documents) {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir)) {
            new Snapshot(version, 0, new java.util.HashMap<>(documents)).write(dataDir);
        }
    }
}
