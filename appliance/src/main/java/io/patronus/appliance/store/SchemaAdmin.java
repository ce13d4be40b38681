package io.patronus.appliance.store;

import org.mapdb.DB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        if (!Files.exists(dataDir.resolve("state.db"))) {
            return new Status(false, 0, SchemaMigrations.LATEST, SchemaMigrations.pending(0));
        }
        try (DataDirLock ignored = DataDirLock.acquire(dataDir); DB db = StateStore.openDb(dataDir)) {
            int v = SchemaMigrations.version(db);
            db.rollback();
            return new Status(true, v, SchemaMigrations.LATEST, SchemaMigrations.pending(v));
        }
    }

    /** Runs every pending migration; returns the status afterwards. */
    public static Status migrate(Path dataDir) {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir); DB db = StateStore.openDb(dataDir)) {
            int v = SchemaMigrations.version(db);
            if (v > SchemaMigrations.LATEST) {
                throw new StoreException("store schema version " + v + " is newer than this build's "
                        + SchemaMigrations.LATEST + "; refusing to touch it");
            }
            SchemaMigrations.migrate(db, v, SchemaMigrations.LATEST, LOG);
            return new Status(true, SchemaMigrations.version(db), SchemaMigrations.LATEST, List.of());
        }
    }

    /** Migrates only up to {@code target}: used to build old-version stores in tests of the upgrade path. */
    static void migrateTo(Path dataDir, int target) {
        try (DataDirLock ignored = DataDirLock.acquire(dataDir); DB db = StateStore.openDb(dataDir)) {
            SchemaMigrations.migrate(db, SchemaMigrations.version(db), target, LOG);
        }
    }
}
