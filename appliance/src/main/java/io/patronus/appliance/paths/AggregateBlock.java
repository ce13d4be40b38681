package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of one path's one-minute aggregates: a block of {@link #MINUTES} consecutive minutes per history
 * entry, so that the entry's key (about 50 bytes) is paid once per block rather than once per minute, while the
 * block that is rewritten when a minute closes stays small (the history tree keeps values inside its nodes, so a
 * write rewrites the node holding the value).
 *
 * <h2>Format, version 1</h2>
 * <pre>
 * offset  size  field
 * 0       1     format version, 1
 * 1       8     the block's start, epoch milliseconds, big-endian (a ring slot is reused: this says which block it holds)
 * 9       2     presence bitmap, big-endian: bit i set when minute i of the block (0 = the block's first) is stored
 * 11      24*k  the k stored minutes, oldest first, each:
 *   +0    2     sample count, unsigned, saturating at 65,535
 *   +2    2     latency average, IEEE 754 half precision (milliseconds; 3 significant digits, at most 65,504)
 *   +4    2     latency minimum, half precision
 *   +6    2     latency p95, half precision
 *   +8    2     latency maximum, half precision
 *   +10   2     jitter average, half precision
 *   +12   2     loss average, unsigned, hundredths of a percent (0 to 10,000)
 *   +14   2     loss maximum, same unit
 *   +16   2     score average, unsigned, hundredths (0 to 10,000)
 *   +18   1     score minimum, 0 to 100
 *   +19   1     worst status seen, PathStatus ordinal (UP 0, DEGRADED 1, DOWN 2, UNKNOWN 3)
 *   +20   4     time spent up, degraded, down, unknown: one unsigned byte each, in quarter seconds (0 to 240 in a
 *               minute; saturating at 255)
 * </pre>
 * A full block is 11 + 10 x 24 = 251 bytes. A block of another version or an inconsistent length decodes as empty
 * (and is replaced by the next write): history is measurement, and losing one block is better than failing the
 * query or the probe loop.
 */
final class AggregateBlock {
    /** Minutes per block: 10 keeps a block at most 251 bytes, about 30 bytes per stored minute with its key. */
    static final int MINUTES = 10;
    static final long MILLIS = MINUTES * MinuteAccumulator.MILLIS;
    static final int VERSION = 1;
    static final int HEADER = 11;
    static final int RECORD = 24;
    static final double MAX_HALF = 65_504;
    static final byte[] EMPTY = new byte[0];
    private static final PathStatus[] STATUSES = PathStatus.values();

    private AggregateBlock() {
    }

    /** The start of the block holding the minute that starts at {@code minuteStart}. */
    static long blockStart(long minuteStart) {
        return Math.floorDiv(minuteStart, MILLIS) * MILLIS;
    }

    /** Whether {@code block} is a readable version-1 block. */
    static boolean readable(byte[] block) {
        if (block.length < HEADER || block[0] != VERSION) {
            return false;
        }
        int present = Integer.bitCount(bitmap(block));
        return block.length == HEADER + present * RECORD;
    }

    private static int bitmap(byte[] block) {
        return ((block[9] & 0xff) << 8 | (block[10] & 0xff)) & ((1 << MINUTES) - 1);
    }

    /** The start of the block held, from the header of a {@link #readable} block. */
    static long start(byte[] block) {
        return ByteBuffer.wrap(block, 1, 8).getLong();
    }

    /**
     * {@code block} with the one-minute aggregate {@code minute} stored in its slot, merged with what the slot
     * already held; {@code block} counts as empty when it is empty, unreadable or holds another block (an older lap
     * of the ring).
     */
    static byte[] put(byte[] block, long blockStart, HistoryPoint minute) {
        long offsetMillis = minute.at().toEpochMilli() - blockStart;
        if (offsetMillis < 0 || offsetMillis >= MILLIS || offsetMillis % MinuteAccumulator.MILLIS != 0) {
            throw new IllegalArgumentException("minute " + minute.at() + " is not a minute of the block starting at "
                    + Instant.ofEpochMilli(blockStart));
        }
        int slot = (int) (offsetMillis / MinuteAccumulator.MILLIS);
        byte[] old = readable(block) && start(block) == blockStart ? block : EMPTY;
        int bitmap = old.length == 0 ? 0 : bitmap(old);
        int index = Integer.bitCount(bitmap & ((1 << slot) - 1));
        boolean present = (bitmap & (1 << slot)) != 0;
        HistoryPoint stored = present
                ? Bucket.merge(decodeRecord(ByteBuffer.wrap(old, HEADER + index * RECORD, RECORD), minute.at()), minute)
                : minute;
        int newBitmap = bitmap | (1 << slot);
        byte[] out = new byte[HEADER + Integer.bitCount(newBitmap) * RECORD];
        ByteBuffer.wrap(out).put((byte) VERSION).putLong(blockStart).putShort((short) newBitmap);
        int before = HEADER + index * RECORD;
        if (old.length > 0) {
            System.arraycopy(old, HEADER, out, HEADER, before - HEADER);
            int after = present ? before + RECORD : before;
            System.arraycopy(old, after, out, before + RECORD, old.length - after);
        }
        encodeRecord(stored, ByteBuffer.wrap(out, before, RECORD));
        return out;
    }

    /** The stored minutes of a block, oldest first; none when the block is unreadable. */
    static List<HistoryPoint> decode(byte[] block) {
        if (!readable(block)) {
            return List.of();
        }
        long blockStart = start(block);
        int bitmap = bitmap(block);
        List<HistoryPoint> out = new ArrayList<>(Integer.bitCount(bitmap));
        ByteBuffer buf = ByteBuffer.wrap(block, HEADER, block.length - HEADER);
        for (int slot = 0; slot < MINUTES; slot++) {
            if ((bitmap & (1 << slot)) != 0) {
                out.add(decodeRecord(buf, Instant.ofEpochMilli(blockStart + slot * MinuteAccumulator.MILLIS)));
            }
        }
        return out;
    }

    static void encodeRecord(HistoryPoint p, ByteBuffer buf) {
        buf.putShort((short) Math.min(65_535, p.sampleCount()));
        buf.putShort(half(p.latencyMs()));
        buf.putShort(half(p.latencyMinMs()));
        buf.putShort(half(p.latencyP95Ms()));
        buf.putShort(half(p.latencyMaxMs()));
        buf.putShort(half(p.jitterMs()));
        buf.putShort(hundredths(p.packetLossPct()));
        buf.putShort(hundredths(p.packetLossMaxPct()));
        buf.putShort(hundredths(p.healthScore()));
        buf.put((byte) Math.clamp(p.healthScoreMin(), 0, 100));
        buf.put((byte) p.status().ordinal());
        for (PathStatus s : STATUSES) {
            long quarters = Math.round(p.statusTime().getOrDefault(s, Duration.ZERO).toMillis() / 250.0);
            buf.put((byte) Math.min(255, quarters));
        }
    }

    static HistoryPoint decodeRecord(ByteBuffer buf, Instant at) {
        int count = Short.toUnsignedInt(buf.getShort());
        double avg = Float.float16ToFloat(buf.getShort());
        double min = Float.float16ToFloat(buf.getShort());
        double p95 = Float.float16ToFloat(buf.getShort());
        double max = Float.float16ToFloat(buf.getShort());
        double jitter = Float.float16ToFloat(buf.getShort());
        double loss = Short.toUnsignedInt(buf.getShort()) / 100.0;
        double lossMax = Short.toUnsignedInt(buf.getShort()) / 100.0;
        double score = Short.toUnsignedInt(buf.getShort()) / 100.0;
        int scoreMin = buf.get() & 0xff;
        int st = buf.get() & 0xff;
        PathStatus status = st < STATUSES.length ? STATUSES[st] : PathStatus.UNKNOWN;
        Map<PathStatus, Duration> time = new EnumMap<>(PathStatus.class);
        for (PathStatus s : STATUSES) {
            time.put(s, Duration.ofMillis((buf.get() & 0xff) * 250L));
        }
        return new HistoryPoint(at, MinuteAccumulator.WIDTH, count, avg, min, p95, max, loss, lossMax, jitter, score,
                scoreMin, status, time);
    }

    private static short half(double v) {
        double clamped = Double.isNaN(v) ? 0 : Math.clamp(v, 0, MAX_HALF);
        return Float.floatToFloat16((float) clamped);
    }

    private static short hundredths(double v) {
        double clamped = Double.isNaN(v) ? 0 : Math.clamp(v, 0, 100);
        return (short) Math.round(clamped * 100);
    }
}
