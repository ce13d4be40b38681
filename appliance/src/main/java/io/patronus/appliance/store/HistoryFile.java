package io.patronus.appliance.store;

import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code history.db}: path health samples in a MapDB tree with MapDB transactions, committed at each checkpoint.
 * Samples are measurements, not configuration, and are not in the write-ahead log. If a crash leaves the file
 * unreadable it is moved aside and a new one started: history is lost, configuration never is, and the loss is
 * reported by {@link #recoveryNote()} (shown by {@code patronus db check} and the debug dump).
 */
final class HistoryFile implements AutoCloseable {
    static final String FILE = "history.db";
    private static final System.Logger LOG = System.getLogger(HistoryFile.class.getName());
    private final DB db;
    private final BTreeMap<String, byte[]> samples;
    private final BTreeMap<Long, byte[]> events;
    private final Optional<String> recoveryNote;

    private HistoryFile(DB db, Optional<String> recoveryNote) {
        this.db = db;
        this.samples = db.treeMap("pathHistory", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.events = db.treeMap("events", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
        this.recoveryNote = recoveryNote;
        samples.sizeLong(); // touch the tree so damage shows now, not at the first query
    }

    static HistoryFile open(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            return new HistoryFile(make(file), Optional.empty());
        } catch (RuntimeException e) {
            Path aside = dir.resolve(FILE + ".damaged-" + Instant.now().toEpochMilli());
            String note = "path history " + file + " was unreadable after a crash (" + e
                    + "); moved it to " + aside.getFileName() + " and started an empty history";
            LOG.log(System.Logger.Level.WARNING, note);
            try {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        String n = p.getFileName().toString();
                        if (n.startsWith(FILE) && !n.contains(".damaged-")) {
                            Files.move(p, dir.resolve(n.replace(FILE, FILE + ".damaged-" + aside.getFileName().toString()
                                    .substring((FILE + ".damaged-").length()))));
                        }
                    }
                }
            } catch (IOException io) {
                throw new StoreException("cannot move the damaged " + file + " aside: " + io.getMessage(), io);
            }
            return new HistoryFile(make(file), Optional.of(note));
        }
    }

    private static DB make(Path file) {
        return DBMaker.fileDB(file.toFile()).transactionEnable().fileChannelEnable().make();
    }

    BTreeMap<String, byte[]> samples() {
        return samples;
    }

    BTreeMap<Long, byte[]> events() {
        return events;
    }

    /** Present when the last open found the file damaged and replaced it. */
    Optional<String> recoveryNote() {
        return recoveryNote;
    }

    void commit() {
        db.commit();
    }

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.commit();
            db.close();
        }
    }
}
