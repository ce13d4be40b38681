package io.patronus.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reads the frames of one segment file in order, checking each; shared by recovery, verification and replay.
 *
 * <p>It reports what it finds and never decides what to do about it: sequence continuity, cutting and
 * moving files are the caller's business. Reads go through a window buffer with positional reads, so the
 * channel's position is never used. Not thread-safe; one scanner per reading thread.
 */
final class SegmentScanner {
    private static final int WINDOW_BYTES = 64 << 10;

    /** What the scanner found at the current position. */
    sealed interface Entry permits Frame, End, Bad {
    }

    /** A frame whose length and CRC are valid; {@code payload} is null unless requested. */
    record Frame(long offset, long end, long sequence, int typeCode, long timestampMillis, byte[] payload)
            implements Entry {
    }

    /** The end of the data: the end of the file, or zero bytes up to the end of the file (preallocated). */
    record End(long offset) implements Entry {
    }

    /** A damaged frame; {@code resumeAt} is where the next frame would start, or -1 when unknown. */
    record Bad(long offset, Damage.Kind kind, String detail, long resumeAt) implements Entry {
        Damage toDamage(Path segment) {
            return new Damage(segment, offset, kind, detail);
        }
    }

    /** A segment header written by a newer format version; not damage, but this build cannot read it. */
    static final class UnsupportedVersionException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersionException(String message) {
            super(message);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long limit;
    private final boolean readPayloads;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer window = ByteBuffer.allocate(WINDOW_BYTES);
    private long windowStart;
    private long position = SegmentFormat.SEGMENT_HEADER_BYTES;

    /**
     * @param limit        bytes of the file to consider: its size, or the durable end of an active segment
     * @param readPayloads whether {@link Frame#payload()} is filled in
     */
    SegmentScanner(Path path, FileChannel channel, long limit, boolean readPayloads) {
        this.path = path;
        this.channel = channel;
        this.limit = limit;
        this.readPayloads = readPayloads;
        window.limit(0);
    }

    long limit() {
        return limit;
    }

    /** Continues at {@code offset} (a frame start) on the next call to {@link #next()}. */
    void seek(long offset) {
        position = offset;
    }

    /**
     * Checks the 32-byte segment header; returns the damage if it is bad.
     *
     * @throws UnsupportedVersionException when a valid header names a format version newer than this build's
     */
    Optional<Damage> checkHeader(long expectedBase) throws IOException {
        int available = fill(0, SegmentFormat.SEGMENT_HEADER_BYTES);
        if (available < SegmentFormat.SEGMENT_HEADER_BYTES) {
            return bad(0, "segment header truncated: " + available + " of " + SegmentFormat.SEGMENT_HEADER_BYTES
                    + " bytes");
        }
        int at = index(0);
        crc.reset();
        crc.update(window.array(), at, 28);
        int storedCrc = window.getInt(at + 28);
        if (storedCrc != (int) crc.getValue()) {
            return bad(0, String.format("segment header CRC32C mismatch: stored %08x, computed %08x",
                    storedCrc, (int) crc.getValue()));
        }
        int magic = window.getInt(at);
        if (magic != SegmentFormat.SEGMENT_MAGIC) {
            return bad(0, String.format("not a segment: magic %08x, expected %08x", magic, SegmentFormat.SEGMENT_MAGIC));
        }
        short version = window.getShort(at + 4);
        if (version != SegmentFormat.FORMAT_VERSION) {
            throw new UnsupportedVersionException(path + " has format version " + version
                    + " but this build reads only version " + SegmentFormat.FORMAT_VERSION
                    + "; it was written by a newer release, run that release or a later one");
        }
        long base = window.getLong(at + 8);
        if (base != expectedBase) {
            return bad(0, "header says the segment starts at sequence " + base + " but its file name says "
                    + expectedBase);
        }
        return Optional.empty();
    }

    private Optional<Damage> bad(long offset, String detail) {
        return Optional.of(new Damage(path, offset, Damage.Kind.BAD_SEGMENT_HEADER, detail));
    }

