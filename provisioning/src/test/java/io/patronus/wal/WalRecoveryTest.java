package io.patronus.wal;

import static io.patronus.wal.WalTestSupport.FRAME_HEADER;
import static io.patronus.wal.WalTestSupport.SEGMENT_HEADER;
import static io.patronus.wal.WalTestSupport.nonZeroEnd;
import static io.patronus.wal.WalTestSupport.payload;
import static io.patronus.wal.WalTestSupport.replayAll;
import static io.patronus.wal.WalTestSupport.smallSegments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.patronus.wal.WalTestSupport.LogImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage tests: each builds a clean three-segment log once, then damages fresh copies of it (truncation at
 * every byte of the last records, random byte flips, junk, missing segments) and checks that recovery keeps
 * exactly the records before the damage, reports it, never throws, and leaves an appendable log.
 */
class WalRecoveryTest {
    private static final Logger WAL_LOGGER = Logger.getLogger(WriteAheadLog.class.getName());
    private static final int RECORDS = 130;
    private static Level savedLevel;

    @TempDir
    Path dir;

    @BeforeAll
    static void quietDamageWarnings() {
        // Hundreds of damaged logs are opened here; one test below checks the warning itself.
        savedLevel = WAL_LOGGER.getLevel();
        WAL_LOGGER.setLevel(Level.OFF);
    }

    @AfterAll
    static void restoreLogging() {
        WAL_LOGGER.setLevel(savedLevel);
    }

    private LogImage cleanImage() {
        Path clean = dir.resolve("clean");
        WalTestSupport.writeLog(clean, RECORDS);
        LogImage image = LogImage.of(clean);
        assertEquals(3, image.segments(), "fixture should span three segments");
        assertEquals(RECORDS, image.totalRecords());
        return image;
    }

