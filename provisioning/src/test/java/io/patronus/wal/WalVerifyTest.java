package io.patronus.wal;

import static io.patronus.wal.WalTestSupport.FRAME_HEADER;
import static io.patronus.wal.WalTestSupport.payload;
import static io.patronus.wal.WalTestSupport.smallSegments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.patronus.wal.WalTestSupport.LogImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalVerifyTest {

    @TempDir
    Path dir;

    @Test
    void verify_cleanClosedLog_isOkWithSegmentsRecordsAndSequenceRange() {
        WalTestSupport.writeLog(dir, 130);
        VerifyReport report = WriteAheadLog.verify(dir);
        assertTrue(report.ok(), report.describe());
        assertEquals(130, report.records());
        assertEquals(1, report.firstSequence());
        assertEquals(130, report.lastSequence());
        assertEquals(WalTestSupport.segmentFiles(dir).size(), report.segments());
        assertEquals(130, report.perSegment().stream().mapToLong(VerifyReport.SegmentSummary::records).sum());
        assertTrue(report.describe().contains("OK"), report.describe());
    }

    @Test
    void verify_openLogWithPreallocatedActiveSegment_isOk() {
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            for (int i = 1; i <= 30; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            VerifyReport report = WriteAheadLog.verify(dir);
            assertTrue(report.ok(), report.describe());
            assertEquals(30, report.lastSequence());
            VerifyReport.SegmentSummary active = report.perSegment().getLast();
            assertTrue(active.dataEndOffset() < active.sizeBytes(), active.toString());
        }
    }

    @Test
    void verify_damagedLog_reportsEveryCrcFailureWithFileAndOffsetAndChangesNothing() throws Exception {
        Path clean = dir.resolve("clean");
        WalTestSupport.writeLog(clean, 130);
        LogImage image = LogImage.of(clean);
        List<byte[]> contents = new ArrayList<>(image.copies());
        int first = image.starts().get(0).get(5);
        int second = image.starts().get(2).get(3);
        contents.get(0)[first + FRAME_HEADER + 1] ^= 1;
        contents.get(2)[second + FRAME_HEADER + 2] ^= 1;
        Path damaged = image.writeTo(dir.resolve("damaged"), contents);
        List<FileTime> times = new ArrayList<>();
        for (Path file : WalTestSupport.segmentFiles(damaged)) {
            times.add(Files.getLastModifiedTime(file));
        }

        VerifyReport report = WriteAheadLog.verify(damaged);

        assertFalse(report.ok());
        assertEquals(2, report.problems().size(), report.describe());
        Damage one = report.problems().get(0);
        Damage two = report.problems().get(1);
        assertEquals(Damage.Kind.CRC_MISMATCH, one.kind());
        assertTrue(one.segment().endsWith(image.names().get(0)));
        assertEquals(first, one.offset());
        assertEquals(Damage.Kind.CRC_MISMATCH, two.kind());
        assertTrue(two.segment().endsWith(image.names().get(2)));
        assertEquals(second, two.offset());
        assertEquals(128, report.records(), "the frames after each bad one are still read");
        assertTrue(report.gaps().isEmpty(), report.describe());
        assertTrue(report.describe().contains(String.valueOf(first)), report.describe());

        List<Path> files = WalTestSupport.segmentFiles(damaged);
        for (int i = 0; i < files.size(); i++) {
            assertArrayEquals(contents.get(i), Files.readAllBytes(files.get(i)), "verify must not modify " + files.get(i));
            assertEquals(times.get(i), Files.getLastModifiedTime(files.get(i)));
        }
        assertFalse(Files.exists(damaged.resolve("damaged")));
    }

    @Test
    void verify_missingSegment_reportsTheGap() {
        Path clean = dir.resolve("clean");
        WalTestSupport.writeLog(clean, 130);
        LogImage image = LogImage.of(clean);
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.set(1, null);
        VerifyReport report = WriteAheadLog.verify(image.writeTo(dir.resolve("gap"), contents));
        assertFalse(report.ok());
        assertEquals(1, report.gaps().size(), report.describe());
        assertTrue(report.gaps().getFirst().segment().endsWith(image.names().get(2)));
    }

    @Test
    void verify_truncatedTail_reportsTornFrame() {
        Path clean = dir.resolve("clean");
        WalTestSupport.writeLog(clean, 130);
        LogImage image = LogImage.of(clean);
        List<byte[]> contents = new ArrayList<>(image.copies());
        byte[] last = contents.getLast();
        contents.set(contents.size() - 1, Arrays.copyOf(last, last.length - 3));
        VerifyReport report = WriteAheadLog.verify(image.writeTo(dir.resolve("torn"), contents));
        assertEquals(1, report.problems().size(), report.describe());
        assertEquals(Damage.Kind.TRUNCATED_RECORD, report.problems().getFirst().kind());
        assertEquals(image.starts().getLast().getLast(), (int) report.problems().getFirst().offset());
        assertEquals(129, report.lastSequence());
    }

    @Test
    void verify_afterRecovery_listsQuarantinedFilesButIsOk() {
        Path clean = dir.resolve("clean");
        WalTestSupport.writeLog(clean, 130);
        LogImage image = LogImage.of(clean);
        List<byte[]> contents = new ArrayList<>(image.copies());
        contents.get(1)[image.starts().get(1).get(2) + FRAME_HEADER] ^= 1;
        Path damaged = image.writeTo(dir.resolve("recovered"), contents);
        WriteAheadLog.open(smallSegments(damaged)).close();
        VerifyReport report = WriteAheadLog.verify(damaged);
        assertTrue(report.ok(), report.describe());
        assertEquals(2, report.quarantined().size(), report.describe());
    }

    @Test
    void verify_missingDirectory_throwsWalExceptionNamingIt() {
        Path missing = dir.resolve("nope");
        WalException error = assertThrows(WalException.class, () -> WriteAheadLog.verify(missing));
        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
    }
}
