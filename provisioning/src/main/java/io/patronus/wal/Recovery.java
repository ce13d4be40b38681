package io.patronus.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Brings a log directory to a consistent state on open: every kept record has a valid CRC and the sequence
 * runs without gaps from the first kept record to the last.
 *
 * <p>Recovery walks the segments in order and stops at the first damage. The damaged segment is cut at the
 * last valid byte, after its cut bytes are copied to {@code damaged/}; later segments are moved to
 * {@code damaged/} whole. Moving, not deleting, leaves evidence for an operator; moving, not keeping, means
 * records after a hole are never read back with sequence numbers that new appends reuse. Damaged data never
 * makes recovery throw; I/O errors (permission denied, disk errors) do, naming the file.
 */
final class Recovery {
    static final String DAMAGED_DIRECTORY = "damaged";
    private static final System.Logger LOG = System.getLogger(WriteAheadLog.class.getName());

    /** The recovered segments (oldest first, the newest open for appending) and the report. */
    record Outcome(RecoveryReport report, List<Segment> segments, long lastSequence) {
    }

    /** What the scan of one segment found. */
    private record Scan(SegmentFiles.SegmentFile file, long size, long validEnd, long records,
                        Optional<Damage> damage, long damagedDataEnd) {
    }

    private Recovery() {
    }

    static Outcome recover(WalOptions options) {
        Path directory = options.directory();
        removeLeftovers(directory);
        List<SegmentFiles.SegmentFile> files = SegmentFiles.list(directory);

        long expected = files.isEmpty() ? 1 : files.getFirst().baseSequence();
        long firstSequence = expected;
        List<Scan> kept = new ArrayList<>();
        Scan damaged = null;
        int damagedIndex = files.size();
        for (int i = 0; i < files.size(); i++) {
            Scan scan = scan(files.get(i), expected);
            if (scan.damage().isEmpty() || scan.validEnd() > 0) {
                kept.add(scan);
                expected += scan.records();
            }
            if (scan.damage().isPresent()) {
                damaged = scan;
                damagedIndex = i;
                break;
            }
        }
        long lastSequence = expected - 1;
        long recordsKept = lastSequence - firstSequence + 1;

        long bytesDropped = 0;
        List<Path> movedAside = new ArrayList<>();
        if (damaged != null) {
            long stamp = System.currentTimeMillis();
            Path quarantine = directory.resolve(DAMAGED_DIRECTORY);
            bytesDropped += cutOrMove(damaged, quarantine, stamp, movedAside);
            for (SegmentFiles.SegmentFile later : files.subList(damagedIndex + 1, files.size())) {
                bytesDropped += dataBytes(later.path());
                movedAside.add(moveAside(later.path(), quarantine, stamp));
            }
            syncDirectories(directory, quarantine);
        }

        List<Segment> segments = openSegments(options, kept, expected);
        RecoveryReport report = new RecoveryReport(directory, files.size(), recordsKept,
                recordsKept > 0 ? firstSequence : 0, recordsKept > 0 ? lastSequence : 0, bytesDropped,
                Optional.ofNullable(damaged).flatMap(Scan::damage), movedAside);
        if (report.damaged()) {
            LOG.log(Level.WARNING, report.describe());
        } else {
            LOG.log(Level.DEBUG, report::describe);
        }
        return new Outcome(report, segments, lastSequence);
    }

