package io.patronus.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * The log's writer thread: takes appends from the queue in arrival order, numbers and frames them, writes each
 * batch to the active segment, has the {@link SegmentSyncer} force it, and then completes the appenders.
 *
 * <p>Batching. While a batch is being forced, new appends queue up; the next batch takes all of them, so one
 * fsync serves every appender that arrived during the previous one, with no added latency. A batch ends when
 * <ul>
 * <li>the queue is empty ({@link FlushReason#QUEUE_EMPTY}), unless more appends are expected (below);</li>
 * <li>it reaches {@code maxBatchBytes} ({@link FlushReason#MAX_BYTES});</li>
 * <li>its first record has waited {@code maxBatchWait}, or the writer has waited for expected appends as long
 *     as it may ({@link FlushReason#MAX_WAIT}).</li>
 * </ul>
 * Expected appends: when a batch is completed, its appenders usually append again at once, but by then the
 * next batch may already be on its way with only the appends that queued meanwhile; with N writers the fsyncs
 * then alternate between two halves of N. So the writer remembers how many appends were in flight when it
 * last completed a batch and, when the queue runs dry before that many are in the batch, waits for the rest,
 * at most half the average fsync time and never past {@code maxBatchWait} (PostgreSQL's {@code commit_delay},
 * sized from what the log observes). With a single writer nothing more is ever expected and nothing waits.
 *
 * <p>Rolling. When the next frame would pass {@code segmentBytes}, the batch so far is written and the old
 * segment sealed, and the spare that {@link SegmentPreallocator} prepared meanwhile becomes the new segment.
 */
final class GroupCommitWriter implements Runnable {
    private final WalOptions options;
    private final String logName;
    private final BlockingQueue<PendingAppend> queue;
    private final ConcurrentNavigableMap<Long, Segment> segments;
    private final SegmentSyncer syncer;
    private final FailureLatch failure;
    private final WalCounters counters;
    private final LongAdder accepted;
    private final SegmentPreallocator preallocator;
    private final long maxWaitNanos;
    private final ByteBuffer buffer;
    private final ByteBuffer frameHeader = ByteBuffer.allocate(SegmentFormat.FRAME_HEADER_BYTES);
    private final CRC32C crc = new CRC32C();

    private Segment active;
    private long nextSequence;
    private int bufferedRecords;
    private List<PendingAppend> batch = new ArrayList<>();
    private long expectedAppends;
    private volatile boolean stopped;

    /**
     * @param accepted appends accepted by the log so far; with the completed count it tells how many appends
     *                 are in flight
     */
    GroupCommitWriter(WalOptions options, String logName, BlockingQueue<PendingAppend> queue,
                      ConcurrentNavigableMap<Long, Segment> segments, long nextSequence, SegmentSyncer syncer,
                      FailureLatch failure, WalCounters counters, LongAdder accepted,
                      SegmentPreallocator preallocator) {
        this.preallocator = preallocator;
        this.options = options;
        this.logName = logName;
        this.queue = queue;
        this.segments = segments;
        this.active = segments.lastEntry().getValue();
        this.nextSequence = nextSequence;
        this.syncer = syncer;
        this.failure = failure;
        this.counters = counters;
        this.accepted = accepted;
        this.maxWaitNanos = options.maxBatchWait().toNanos();
        this.buffer = ByteBuffer.allocateDirect(options.maxBatchBytes() + (64 << 10));
    }

    /** True once the writer takes no more appends; an append queued after that must fail itself. */
    boolean stopped() {
        return stopped;
    }

    @Override
    public void run() {
        try {
            writeBatches();
        } catch (Throwable e) {
            WalException error = e instanceof WalException wal ? wal : new WalException("write-ahead log " + logName
                    + ": writing to " + active.path() + " failed; no further appends are accepted, reopen the log"
                    + " to recover: " + e, e);
            error = failure.fail(error);
            for (PendingAppend append : batch) {
                append.future.completeExceptionally(error);
            }
            batch.clear();
        } finally {
            stopped = true;
            WalException rejection = failure.current() != null ? failure.current() : WriteAheadLog.closedError(logName);
            for (PendingAppend left = queue.poll(); left != null; left = queue.poll()) {
                left.future.completeExceptionally(rejection);
            }
        }
    }

    private void writeBatches() throws IOException, InterruptedException {
        while (true) {
            PendingAppend append = queue.take();
            long batchStart = System.nanoTime();
            // Waiting for expected appends pays only while it is short next to the fsync it saves.
            long lingerDeadline = batchStart + Math.min(maxWaitNanos, syncer.averageFsyncNanos() / 2);
            long batchBytes = 0;
            FlushReason reason;
            while (true) {
                if (append == PendingAppend.STOP) {
                    flush(FlushReason.CLOSE, true);
                    return;
                }
                batch.add(append);
                failure.throwIfFailed();
                batchBytes += frame(append);
                if (batchBytes >= options.maxBatchBytes()) {
                    reason = FlushReason.MAX_BYTES;
                    break;
                }
                long now = System.nanoTime();
                if (now - batchStart >= maxWaitNanos) {
                    reason = FlushReason.MAX_WAIT;
                    break;
                }
                append = queue.poll();
                if (append == null && batch.size() < expectedAppends && lingerDeadline - now > 0) {
                    counters.batchWaits.incrementAndGet();
                    append = queue.poll(lingerDeadline - now, TimeUnit.NANOSECONDS);
                    if (append == null) {
                        reason = FlushReason.MAX_WAIT;
                        break;
                    }
                }
                if (append == null) {
                    reason = FlushReason.QUEUE_EMPTY;
                    break;
                }
            }
            flush(reason, false);
        }
    }

    /** Numbers {@code append} and frames it into the buffer (rolling first if needed); returns its frame size. */
    private int frame(PendingAppend append) throws IOException {
        int frameBytes = SegmentFormat.frameBytes(append.payload.length);
        long end = active.writePosition() + buffer.position() + frameBytes;
        if (end > options.segmentBytes() && active.recordsWritten() + bufferedRecords > 0) {
            roll();
        }
        append.sequence = nextSequence++;
        SegmentFormat.encodeFrameHeader(frameHeader, crc, append.sequence, append.typeCode, append.timestampMillis,
                append.payload);
        if (frameBytes > buffer.remaining()) {
            writeBuffer();
        }
        if (frameBytes > buffer.capacity()) {
            // Larger than the whole buffer: write it in place, without copying the payload.
            active.write(frameHeader, 0);
            active.write(ByteBuffer.wrap(append.payload), 1);
            counters.bytesWritten.addAndGet(frameBytes);
        } else {
            buffer.put(frameHeader).put(append.payload);
            bufferedRecords++;
        }
        return frameBytes;
    }

    /** Writes and seals the old segment with the batch so far, then starts a new segment. */
    private void roll() throws IOException {
        // The record that does not fit is already in the batch list but not yet framed: keep it for the next.
        PendingAppend next = batch.removeLast();
        flush(FlushReason.SEGMENT_ROLL, true);
        batch.add(next);
        Optional<Path> spare = preallocator.take();
        if (spare.isEmpty()) {
            counters.rollsWithoutSpare.incrementAndGet();
        }
        Segment created = spare.isPresent()
                ? Segment.fromSpare(options.directory(), spare.get(), nextSequence)
                : Segment.create(options.directory(), nextSequence, options.segmentBytes());
        preallocator.prepare();
        segments.put(created.baseSequence(), created);
        active = created;
        counters.segmentsRolled.incrementAndGet();
    }

    private void writeBuffer() throws IOException {
        if (buffer.position() > 0) {
            buffer.flip();
            int bytes = buffer.remaining();
            active.write(buffer, bufferedRecords);
            counters.bytesWritten.addAndGet(bytes);
            buffer.clear();
            bufferedRecords = 0;
        }
    }

    /**
     * Writes the batch, has it forced (sealing the segment if {@code seal}) and completes its appenders. A seal
     * is done even for an empty batch.
     */
    private void flush(FlushReason reason, boolean seal) throws IOException {
        writeBuffer();
        if (batch.isEmpty() && !seal) {
            return;
        }
        if (!seal && active.writePosition() > options.segmentBytes() / 2) {
            preallocator.prepare();
        }
        long lastSequence = batch.isEmpty() ? 0 : batch.getLast().sequence;
        syncer.sync(active, active.writePosition(), seal, lastSequence);
        if (batch.isEmpty()) {
            return;
        }
        counters.flushed(reason);
        // Everyone in flight now is likely to append again as soon as this batch is completed.
        expectedAppends = accepted.sum() - counters.appends.get();
        counters.appends.addAndGet(batch.size());
        for (PendingAppend append : batch) {
            append.future.complete(append.sequence);
        }
        batch = new ArrayList<>();
    }
}