    /** Reads the entry at the current position and moves past it when it is a valid frame. */
    Entry next() throws IOException {
        long at = position;
        if (at >= limit) {
            return new End(at);
        }
        int available = fill(at, SegmentFormat.FRAME_HEADER_BYTES);
        if (available < SegmentFormat.FRAME_HEADER_BYTES) {
            if (FileIo.dataEnd(channel, at, limit) == at) {
                return new End(at);
            }
            return new Bad(at, Damage.Kind.TRUNCATED_HEADER, "only " + available + " of "
                    + SegmentFormat.FRAME_HEADER_BYTES + " frame header bytes before the end of the data", -1);
        }
        int i = index(at);
        short magic = window.getShort(i);
        if (magic == 0) {
            long dataEnd = FileIo.dataEnd(channel, at, limit);
            if (dataEnd == at) {
                return new End(at);
            }
            return new Bad(at, Damage.Kind.DATA_AFTER_END_MARKER, "zero bytes mark the end of the log here but "
                    + "non-zero data follows up to offset " + dataEnd, -1);
        }
        if (magic != SegmentFormat.RECORD_MAGIC) {
            return new Bad(at, Damage.Kind.BAD_MAGIC, String.format("frame magic %04x, expected %04x",
                    magic & 0xFFFF, SegmentFormat.RECORD_MAGIC & 0xFFFF), -1);
        }
        int length = window.getInt(i + 4);
        if (length < 0 || length > SegmentFormat.MAX_PAYLOAD_BYTES) {
            return new Bad(at, Damage.Kind.INVALID_LENGTH, "payload length " + length + " is outside 0.."
                    + SegmentFormat.MAX_PAYLOAD_BYTES, -1);
        }
        long end = at + SegmentFormat.FRAME_HEADER_BYTES + length;
        if (end > limit) {
            return new Bad(at, Damage.Kind.TRUNCATED_RECORD, "frame with a " + length + "-byte payload needs "
                    + (end - at) + " bytes but only " + (limit - at) + " remain", -1);
        }
        int frameBytes = (int) (end - at);
        if (fill(at, frameBytes) < frameBytes) {
            return new Bad(at, Damage.Kind.TRUNCATED_RECORD, "file ended while reading a " + frameBytes
                    + "-byte frame", -1);
        }
        i = index(at);
        byte[] bytes = window.array();
        crc.reset();
        crc.update(bytes, i, 24);
        crc.update(bytes, i + SegmentFormat.FRAME_HEADER_BYTES, length);
        int storedCrc = window.getInt(i + 24);
        if (storedCrc != (int) crc.getValue()) {
            return new Bad(at, Damage.Kind.CRC_MISMATCH, String.format(
                    "stored CRC32C %08x, computed %08x over a %d-byte payload", storedCrc, (int) crc.getValue(),
                    length), end);
        }
        int typeCode = window.getShort(i + 2) & 0xFFFF;
        long sequence = window.getLong(i + 8);
        long timestamp = window.getLong(i + 16);
        byte[] payload = null;
        if (readPayloads) {
            payload = new byte[length];
            System.arraycopy(bytes, i + SegmentFormat.FRAME_HEADER_BYTES, payload, 0, length);
        }
        position = end;
        return new Frame(at, end, sequence, typeCode, timestamp, payload);
    }

    private int index(long offset) {
        return (int) (offset - windowStart);
    }

    /** Makes {@code [offset, offset + length)} available in the window; returns how much of it could be. */
    private int fill(long offset, int length) throws IOException {
        long windowEnd = windowStart + window.limit();
        if (offset >= windowStart && offset + length <= windowEnd) {
            return length;
        }
        if (length > window.capacity()) {
            window = ByteBuffer.allocate(Math.max(length, window.capacity() * 2));
        }
        window.clear();
        windowStart = offset;
        window.limit((int) Math.min(window.capacity(), Math.max(0, limit - offset)));
        int read = FileIo.readFully(channel, window, offset);
        window.position(0).limit(read);
        return Math.min(length, read);
    }
}