    /** Checks one segment; a scan with damage at offset 0 (bad header or gap) has validEnd 0. */
    private static Scan scan(SegmentFiles.SegmentFile file, long expected) {
        Path path = file.path();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            SegmentScanner scanner = new SegmentScanner(path, channel, size, false);
            if (file.baseSequence() != expected) {
                Damage gap = new Damage(path, 0, Damage.Kind.SEQUENCE_GAP, "segment starts at sequence "
                        + file.baseSequence() + " but the previous one ends at " + (expected - 1)
                        + ": a segment is missing");
                return new Scan(file, size, 0, 0, Optional.of(gap), FileIo.dataEnd(channel, 0, size));
            }
            Optional<Damage> headerDamage = scanner.checkHeader(file.baseSequence());
            if (headerDamage.isPresent()) {
                return new Scan(file, size, 0, 0, headerDamage, FileIo.dataEnd(channel, 0, size));
            }
            long records = 0;
            long validEnd = SegmentFormat.SEGMENT_HEADER_BYTES;
            while (true) {
                SegmentScanner.Entry entry = scanner.next();
                switch (entry) {
                    case SegmentScanner.End ignored -> {
                        return new Scan(file, size, validEnd, records, Optional.empty(), validEnd);
                    }
                    case SegmentScanner.Bad bad -> {
                        return new Scan(file, size, validEnd, records, Optional.of(bad.toDamage(path)),
                                FileIo.dataEnd(channel, validEnd, size));
                    }
                    case SegmentScanner.Frame frame -> {
                        if (frame.sequence() != expected + records) {
                            Damage gap = new Damage(path, frame.offset(), Damage.Kind.SEQUENCE_GAP,
                                    "record has sequence " + frame.sequence() + ", expected " + (expected + records));
                            return new Scan(file, size, validEnd, records, Optional.of(gap),
                                    FileIo.dataEnd(channel, validEnd, size));
                        }
                        records++;
                        validEnd = frame.end();
                    }
                }
            }
        } catch (SegmentScanner.UnsupportedVersionException e) {
            throw new WalException(e.getMessage(), e);
        } catch (IOException e) {
            throw new WalException("cannot read write-ahead log segment " + path + ": " + e, e);
        }
    }

    /**
     * Cuts a damaged segment at its last valid byte, saving the cut bytes first, or moves it aside whole when
     * nothing in it is valid. Returns the non-zero bytes dropped.
     */
    private static long cutOrMove(Scan damaged, Path quarantine, long stamp, List<Path> movedAside) {
        Path path = damaged.file().path();
        long dropped = Math.max(0, damaged.damagedDataEnd() - damaged.validEnd());
        if (damaged.validEnd() == 0) {
            movedAside.add(moveAside(path, quarantine, stamp));
            return dropped;
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (dropped > 0) {
                createQuarantine(quarantine);
                Path tail = quarantine.resolve(stamp + "-" + path.getFileName() + ".cut-at-" + damaged.validEnd());
                try (FileChannel copy = FileChannel.open(tail, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    long copied = 0;
                    while (copied < dropped) {
                        copied += channel.transferTo(damaged.validEnd() + copied, dropped - copied, copy);
                    }
                    copy.force(true);
                }
                movedAside.add(tail);
            }
            channel.truncate(damaged.validEnd());
            channel.force(true);
        } catch (IOException e) {
            throw new WalException("cannot cut damaged write-ahead log segment " + path + " at offset "
                    + damaged.validEnd() + ": " + e, e);
        }
        return dropped;
    }

    private static Path moveAside(Path segment, Path quarantine, long stamp) {
        createQuarantine(quarantine);
        Path target = quarantine.resolve(stamp + "-" + segment.getFileName());
        try {
            return Files.move(segment, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new WalException("cannot move write-ahead log segment " + segment + " to " + target + ": " + e, e);
        }
    }

    private static void createQuarantine(Path quarantine) {
        try {
            Files.createDirectories(quarantine);
        } catch (IOException e) {
            throw new WalException("cannot create " + quarantine + " for damaged write-ahead log data: " + e, e);
        }
    }

    private static long dataBytes(Path segment) {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            return FileIo.dataEnd(channel, 0, channel.size());
        } catch (IOException e) {
            throw new WalException("cannot read write-ahead log segment " + segment + ": " + e, e);
        }
    }

    private static void syncDirectories(Path directory, Path quarantine) {
        try {
            FileIo.syncDirectory(directory);
            if (Files.isDirectory(quarantine)) {
                FileIo.syncDirectory(quarantine);
            }
        } catch (IOException e) {
            throw new WalException("cannot sync write-ahead log directory " + directory + ": " + e, e);
        }
    }

    private static void removeLeftovers(Path directory) {
        for (Path leftover : SegmentFiles.leftovers(directory)) {
            try {
                Files.deleteIfExists(leftover);
                LOG.log(Level.INFO, "removed leftover " + leftover + " (a segment being created or a spare)");
            } catch (IOException e) {
                throw new WalException("cannot remove half-created write-ahead log segment " + leftover + ": " + e, e);
            }
        }
    }

    /** All kept segments sealed except the newest, reopened for appending; a new one if none was kept. */
    private static List<Segment> openSegments(WalOptions options, List<Scan> kept, long nextSequence) {
        List<Segment> segments = new ArrayList<>();
        Path path = null;
        try {
            for (int i = 0; i < kept.size() - 1; i++) {
                Scan scan = kept.get(i);
                segments.add(Segment.sealed(scan.file().path(), scan.file().baseSequence(), scan.validEnd(),
                        scan.records()));
            }
            if (kept.isEmpty()) {
                path = options.directory().resolve(SegmentFormat.fileName(nextSequence));
                segments.add(Segment.create(options.directory(), nextSequence, options.segmentBytes()));
            } else {
                Scan newest = kept.getLast();
                path = newest.file().path();
                segments.add(Segment.reopen(path, newest.file().baseSequence(), newest.validEnd(), newest.records(),
                        options.segmentBytes()));
            }
            return segments;
        } catch (IOException e) {
            segments.forEach(Segment::closeQuietly);
            throw new WalException("cannot open write-ahead log segment " + path + " for appending: " + e, e);
        }
    }
}
