package io.patronus.wal;

import static io.patronus.wal.WalTestSupport.payload;
import static io.patronus.wal.WalTestSupport.replayAll;
import static io.patronus.wal.WalTestSupport.segmentFiles;
import static io.patronus.wal.WalTestSupport.smallSegments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {

    @TempDir
    Path dir;

    @Test
    void append_thenReplay_returnsEveryRecordInOrderWithTypeAndPayload() {
        long before = System.currentTimeMillis();
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            assertEquals(1, log.append(RecordType.STATE_MUTATION, payload(1)));
            assertEquals(2, log.append(RecordType.AUDIT, payload(2)));
            assertEquals(3, log.append(RecordType.RAW, new byte[0]));
            long after = System.currentTimeMillis();

            List<LogRecord> records = replayAll(log);
            assertEquals(List.of(1L, 2L, 3L), records.stream().map(LogRecord::sequence).toList());
            assertEquals(List.of(RecordType.STATE_MUTATION, RecordType.AUDIT, RecordType.RAW),
                    records.stream().map(LogRecord::type).toList());
            assertEquals(RecordType.AUDIT.code(), records.get(1).typeCode());
            assertArrayEquals(payload(1), records.get(0).payload());
            assertArrayEquals(payload(2), records.get(1).payload());
            assertEquals(0, records.get(2).payload().length);
            for (LogRecord record : records) {
                assertTrue(record.timestampMillis() >= before && record.timestampMillis() <= after, record.toString());
            }
        }
    }

    @Test
    void append_returns_onlyOnceLastSequenceCoversTheRecord() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            assertEquals(0, log.lastSequence());
            for (int i = 1; i <= 20; i++) {
                long sequence = log.append(RecordType.RAW, payload(i));
                assertTrue(log.lastSequence() >= sequence);
            }
        }
    }

    @Test
    void reopen_sequenceContinuesFromLastRecord() {
        WalTestSupport.writeLog(dir, 10);
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            assertFalse(log.recoveryReport().damaged(), log.recoveryReport().describe());
            assertEquals(10, log.recoveryReport().recordsKept());
            assertEquals(10, log.lastSequence());
            assertEquals(11, log.append(RecordType.RAW, payload(11)));
        }
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            assertEquals(11, log.lastSequence());
            assertEquals(12, log.append(RecordType.RAW, payload(12)));
            List<LogRecord> records = replayAll(log);
            assertEquals(12, records.size());
            for (LogRecord record : records) {
                assertArrayEquals(payload(record.sequence()), record.payload(), "sequence " + record.sequence());
            }
        }
    }

    @Test
    void append_pastSegmentSize_rollsToNewSegmentsNamedByBaseSequence() {
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            for (int i = 1; i <= 200; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            List<Path> files = segmentFiles(dir);
            assertTrue(files.size() >= 3, "segments: " + files);
            assertEquals(files.size(), log.stats().segments());
            assertEquals(files.size() - 1, log.stats().segmentsRolled());
            assertEquals(1, WalTestSupport.baseOf(files.getFirst()));
            // Sealed segments are truncated to their data, which never passes the limit.
            for (Path sealed : files.subList(0, files.size() - 1)) {
                byte[] image = WalTestSupport.read(sealed);
                assertTrue(image.length <= WalTestSupport.SMALL_SEGMENT, sealed + " is " + image.length + " bytes");
                assertEquals(image.length, WalTestSupport.dataEndOfFrames(image), sealed.toString());
            }
            assertEquals(200, replayAll(log).size());
        }
    }

    @Test
    void roll_takesThePreparedSpare_andCloseRemovesAnUnusedSpare() throws Exception {
        Path spare = dir.resolve("wal-spare.log.tmp");
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            long sequence = 0;
            while (!Files.exists(spare) && sequence < 1000) { // prepared once the active segment is half full
                sequence = log.append(RecordType.RAW, payload(sequence + 1));
            }
            assertTrue(Files.exists(spare), "no spare prepared after " + sequence + " appends");
            int segments = log.stats().segments();
            while (log.stats().segments() == segments) {
                sequence = log.append(RecordType.RAW, payload(sequence + 1));
            }
            Path rolled = segmentFiles(dir).getLast();
            assertEquals(0, log.stats().rollsWithoutSpare(), "the roll took the spare: " + log.stats());
            assertEquals(WalTestSupport.SMALL_SEGMENT, Files.size(rolled));
            assertEquals(sequence, WalTestSupport.baseOf(rolled));
            while (!Files.exists(spare)) { // and the next spare is prepared once this one is half full
                sequence = log.append(RecordType.RAW, payload(sequence + 1));
            }
        }
        assertFalse(Files.exists(spare), "close removes an unused spare");
        assertTrue(WriteAheadLog.verify(dir).ok(), WriteAheadLog.verify(dir).describe());
    }

    @Test
    void append_payloadLargerThanSegment_getsASegmentOfItsOwnAndRoundTrips() {
        byte[] big = new byte[64 << 10];
        Arrays.fill(big, (byte) 7);
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            log.append(RecordType.RAW, payload(1));
            assertEquals(2, log.append(RecordType.RAW, big));
            assertEquals(3, log.append(RecordType.RAW, payload(3)));
            List<LogRecord> records = replayAll(log);
            assertArrayEquals(big, records.get(1).payload());
            assertEquals(3, log.stats().segments());
        }
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            assertFalse(log.recoveryReport().damaged(), log.recoveryReport().describe());
            assertArrayEquals(big, replayAll(log).get(1).payload());
        }
    }

    @Test
    void append_payloadAtLimit_isAcceptedAndOneByteMoreIsRejectedNamingTheLimit() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir).segmentBytes(1 << 20))) {
            byte[] max = new byte[WriteAheadLog.MAX_PAYLOAD_BYTES];
            max[max.length - 1] = 1;
            assertEquals(1, log.append(RecordType.RAW, max));
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                    () -> log.append(RecordType.RAW, new byte[WriteAheadLog.MAX_PAYLOAD_BYTES + 1]));
            assertTrue(tooBig.getMessage().contains(String.valueOf(WriteAheadLog.MAX_PAYLOAD_BYTES)), tooBig.getMessage());
            assertArrayEquals(max, replayAll(log).getFirst().payload());
        }
    }

    @Test
    void append_unknownType_isRejected() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            assertThrows(IllegalArgumentException.class, () -> log.append(RecordType.UNKNOWN, new byte[1]));
        }
    }

    @Test
    void append_afterClose_throwsWalExceptionSayingClosed() {
        WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir));
        log.append(RecordType.RAW, payload(1));
        log.close();
        log.close(); // idempotent
        WalException error = assertThrows(WalException.class, () -> log.append(RecordType.RAW, payload(2)));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
        assertThrows(WalException.class, () -> log.appendAsync(RecordType.RAW, payload(2)));
        assertThrows(WalException.class, () -> log.replay(0, r -> { }));
    }

    @Test
    void append_whileInterrupted_throwsAndRestoresInterruptFlag() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            Thread.currentThread().interrupt();
            WalException error = assertThrows(WalException.class, () -> log.append(RecordType.RAW, payload(1)));
            assertTrue(Thread.interrupted(), "interrupt flag must be restored");
            assertInstanceOf(InterruptedException.class, error.getCause());
        }
    }

    @Test
    void close_withAsyncAppendsQueued_makesThemAllDurable() throws Exception {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            for (int i = 1; i <= 500; i++) {
                futures.add(log.appendAsync(RecordType.RAW, payload(i)));
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i + 1, futures.get(i).get(0, TimeUnit.SECONDS));
        }
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            assertEquals(500, log.lastSequence());
        }
    }

    @Test
    void close_racingAppenders_everyFutureCompletesOrFailsWithClosed() throws Exception {
        WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir));
        ConcurrentLinkedQueue<CompletableFuture<Long>> futures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> rejected = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                started.countDown();
                for (int i = 0; i < 100_000; i++) {
                    try {
                        futures.add(log.appendAsync(RecordType.RAW, payload(i)));
                    } catch (WalException e) {
                        rejected.add(e);
                        return;
                    }
                }
            }));
        }
        started.await();
        Thread.sleep(20);
        log.close();
        for (Thread thread : threads) {
            thread.join();
        }
        long completed = 0;
        for (CompletableFuture<Long> future : futures) {
            try {
                future.get(10, TimeUnit.SECONDS);
                completed++;
            } catch (ExecutionException e) {
                assertInstanceOf(WalException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
            }
        }
        try (WriteAheadLog reopened = WriteAheadLog.open(WalOptions.defaults(dir))) {
            assertEquals(completed, reopened.lastSequence(), "every acknowledged append is in the log, nothing else");
        }
    }

    @Test
    void concurrentWriters_getUniqueIncreasingSequencesAndShareFsyncs() throws Exception {
        int threads = 16;
        int perThread = 200;
        long[][] sequences = new long[threads][perThread];
        WalStats stats;
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir).segmentBytes(256 << 10))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        byte[] body = ByteBuffer.allocate(8).putInt(thread).putInt(i).array();
                        sequences[thread][i] = log.append(RecordType.STATE_MUTATION, body);
                    }
                }));
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            stats = log.stats();

            List<LogRecord> records = replayAll(log);
            assertEquals(threads * perThread, records.size());
            for (LogRecord record : records) {
                ByteBuffer body = ByteBuffer.wrap(record.payload());
                assertEquals(record.sequence(), sequences[body.getInt()][body.getInt()]);
            }
        }
        Set<Long> seen = new HashSet<>();
        for (long[] perWriter : sequences) {
            for (int i = 0; i < perWriter.length; i++) {
                assertTrue(seen.add(perWriter[i]), "duplicate sequence " + perWriter[i]);
                if (i > 0) {
                    assertTrue(perWriter[i] > perWriter[i - 1], "a writer's sequences must increase");
                }
            }
        }
        assertEquals(threads * perThread, seen.size());
        assertEquals(1, seen.stream().mapToLong(Long::longValue).min().orElseThrow());
        assertEquals(threads * perThread, seen.stream().mapToLong(Long::longValue).max().orElseThrow());
        assertEquals(threads * perThread, stats.appends());
        assertTrue(stats.fsyncs() < stats.appends(), "group commit must share fsyncs: " + stats);
        assertTrue(stats.batches() <= stats.appends(), stats.toString());
        assertTrue(stats.fsyncs() <= stats.batches() + stats.segmentsRolled(), stats.toString());
    }

    @Test
    void flush_singleSequentialAppender_flushesOnQueueEmptyOncePerAppend() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir).maxBatchWait(Duration.ofSeconds(1)))) {
            for (int i = 1; i <= 20; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            WalStats stats = log.stats();
            assertEquals(20, stats.flushes(FlushReason.QUEUE_EMPTY), stats.toString());
            assertEquals(20, stats.batches());
            assertEquals(20, stats.fsyncs());
            assertEquals(0, stats.flushes(FlushReason.MAX_BYTES) + stats.flushes(FlushReason.MAX_WAIT));
        }
    }

    @Test
    void flush_recordReachingMaxBatchBytes_flushesOnMaxBytes() {
        WalOptions options = WalOptions.defaults(dir).maxBatchBytes(WalOptions.MIN_BATCH_BYTES)
                .maxBatchWait(Duration.ofSeconds(1));
        try (WriteAheadLog log = WriteAheadLog.open(options)) {
            for (int i = 1; i <= 10; i++) {
                log.append(RecordType.RAW, new byte[2000]);
            }
            assertEquals(10, log.stats().flushes(FlushReason.MAX_BYTES), log.stats().toString());
        }
    }

    @Test
    void flush_zeroMaxBatchWait_flushesEveryRecordOnMaxWait() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir).maxBatchWait(Duration.ZERO))) {
            for (int i = 1; i <= 10; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            assertEquals(10, log.stats().flushes(FlushReason.MAX_WAIT), log.stats().toString());
        }
    }

    @Test
    void replay_afterSequence_returnsOnlyLaterRecords() {
        WalTestSupport.writeLog(dir, 150);
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            for (long after : new long[] {0, 1, 51, 52, 53, 149, 150, 500}) {
                List<Long> seen = new ArrayList<>();
                log.replay(after, record -> seen.add(record.sequence()));
                List<Long> expected = new ArrayList<>();
                for (long s = after + 1; s <= 150; s++) {
                    expected.add(s);
                }
                assertEquals(expected, seen, "after " + after);
            }
        }
    }

    @Test
    void checkpoint_retiresFullyCoveredSegments_keepsTheOneHoldingTheNextRecord() {
        WalTestSupport.writeLog(dir, 200);
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            List<Path> before = segmentFiles(dir);
            assertTrue(before.size() >= 3);
            long secondBase = WalTestSupport.baseOf(before.get(1));
            long thirdBase = WalTestSupport.baseOf(before.get(2));

            log.checkpoint(secondBase - 2); // one record short of covering the first segment
            assertEquals(before, segmentFiles(dir));

            log.checkpoint(thirdBase - 2); // covers the first segment, not the second
            assertEquals(before.subList(1, before.size()), segmentFiles(dir));
            assertEquals(secondBase, log.firstSequence());
            assertEquals(1, log.stats().segmentsRetired());

            List<Long> seen = new ArrayList<>();
            log.replay(secondBase - 1, record -> seen.add(record.sequence()));
            assertEquals(secondBase, seen.getFirst());
            WalException retired = assertThrows(WalException.class, () -> log.replay(0, record -> { }));
            assertTrue(retired.getMessage().contains("retired"), retired.getMessage());
        }
    }

    @Test
    void checkpoint_coveringEverything_neverDeletesTheActiveSegment() {
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            for (int i = 1; i <= 200; i++) {
                log.append(RecordType.RAW, payload(i));
            }
            log.checkpoint(log.lastSequence());
            List<Path> left = segmentFiles(dir);
            assertEquals(1, left.size(), left.toString());
            assertEquals(201, log.append(RecordType.RAW, payload(201)));
            assertThrows(IllegalArgumentException.class, () -> log.checkpoint(log.lastSequence() + 1));
        }
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(dir))) {
            assertFalse(log.recoveryReport().damaged(), log.recoveryReport().describe());
            assertEquals(201, log.lastSequence());
            assertEquals(202, log.append(RecordType.RAW, payload(202)));
        }
    }

    @Test
    void checkpoint_fromReplayConsumer_isRefusedInsteadOfDeadlocking() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            log.append(RecordType.RAW, payload(1));
            assertThrows(IllegalStateException.class, () -> log.replay(0, record -> log.checkpoint(1)));
        }
    }

    @Test
    void open_directoryAlreadyOpen_throwsWalException() {
        try (WriteAheadLog first = WriteAheadLog.open(WalOptions.defaults(dir))) {
            WalException error = assertThrows(WalException.class, () -> WriteAheadLog.open(WalOptions.defaults(dir)));
            assertTrue(error.getMessage().contains("already open"), error.getMessage());
            assertEquals(1, first.append(RecordType.RAW, payload(1)));
        }
        WriteAheadLog.open(WalOptions.defaults(dir)).close(); // the lock is released on close
    }

    @Test
    void open_directoryPathIsAFile_throwsWalExceptionNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        WalException error = assertThrows(WalException.class, () -> WriteAheadLog.open(WalOptions.defaults(file)));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    }

    @Test
    void format_segmentAndFrameMatchTheDocumentedLayout() {
        long before = System.currentTimeMillis();
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            log.append(RecordType.FAILOVER_DECISION, new byte[] {1, 2, 3});
        }
        byte[] image = WalTestSupport.read(dir.resolve("wal-00000000000000000001.log"));
        assertEquals(32 + 28 + 3, image.length, "closed segments are truncated to their data");
        ByteBuffer file = ByteBuffer.wrap(image);
        assertEquals(0x5057414C, file.getInt(0));
        assertEquals(1, file.getShort(4));
        assertEquals(1, file.getLong(8));
        assertTrue(file.getLong(16) >= before);
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(image, 0, 28);
        assertEquals((int) headerCrc.getValue(), file.getInt(28));

        assertEquals((short) 0xA757, file.getShort(32));
        assertEquals(RecordType.FAILOVER_DECISION.code(), file.getShort(34));
        assertEquals(3, file.getInt(36));
        assertEquals(1, file.getLong(40));
        assertTrue(file.getLong(48) >= before);
        CRC32C frameCrc = new CRC32C();
        frameCrc.update(image, 32, 24);
        frameCrc.update(image, 60, 3);
        assertEquals((int) frameCrc.getValue(), file.getInt(56));
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(image, 60, 63));
    }

    @Test
    void stats_countBytesSegmentsAndSequences() {
        try (WriteAheadLog log = WriteAheadLog.open(WalOptions.defaults(dir))) {
            log.append(RecordType.RAW, new byte[100]);
            log.append(RecordType.RAW, new byte[50]);
            WalStats stats = log.stats();
            assertEquals(2, stats.appends());
            assertEquals(2 * 28 + 150, stats.bytesWritten());
            assertEquals(1, stats.segments());
            assertEquals(1, stats.firstSequence());
            assertEquals(2, stats.lastSequence());
            assertEquals(1.0, stats.appendsPerFsync());
        }
    }
}
