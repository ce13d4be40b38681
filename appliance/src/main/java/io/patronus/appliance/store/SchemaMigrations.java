package io.patronus.appliance.store;

import org.mapdb.DB;
import org.mapdb.Serializer;

import java.util.List;
import java.util.Map;

/**
 * The ordered list of schema migrations of the MapDB store. A store records the version it is at in its
 * {@code meta} map; opening a store older than {@link #LATEST} runs the missing steps in one MapDB transaction each,
 * and opening one newer than this build knows is refused, because a downgrade could silently drop data.
 * Append new steps at the end; never edit a released one.
 */
public final class SchemaMigrations {
    static final String META = "meta";
    static final String SCHEMA_VERSION = "schemaVersion";

    static final List<Migration> ALL = List.of(
            new Migration(1, "create configuration maps (sites, policies, users) and store metadata", db -> {
                db.hashMap(StateStore.SITES, Serializer.STRING, Serializer.STRING).createOrOpen();
                db.hashMap(StateStore.POLICIES, Serializer.STRING, Serializer.STRING).createOrOpen();
                db.hashMap(StateStore.USERS, Serializer.STRING, Serializer.STRING).createOrOpen();
            }),
            new Migration(2, "create path health history (samples ordered by path and time)", db ->
                    db.treeMap(StateStore.HISTORY, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen()));

    /** The schema version this build writes. */
    public static final int LATEST = ALL.getLast().version();

    private SchemaMigrations() {
    }

    /** Every known migration, oldest first. */
    public static List<Migration> all() {
        return ALL;
    }

    static int version(DB db) {
        Map<String, String> meta = db.hashMap(META, Serializer.STRING, Serializer.STRING).createOrOpen();
        String v = meta.get(SCHEMA_VERSION);
        return v == null ? 0 : Integer.parseInt(v);
    }

    static List<Migration> pending(int from) {
        return ALL.stream().filter(m -> m.version() > from).toList();
    }

    /** Runs the migrations after {@code from} up to {@code target}, committing after each so a crash resumes cleanly. */
    static void migrate(DB db, int from, int target, System.Logger log) {
        Map<String, String> meta = db.hashMap(META, Serializer.STRING, Serializer.STRING).createOrOpen();
        for (Migration m : pending(from)) {
            if (m.version() > target) {
                break;
            }
            m.step().accept(db);
            meta.put(SCHEMA_VERSION, Integer.toString(m.version()));
            db.commit();
            log.log(System.Logger.Level.INFO, "store migrated to schema " + m.version() + ": " + m.description());
        }
    }
}