    /**
     * Opens a damaged copy and checks everything recovery promises; returns the report.
     *
     * @param context appears in every assertion message (seed, cut offset)
     */
    private static RecoveryReport openAndCheck(Path copy, long expectedKept, String context) {
        RecoveryReport report;
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(copy))) {
            report = log.recoveryReport();
            assertEquals(expectedKept, report.recordsKept(), context + ": " + report.describe());
            assertEquals(expectedKept, report.lastSequence(), context);
            assertEquals(expectedKept, log.lastSequence(), context);
            List<io.patronus.wal.LogRecord> records = replayAll(log);
            assertEquals(expectedKept, records.size(), context);
            for (int i = 0; i < records.size(); i++) {
                assertEquals(i + 1, records.get(i).sequence(), context);
                assertArrayEquals(payload(i + 1), records.get(i).payload(), context + ", sequence " + (i + 1));
            }
            byte[] fresh = "after recovery".getBytes();
            assertEquals(expectedKept + 1, log.append(RecordType.RAW, fresh), context + ": next sequence");
        }
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(copy))) {
            assertFalse(log.recoveryReport().damaged(), context + ": second recovery must find a clean log: "
                    + log.recoveryReport().describe());
            assertEquals(expectedKept + 1, log.lastSequence(), context);
        }
        assertTrue(WriteAheadLog.verify(copy).ok(), context + ": " + WriteAheadLog.verify(copy).describe());
        return report;
    }

    @Test
    void recover_truncatedTailAtEveryByteOfLastRecords_keepsEveryRecordBeforeDamage() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        byte[] lastSegment = image.images().get(last);
        List<Integer> starts = image.starts().get(last);
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int cut = starts.get(starts.size() - 3); cut <= lastSegment.length; cut++) {
            cuts.add(cut); // every byte boundary of the last three records
        }
        Random random = new Random(0x7A11L);
        while (cuts.size() < (lastSegment.length - starts.get(starts.size() - 3) + 1) + 40) {
            cuts.add(random.nextInt(starts.get(starts.size() - 3))); // and some earlier, header included
        }
        int damagedCases = 0;
        for (int cut : cuts) {
            String context = "cut last segment at " + cut + " of " + lastSegment.length;
            List<byte[]> contents = new ArrayList<>(image.copies());
            byte[] truncated = Arrays.copyOf(lastSegment, cut);
            contents.set(last, truncated);
            Path copy = image.writeTo(dir.resolve("cut-" + cut), contents);

            boolean onBoundary = cut >= SEGMENT_HEADER && (starts.contains(cut) || cut == lastSegment.length);
            long expectedKept = cut == lastSegment.length ? RECORDS : image.keptBefore(last, cut);
            RecoveryReport report = openAndCheck(copy, expectedKept, context);
            if (onBoundary) {
                assertFalse(report.damaged(), context + ": " + report.describe());
                assertEquals(0, report.bytesDropped(), context);
                continue;
            }
            assertTrue(report.damaged(), context);
            damagedCases++;
            Damage damage = report.damage().orElseThrow();
            long damageOffset = image.damageOffset(last, cut);
            assertEquals(copy.resolve(image.names().get(last)).toAbsolutePath(), damage.segment(), context);
            assertEquals(damageOffset, damage.offset(), context);
            assertEquals(nonZeroEnd(truncated, damageOffset, cut) - damageOffset, report.bytesDropped(), context);
            if (cut < SEGMENT_HEADER) {
                assertEquals(Damage.Kind.BAD_SEGMENT_HEADER, damage.kind(), context);
            } else if (cut - damageOffset < FRAME_HEADER) {
                assertEquals(Damage.Kind.TRUNCATED_HEADER, damage.kind(), context);
            } else {
                assertEquals(Damage.Kind.TRUNCATED_RECORD, damage.kind(), context);
            }
        }
        assertTrue(damagedCases > 200, "only " + damagedCases + " of " + cuts.size() + " cuts were damage");
    }

    @Test
    void recover_truncatedLengthField_keepsEveryRecordBeforeDamage() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        int start = image.starts().get(last).getLast();
        for (int cut = start + 4; cut < start + 8; cut++) { // inside the 4-byte length field
            byte[] truncated = Arrays.copyOf(image.images().get(last), cut);
            List<byte[]> contents = new ArrayList<>(image.copies());
            contents.set(last, truncated);
            RecoveryReport report = openAndCheck(image.writeTo(dir.resolve("len-" + cut), contents), RECORDS - 1,
                    "cut at " + cut);
            assertEquals(Damage.Kind.TRUNCATED_HEADER, report.damage().orElseThrow().kind());
            assertEquals(start, report.damage().orElseThrow().offset());
        }
    }

    @Test
    void recover_truncatedEntry_keepsEveryRecordBeforeDamage() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        int start = image.starts().get(last).getLast();
        byte[] truncated = Arrays.copyOf(image.images().get(last), start + FRAME_HEADER + 5);
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(last, truncated);
        RecoveryReport report = openAndCheck(image.writeTo(dir.resolve("entry"), contents), RECORDS - 1, "entry");
        Damage damage = report.damage().orElseThrow();
        assertEquals(Damage.Kind.TRUNCATED_RECORD, damage.kind());
        assertEquals(start, damage.offset());
        assertEquals(nonZeroEnd(truncated, start, truncated.length) - start, report.bytesDropped());
        assertTrue(report.describe().contains("TRUNCATED_RECORD") && report.describe().contains(String.valueOf(start)),
                report.describe());
    }

    @Test
    void recover_randomByteFlipsAnywhere_keepsEveryRecordBeforeFirstDamagedFrame() {
        LogImage image = cleanImage();
        long[] segmentStarts = new long[image.segments() + 1];
        for (int i = 0; i < image.segments(); i++) {
            segmentStarts[i + 1] = segmentStarts[i] + image.images().get(i).length;
        }
        for (int trial = 0; trial < 120; trial++) {
            long seed = 0x5EED0000L + trial;
            Random random = new Random(seed);
            List<byte[]> contents = new ArrayList<>(image.copies());
            int firstSegment = Integer.MAX_VALUE;
            long firstOffset = Long.MAX_VALUE;
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                long global = (long) (random.nextDouble() * segmentStarts[image.segments()]);
                int segment = 0;
                while (global >= segmentStarts[segment + 1]) {
                    segment++;
                }
                int offset = (int) (global - segmentStarts[segment]);
                contents.get(segment)[offset] ^= (byte) (1 + random.nextInt(255));
                if (segment < firstSegment || (segment == firstSegment && offset < firstOffset)) {
                    firstSegment = segment;
                    firstOffset = offset;
                }
            }
            String context = "seed " + seed + ", first flip in segment " + firstSegment + " at " + firstOffset;
            Path copy = image.writeTo(dir.resolve("flip-" + trial), contents);
            long damageOffset = image.damageOffset(firstSegment, firstOffset);
            long expectedDropped = nonZeroEnd(contents.get(firstSegment), damageOffset,
                    contents.get(firstSegment).length) - damageOffset;
            for (int later = firstSegment + 1; later < image.segments(); later++) {
                expectedDropped += nonZeroEnd(contents.get(later), 0, contents.get(later).length);
            }

            RecoveryReport report = openAndCheck(copy, image.keptBefore(firstSegment, firstOffset), context);
            Damage damage = report.damage().orElseThrow(() -> new AssertionError(context + ": no damage reported"));
            assertEquals(damageOffset, damage.offset(), context + ": " + damage.describe());
            assertEquals(copy.resolve(image.names().get(firstSegment)).toAbsolutePath(), damage.segment(), context);
            assertEquals(expectedDropped, report.bytesDropped(), context);
            int movedSegments = image.segments() - firstSegment - 1 + (damageOffset == 0 ? 1 : 0);
            long movedFiles = report.movedAside().stream()
                    .filter(p -> p.getFileName().toString().endsWith(".log")).count();
            assertEquals(movedSegments, movedFiles, context + ": " + report.movedAside());
        }
    }

    @Test
    void recover_junkAfterLastRecord_keepsAllRecordsAndDropsTheJunk() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        byte[] lastSegment = image.images().get(last);
        for (int trial = 0; trial < 20; trial++) {
            long seed = 0x1C4EL + trial;
            Random random = new Random(seed);
            byte[] junk = new byte[1 + random.nextInt(300)];
            random.nextBytes(junk);
            if (junk[0] == 0) {
                junk[0] = 1;
            }
            byte[] junkEnded = Arrays.copyOf(lastSegment, lastSegment.length + junk.length);
            System.arraycopy(junk, 0, junkEnded, lastSegment.length, junk.length);
            List<byte[]> contents = new ArrayList<>(image.copies());
            contents.set(last, junkEnded);
            String context = "seed " + seed + ", " + junk.length + " junk bytes";

            RecoveryReport report = openAndCheck(image.writeTo(dir.resolve("junk-" + trial), contents), RECORDS, context);
            Damage damage = report.damage().orElseThrow(() -> new AssertionError(context + ": no damage reported"));
            assertEquals(lastSegment.length, damage.offset(), context);
            assertEquals(nonZeroEnd(junkEnded, lastSegment.length, junkEnded.length) - lastSegment.length,
                    report.bytesDropped(), context);
        }
    }

    @Test
    void recover_junkAfterZeroFilledSpace_isReportedAsDataAfterEndMarker() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        byte[] lastSegment = image.images().get(last);
        byte[] damaged = Arrays.copyOf(lastSegment, lastSegment.length + 1000 + 3);
        damaged[damaged.length - 2] = 42; // junk at the end of preallocated space
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(last, damaged);

        RecoveryReport report = openAndCheck(image.writeTo(dir.resolve("zero-junk"), contents), RECORDS, "zero-junk");
        assertEquals(Damage.Kind.DATA_AFTER_END_MARKER, report.damage().orElseThrow().kind());
        assertEquals(lastSegment.length, report.damage().orElseThrow().offset());
        assertEquals(1000 + 2, report.bytesDropped());
    }

    @Test
    void recover_zeroFilledTail_isTheCleanEndOfTheLog() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(last, Arrays.copyOf(image.images().get(last), image.images().get(last).length + 1003));
        RecoveryReport report = openAndCheck(image.writeTo(dir.resolve("zeros"), contents), RECORDS, "zeros");
        assertFalse(report.damaged(), report.describe());
    }

    @Test
    void recover_crashImageOfOpenLog_keepsEveryAcknowledgedRecord() throws Exception {
        Path live = dir.resolve("live");
        Path crash = dir.resolve("crash");
        Files.createDirectories(crash);
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(live))) {
            for (int i = 1; i <= 100; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            // What a power cut would leave: the open, preallocated active segment included.
            for (Path segment : WalTestSupport.segmentFiles(live)) {
                Files.copy(segment, crash.resolve(segment.getFileName()));
            }
        }
        assertEquals(WalTestSupport.SMALL_SEGMENT, Files.size(WalTestSupport.segmentFiles(crash).getLast()),
                "active segment is preallocated");
        RecoveryReport report = openAndCheck(crash, 100, "crash image");
        assertFalse(report.damaged(), report.describe());
    }

    @Test
    void recover_damageInMiddleSegment_movesLaterSegmentsAsideAndNeverResequencesThem() throws Exception {
        LogImage image = cleanImage();
        List<byte[]> contents = new ArrayList<>(image.copies());
        int victim = image.starts().get(1).get(10); // the 11th record of the middle segment
        contents.get(1)[victim + FRAME_HEADER + 3] ^= 0x55; // a payload byte
        Path copy = image.writeTo(dir.resolve("middle"), contents);
        long expectedKept = image.firstSeqs().get(1) - 1 + 10;

        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(copy))) {
            RecoveryReport report = log.recoveryReport();
            assertEquals(expectedKept, report.recordsKept(), report.describe());
            Damage damage = report.damage().orElseThrow();
            assertEquals(Damage.Kind.CRC_MISMATCH, damage.kind());
            assertEquals(victim, damage.offset());
            assertTrue(damage.segment().endsWith(image.names().get(1)));

            Path quarantine = copy.resolve("damaged");
            Path movedLast = report.movedAside().stream()
                    .filter(p -> p.getFileName().toString().endsWith(image.names().get(2))).findFirst().orElseThrow();
            assertEquals(quarantine, movedLast.getParent());
            assertArrayEquals(image.images().get(2), Files.readAllBytes(movedLast), "moved, not rewritten");
            Path cutTail = report.movedAside().stream()
                    .filter(p -> p.getFileName().toString().contains(".cut-at-" + victim)).findFirst().orElseThrow();
            assertArrayEquals(Arrays.copyOfRange(contents.get(1), victim, contents.get(1).length),
                    Files.readAllBytes(cutTail), "the cut bytes are kept for inspection");
            assertFalse(Files.exists(copy.resolve(image.names().get(2))));

            byte[] fresh = "new record".getBytes();
            assertEquals(expectedKept + 1, log.append(RecordType.RAW, fresh));
            List<io.patronus.wal.LogRecord> after = new ArrayList<>();
            log.replay(expectedKept, after::add);
            assertEquals(1, after.size(), "old records after the damage must not come back: " + after);
            assertArrayEquals(fresh, after.getFirst().payload());
        }
    }

    @Test
    void recover_missingMiddleSegment_reportsGapAndMovesLaterSegmentsAside() throws Exception {
        LogImage image = cleanImage();
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(1, null);
        Path copy = image.writeTo(dir.resolve("gap"), contents);
        long expectedKept = image.firstSeqs().get(1) - 1;

        RecoveryReport report = openAndCheck(copy, expectedKept, "missing segment");
        Damage damage = report.damage().orElseThrow();
        assertEquals(Damage.Kind.SEQUENCE_GAP, damage.kind());
        assertTrue(damage.segment().endsWith(image.names().get(2)), damage.describe());
        assertEquals(0, damage.offset());
        assertEquals(1, report.movedAside().size(), report.movedAside().toString());
    }

    @Test
    void recover_unknownTypeCodeInValidRecord_isKeptAsUnknownNotDamage() throws Exception {
        Path log = dir.resolve("newer");
        WalTestSupport.writeLog(log, 3);
        Path segment = WalTestSupport.segmentFiles(log).getFirst();
        byte[] bytes = Files.readAllBytes(segment);
        int second = WalTestSupport.frameStarts(bytes).get(1);
        ByteBuffer frame = ByteBuffer.wrap(bytes);
        frame.putShort(second + 2, (short) 4242); // a type from a newer release, with a valid CRC
        CRC32C crc = new CRC32C();
        crc.update(bytes, second, 24);
        crc.update(bytes, second + FRAME_HEADER, frame.getInt(second + 4));
        frame.putInt(second + 24, (int) crc.getValue());
        Files.write(segment, bytes);

        try (WriteAheadLog opened = WriteAheadLog.open(smallSegments(log))) {
            assertFalse(opened.recoveryReport().damaged(), opened.recoveryReport().describe());
            io.patronus.wal.LogRecord record = replayAll(opened).get(1);
            assertEquals(RecordType.UNKNOWN, record.type());
            assertEquals(4242, record.typeCode());
            assertArrayEquals(payload(2), record.payload());
        }
        assertTrue(WriteAheadLog.verify(log).ok());
    }

    @Test
    void recover_segmentFromNewerFormatVersion_failsNamingTheFileInsteadOfDroppingIt() throws Exception {
        Path log = dir.resolve("future");
        WalTestSupport.writeLog(log, 3);
        Path segment = WalTestSupport.segmentFiles(log).getFirst();
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer header = ByteBuffer.wrap(bytes);
        header.putShort(4, (short) 2);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 28);
        header.putInt(28, (int) crc.getValue());
        Files.write(segment, bytes);

        WalException error = assertThrows(WalException.class, () -> WriteAheadLog.open(smallSegments(log)));
        assertTrue(error.getMessage().contains(segment.getFileName().toString()), error.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(segment), "nothing is cut");
    }

    @Test
    void recover_leftoverHalfCreatedSegmentAndSpare_areRemoved() throws Exception {
        Path log = dir.resolve("leftover");
        WalTestSupport.writeLog(log, 3);
        Path leftover = Files.write(log.resolve("wal-00000000000000000004.log.tmp"), new byte[100]);
        Path spare = Files.write(log.resolve("wal-spare.log.tmp"), new byte[100]);
        try (WriteAheadLog opened = WriteAheadLog.open(smallSegments(log))) {
            assertFalse(opened.recoveryReport().damaged());
            assertFalse(Files.exists(leftover));
            assertFalse(Files.exists(spare));
            assertEquals(3, opened.lastSequence());
        }
    }

    @Test
    void recover_unreadableSegment_throwsWalExceptionNamingTheFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root reads files regardless of permissions");
        Path log = dir.resolve("unreadable");
        WalTestSupport.writeLog(log, 3);
        Path segment = WalTestSupport.segmentFiles(log).getFirst();
        Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("---------"));
        try {
            WalException error = assertThrows(WalException.class, () -> WriteAheadLog.open(smallSegments(log)));
            assertTrue(error.getMessage().contains(segment.toString()), error.getMessage());
        } finally {
            Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void recover_damage_isLoggedAsWarningWithBytesDropped() {
        LogImage image = cleanImage();
        int last = image.segments() - 1;
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(last, Arrays.copyOf(image.images().get(last), image.images().get(last).length - 7));
        Path copy = image.writeTo(dir.resolve("logged"), contents);
        List<LogRecord> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        WAL_LOGGER.setLevel(Level.ALL);
        WAL_LOGGER.addHandler(capture);
        try {
            WriteAheadLog.open(smallSegments(copy)).close();
        } finally {
            WAL_LOGGER.removeHandler(capture);
            WAL_LOGGER.setLevel(Level.OFF);
        }
        LogRecord warning = logged.stream().filter(r -> r.getLevel() == Level.WARNING).findFirst()
                .orElseThrow(() -> new AssertionError("no warning logged: " + logged));
        assertTrue(warning.getMessage().contains("dropped") && warning.getMessage().contains("TRUNCATED_RECORD"),
                warning.getMessage());
    }
}
