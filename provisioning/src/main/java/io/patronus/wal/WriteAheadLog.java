package io.patronus.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The appliance's durable write-ahead log: every mutation is appended here, and made durable, before it is
 * acknowledged. It is the one record of what happened on the appliance: state mutations, audit events, path
 * events, failover decisions, configuration applies and rollbacks, telemetry-outbox acknowledgements.
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li>When {@link #append} returns a sequence (or {@link #appendAsync}'s future completes with one), the
 *     record and every record before it have been written and forced to the disk ({@code fdatasync}).</li>
 * <li>Sequences start at 1 and grow by exactly one per record, across segments and reopens. After damage is
 *     cut away, the next append continues from the last kept record; records after the damage are moved out
 *     of the log and never read back under a sequence number that is reused.</li>
 * <li>Every record read back ({@link #replay}, recovery) has passed its CRC32C check.</li>
 * <li>Opening the log never fails because of damaged data: recovery keeps every valid record before the
 *     first damage, cuts the rest away and says so in {@link #recoveryReport()}. It fails, with a
 *     {@link WalException} naming the file, only when the disk cannot be read or written.</li>
 * </ul>
 *
 * <h2>Group commit</h2>
 * An fsync costs far more than writing a record to the page cache, so the log shares each fsync between all
 * the appenders waiting at the time. Appenders put records on a queue and wait on a future. One dedicated
 * writer thread drains the queue in arrival order: {@code GroupCommitWriter} assigns sequences, frames the
 * batch into one buffer and writes it; {@code SegmentSyncer}, the only code that forces, makes it durable
 * with one {@code force(false)}; then the writer completes the batch's futures. A batch ends when the queue is
 * empty (no added latency), at {@link WalOptions#maxBatchBytes()}, or at {@link WalOptions#maxBatchWait()},
 * with a counter per reason in {@link WalStats}; while one batch is forced, the next one queues up. When the
 * writer expects more appenders back (several were in flight when it last completed a batch) it waits for
 * them briefly, at most half an fsync, so that concurrent writers share one fsync instead of alternating
 * between two. Writing and forcing run on the same thread on purpose: on the two-core appliance every extra
 * thread hand-off in this path cost more than it overlapped (docs/PERFORMANCE.md). A dedicated thread also
 * keeps the callers' interrupts away from the file channels, which an interrupt during I/O would close.
 *
 * <h2>On-disk format (version 1)</h2>
 * A log is a directory of segment files named {@code wal-<base>.log}, where {@code <base>} is the sequence
 * of the segment's first record as 20 zero-padded decimal digits, so name order is sequence order. The
 * directory also holds {@code wal.lock} (held while open) and, after damage, {@code damaged/}. All integers
 * are big-endian.
 *
 * <p>Segment header, 32 bytes at offset 0:
 * <pre>
 * offset size field
 *      0    4 magic          0x5057414C ("PWAL")
 *      4    2 version        format version, 1
 *      6    2 reserved       0
 *      8    8 baseSequence   sequence of the first record; equals the number in the file name
 *     16    8 createdMillis  creation time, milliseconds since the epoch
 *     24    4 reserved       0
 *     28    4 headerCrc      CRC32C of bytes 0..27
 * </pre>
 *
 * <p>Then frames, back to back from offset 32, each 28 bytes of header and the payload:
 * <pre>
 * offset size field
 *      0    2 magic          0xA757: marks a record start
 *      2    2 type           record type code, unsigned (see {@link RecordType}; unknown codes are kept)
 *      4    4 length         payload length in bytes, 0..16 MiB
 *      8    8 sequence       previous record's sequence + 1 (the first record's is baseSequence)
 *     16    8 timestamp      append time, milliseconds since the epoch
 *     24    4 crc            CRC32C of bytes 0..23 of this header followed by the payload
 *     28    n payload        n = length bytes
 * </pre>
 *
 * <p>End of log. A new segment is preallocated: written with zeros up to {@link WalOptions#segmentBytes()}
 * and synced before it is used, so that later fdatasyncs flush data only (blocks are allocated, the size
 * does not change). The zero-filling happens ahead of time on a background thread, into a spare file
 * ({@code wal-spare.log.tmp}) that a roll renames, so rolling does not stall appends. A frame position holding zero where the magic should be is therefore the end of the log
 * (the "zero length" marker), valid only if every byte from there to the end of the file is zero too. The
 * frame starts with a non-zero magic, not with its length, so that a frame cut after one to three bytes
 * cannot pass for zero fill (a big-endian length's first bytes are usually zero). When a segment is full,
 * or the log is closed, the segment is sealed: truncated to its last frame and synced with its size.
 *
 * <p>Damage. Reading a frame can find: a truncated frame header, a bad magic, a length out of range, a
 * payload running past the end of the file, a CRC mismatch, non-zero data after the end marker, or a sequence
 * that is not the expected one; see {@link Damage.Kind}. Recovery cuts the segment at the start of the first
 * bad frame, saving the cut bytes as {@code damaged/<time>-<segment>.cut-at-<offset>}, and moves later
 * segments to {@code damaged/<time>-<segment>}. A segment header written by a newer format version is not
 * damage: opening fails and asks for a newer release.
 *
 * <h2>Retention</h2>
 * Segments roll at {@link WalOptions#segmentBytes()}; {@link #checkpoint(long)} deletes the oldest whole
 * segments whose records a snapshot covers. The active segment is never deleted.
 */
public final class WriteAheadLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WriteAheadLog.class.getName());
    private static final String LOCK_FILE = "wal.lock";
    private static final int QUEUE_CAPACITY = 1 << 16;

    /** Largest payload one record may carry. */
    public static final int MAX_PAYLOAD_BYTES = SegmentFormat.MAX_PAYLOAD_BYTES;

    private final WalOptions options;
    private final String name;
    private final RecoveryReport recoveryReport;
    private final FileChannel lockChannel;
    private final ConcurrentNavigableMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final LinkedBlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final FailureLatch failure = new FailureLatch();
    private final WalCounters counters = new WalCounters();
    private final LongAdder accepted = new LongAdder();
    private final SegmentSyncer syncer;
    private final GroupCommitWriter writer;
    private final Thread writerThread;
    private final SegmentPreallocator preallocator;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantReadWriteLock retireLock = new ReentrantReadWriteLock();

    private WriteAheadLog(WalOptions options, FileChannel lockChannel, Recovery.Outcome recovered) {
        this.options = options;
        this.name = options.directory().toString();
        this.lockChannel = lockChannel;
        this.recoveryReport = recovered.report();
        for (Segment segment : recovered.segments()) {
            segments.put(segment.baseSequence(), segment);
        }
        this.syncer = new SegmentSyncer(name, recovered.lastSequence(), failure, counters);
        this.preallocator = new SegmentPreallocator(options.directory(), options.segmentBytes());
        this.writer = new GroupCommitWriter(options, name, queue, segments, recovered.lastSequence() + 1, syncer,
                failure, counters, accepted, preallocator);
        this.writerThread = Thread.ofPlatform().name("patronus-wal-writer").daemon(true).unstarted(writer);
        writerThread.start();
    }

    /**
     * Opens (creating if needed) the log in {@code options.directory()}, runs recovery and starts the writer
     * thread. Only one open log per directory: the directory is locked until {@link #close()}.
     *
     * <p>Thread-safe; blocks for the duration of recovery.
     *
     * @throws WalException when the directory or a segment cannot be read or written, when another log has the
     *                      directory open, or when a segment was written by a newer format version
     */
    public static WriteAheadLog open(WalOptions options) {
        Objects.requireNonNull(options, "options");
        Path directory = options.directory();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new WalException("cannot create write-ahead log directory " + directory + ": " + e, e);
        }
        FileChannel lockChannel = lock(directory);
        try {
            return new WriteAheadLog(options, lockChannel, Recovery.recover(options));
        } catch (RuntimeException | Error e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private static FileChannel lock(Path directory) {
        Path lockFile = directory.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new WalException("cannot open lock file " + lockFile + ": " + e, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new WalException("write-ahead log " + directory + " is open in another process (" + lockFile
                        + " is locked)");
            }
            return channel;
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new WalException("write-ahead log " + directory + " is already open in this process", e);
        } catch (IOException | WalException e) {
            closeQuietly(channel);
            throw e instanceof WalException wal ? wal : new WalException("cannot lock " + lockFile + ": " + e, e);
        }
    }

    /** What recovery found when this log was opened. Thread-safe. */
    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    /** The options this log was opened with. Thread-safe. */
    public WalOptions options() {
        return options;
    }

    /**
     * Appends a record and waits until it is durable.
     *
     * <p>Thread-safe: concurrent appenders share fsyncs (group commit); sequences follow the order in which
     * the appends reached the queue. Do not modify {@code payload} until the call returns.
     *
     * @return the record's sequence
     * @throws IllegalArgumentException when {@code type} is {@link RecordType#UNKNOWN} or the payload is larger
     *                                  than {@link #MAX_PAYLOAD_BYTES}
     * @throws WalException             when the log is closed or has failed, or the calling thread is
     *                                  interrupted while waiting (the interrupt flag is restored); in the last
     *                                  two cases the record may or may not be in the log
     */
    public long append(RecordType type, byte[] payload) {
        return durable(appendAsync(type, payload), "an append");
    }

    /**
     * Appends several records and returns their sequences in order once all are durable. They are queued together,
     * so the group commit makes them durable with one or a few fsyncs rather than one each (a caller appending them
     * one by one waits for every fsync in turn).
     *
     * <p>Thread-safe. Errors as {@link #append}; when one fails, the ones before it may be in the log.
     */
    public long[] appendAll(RecordType type, List<byte[]> payloads) {
        List<CompletableFuture<Long>> queued = new ArrayList<>(payloads.size());
        for (byte[] payload : payloads) {
            queued.add(appendAsync(type, payload));
        }
        long[] sequences = new long[queued.size()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = durable(queued.get(i), payloads.size() + " appends");
        }
        return sequences;
    }

    private long durable(CompletableFuture<Long> queued, String what) {
        try {
            return queued.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException("interrupted while waiting for " + what + " to " + name
                    + " to become durable; the record may still be written", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new WalException(cause.getMessage(), cause);
        }
    }

    /**
     * Queues a record for appending; the future completes with its sequence once it is durable, or
     * exceptionally with a {@link WalException} if the log fails or closes first.
     *
     * <p>Thread-safe. Blocks only when 65,536 appends are already waiting for the writer
     * (back-pressure). Do not modify {@code payload} until the future completes: it is not copied. Callbacks
     * attached with non-async methods run on the log's writer thread and delay every other append: keep them
     * short or use the {@code *Async} variants.
     *
     * @throws IllegalArgumentException when {@code type} is {@link RecordType#UNKNOWN} or the payload is larger
     *                                  than {@link #MAX_PAYLOAD_BYTES}
     * @throws WalException             when the log is closed or has failed, or the thread is interrupted
     *                                  while waiting for queue space (the interrupt flag is restored)
     */
    public CompletableFuture<Long> appendAsync(RecordType type, byte[] payload) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (type == RecordType.UNKNOWN) {
            throw new IllegalArgumentException("cannot append a record of type UNKNOWN; it only marks codes read"
                    + " from a newer version");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes is larger than the "
                    + MAX_PAYLOAD_BYTES + "-byte limit of one write-ahead log record; split it");
        }
        if (closed.get()) {
            throw closedError(name);
        }
        failure.throwIfFailed();
        PendingAppend append = new PendingAppend(type.code(), payload, System.currentTimeMillis());
        try {
            queue.put(append);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException("interrupted while waiting for queue space in write-ahead log " + name, e);
        }
        accepted.increment();
        // The writer drains the queue once after it stops; an append that arrived later fails itself.
        if (writer.stopped() && queue.remove(append)) {
            WalException error = failure.current() != null ? failure.current() : closedError(name);
            append.future.completeExceptionally(error);
        }
        return append.future;
    }

    /**
     * Passes every durable record with a sequence greater than {@code afterSequence} to {@code consumer}, in
     * sequence order, up to the last record durable when the call started.
     *
     * <p>Thread-safe: may run while appends continue. Runs on the calling thread and reads the files itself;
     * segments it reads are not retired until it returns, so the consumer must not call
     * {@link #checkpoint(long)}. An exception from the consumer stops the replay and propagates.
     *
     * @throws WalException when records after {@code afterSequence} were already retired by a checkpoint,
     *                      when a segment cannot be read, or when a record fails its CRC check (the disk
     *                      changed it after the log was opened)
     */
    public void replay(long afterSequence, Consumer<LogRecord> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (afterSequence < 0) {
            throw new IllegalArgumentException("afterSequence was " + afterSequence + "; must be at least 0");
        }
        ensureOpen();
        retireLock.readLock().lock();
        try {
            long upTo = syncer.durableSequence();
            long first = segments.firstKey();
            if (afterSequence < first - 1) {
                throw new WalException("cannot replay " + name + " after sequence " + afterSequence
                        + ": records up to " + (first - 1) + " were retired by a checkpoint; the log starts at "
                        + first);
            }
            Replay.records(segments, afterSequence, upTo, consumer);
        } finally {
            retireLock.readLock().unlock();
        }
    }

    /** The newest durable sequence, 0 when the log has never held a record. Thread-safe. */
    public long lastSequence() {
        return syncer.durableSequence();
    }

    /**
     * The oldest sequence still in the log (segments before it were retired); {@code lastSequence() + 1} when
     * the log holds no record. Thread-safe.
     */
    public long firstSequence() {
        return segments.firstKey();
    }

    /**
     * Deletes the oldest segments all of whose records have sequences up to {@code coveredSequence}, typically
     * after a snapshot covering them was made durable. The active segment is never deleted, nor a segment
     * whose seal is still in progress (a later checkpoint retires it).
     *
     * <p>Thread-safe; waits for running replays to finish. Must not be called from a replay consumer.
     *
     * @throws IllegalArgumentException when {@code coveredSequence} is negative or beyond {@link #lastSequence()}
     * @throws IllegalStateException    when called from a replay consumer
     * @throws WalException             when the log is closed or a file cannot be deleted
     */
    public void checkpoint(long coveredSequence) {
        long last = lastSequence();
        if (coveredSequence < 0 || coveredSequence > last) {
            throw new IllegalArgumentException("coveredSequence was " + coveredSequence + "; must be between 0 and"
                    + " the last durable sequence " + last);
        }
        if (retireLock.getReadHoldCount() > 0) {
            throw new IllegalStateException("checkpoint cannot be called from a replay consumer of " + name);
        }
        ensureOpen();
        retireLock.writeLock().lock();
        try {
            int retired = 0;
            for (Map.Entry<Long, Segment> entry = segments.firstEntry(); entry != null; entry = segments.firstEntry()) {
                Map.Entry<Long, Segment> next = segments.higherEntry(entry.getKey());
                Segment segment = entry.getValue();
                if (next == null || next.getKey() - 1 > coveredSequence || !segment.isSealed()) {
                    break;
                }
                try {
                    Files.deleteIfExists(segment.path());
                } catch (IOException e) {
                    throw new WalException("cannot delete retired write-ahead log segment " + segment.path() + ": "
                            + e, e);
                }
                segments.remove(entry.getKey());
                counters.segmentsRetired.incrementAndGet();
                retired++;
            }
            if (retired > 0) {
                FileIo.syncDirectory(options.directory());
                LOG.log(Level.DEBUG, () -> "retired segments of " + name + " up to sequence " + coveredSequence);
            }
        } catch (IOException e) {
            throw new WalException("cannot sync write-ahead log directory " + name + " after retiring segments: "
                    + e, e);
        } finally {
            retireLock.writeLock().unlock();
        }
    }

    /** A snapshot of the counters. Thread-safe; the values are read one by one, not atomically together. */
    public WalStats stats() {
        return new WalStats(counters.appends.get(), counters.batches.get(), counters.fsyncs.get(),
                counters.batchWaits.get(), counters.bytesWritten.get(),
                counters.flushes(FlushReason.QUEUE_EMPTY), counters.flushes(FlushReason.MAX_BYTES),
                counters.flushes(FlushReason.MAX_WAIT), counters.flushes(FlushReason.SEGMENT_ROLL),
                counters.flushes(FlushReason.CLOSE),
                segments.size(), counters.segmentsRolled.get(), counters.rollsWithoutSpare.get(),
                counters.segmentsRetired.get(),
                segments.firstKey(), lastSequence(), queue.size());
    }

    /**
     * Makes every append queued before the call durable, seals the active segment, stops the writer thread
     * and releases the directory. Appends queued concurrently with close either complete or fail with a
     * {@link WalException}; later ones fail. Calling it again does nothing.
     *
     * <p>Thread-safe. Blocks until the writer thread stops; if interrupted meanwhile it still finishes and then
     * restores the interrupt flag.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(PendingAppend.STOP);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        interrupted |= joinUninterruptibly(writerThread);
        preallocator.close();
        segments.values().forEach(Segment::closeQuietly);
        closeQuietly(lockChannel);
        LOG.log(Level.DEBUG, () -> "closed write-ahead log " + name + " at sequence " + lastSequence());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Checks every segment in {@code directory} end to end without modifying anything, for
     * {@code patronus db check}: headers, every frame's CRC and length, sequence continuity within and across
     * segments. May run while the log is open; records being written then may show as a torn tail.
     *
     * <p>Thread-safe.
     *
     * @throws WalException when the directory does not exist or a file cannot be read
     */
    public static VerifyReport verify(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return Verifier.verify(directory);
    }

    @Override
    public String toString() {
        return "WriteAheadLog[" + name + ", lastSequence=" + lastSequence() + ", segments=" + segments.values()
                + (closed.get() ? ", closed" : "") + (failure.current() != null ? ", FAILED" : "") + "]";
    }

    static WalException closedError(String name) {
        return new WalException("write-ahead log " + name + " is closed; open it again to append");
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw closedError(name);
        }
    }

    private static boolean joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // releasing the lock; nothing else depends on it
        }
    }
}
