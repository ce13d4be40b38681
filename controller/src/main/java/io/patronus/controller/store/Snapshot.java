package io.patronus.controller.store;

import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The checkpoint file {@code controller.db}: a MapDB file holding every stored object as JSON, by map and key, and the
 * log sequence it covers. It is never updated in place: a checkpoint writes a complete new file beside it, forces it,
 * renames it over the old one and forces the directory, so a crash (kill -9 included) leaves the old checkpoint or
 * the new one, whole. The appliance's store does the same for the same reason (MapDB's own transaction log did not
 * survive SIGKILL during commit).
 *
 * <p>Schema 2 keeps published bundles as {@link BundleVersion}s in the map {@code published} and the audit id counter
 * in {@code counters}; a schema 1 checkpoint is still read (its whole bundles in {@code bundles} become versions
 * without digest, published again at the next start). A controller of schema 1 refuses a schema 2 checkpoint.
 *
 * <p>Schema 3 adds organisations (maps {@code organisations} and {@code adminTokens}); sites, groups, enrolment tokens,
 * rollouts, telemetry events and audit records carry their organisation, and groups are keyed by organisation and
 * name. A schema 2 checkpoint is still read: its objects have no organisation until the store's migration
 * ({@link Change.Op.AssignOrganisation}) moves them into the first one, as the first change after the replay. A
 * controller of schema 2 refuses a schema 3 checkpoint.
 *
 * @param appliedSequence the last log sequence the maps include
 * @param maps            map name to (key to JSON document)
 */
record Snapshot(int schemaVersion, long appliedSequence, Map<String, Map<String, String>> maps) {
    static final String FILE = "controller.db";
    static final int SCHEMA = 3;
    private static final String META = "meta";

    static Optional<Snapshot> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (DB db = DBMaker.fileDB(file.toFile()).readOnly().fileChannelEnable().make()) {
            Map<String, Map<String, String>> maps = new HashMap<>();
            int version = 0;
            long applied = 0;
            for (String name : db.getAllNames()) {
                Map<String, String> copy = new HashMap<>(db.hashMap(name, Serializer.STRING, Serializer.STRING).open());
                if (name.equals(META)) {
                    version = Integer.parseInt(copy.getOrDefault("schemaVersion", "0"));
                    applied = Long.parseLong(copy.getOrDefault("appliedSequence", "0"));
                } else {
                    maps.put(name, copy);
                }
            }
            return Optional.of(new Snapshot(version, applied, maps));
        } catch (RuntimeException e) {
            throw new StoreException("checkpoint " + file.toAbsolutePath() + " cannot be read (" + e
                    + "); it is only ever replaced whole, so this is disk damage: restore it from a backup", e);
        }
    }

    void write(Path dir) {
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            try (DB db = DBMaker.fileDB(tmp.toFile()).fileChannelEnable().make()) {
                Map<String, String> meta = db.hashMap(META, Serializer.STRING, Serializer.STRING).create();
                meta.put("schemaVersion", Integer.toString(schemaVersion));
                meta.put("appliedSequence", Long.toString(appliedSequence));
                for (Map.Entry<String, Map<String, String>> e : maps.entrySet()) {
                    db.hashMap(e.getKey(), Serializer.STRING, Serializer.STRING).create().putAll(e.getValue());
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException | RuntimeException e) {
            throw new StoreException("cannot write checkpoint " + dir.resolve(FILE).toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }
}
