package io.patronus.wal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One place where a segment file does not hold what the format requires.
 *
 * @param segment the segment file
 * @param offset  byte offset in that file where the bad frame (or header) starts
 * @param kind    what is wrong
 * @param detail  human-readable specifics: the values found and expected
 */
public record Damage(Path segment, long offset, Kind kind, String detail) {

    /** The kinds of damage the reader tells apart. */
    public enum Kind {
        /** The 32-byte segment header is missing, truncated, has a bad magic or CRC, or disagrees with the file name. */
        BAD_SEGMENT_HEADER,
        /** Fewer than 28 bytes remain where a frame header starts, and they are not all zero: a torn write. */
        TRUNCATED_HEADER,
        /** A frame does not start with the record magic. */
        BAD_MAGIC,
        /** The payload length field is out of range. */
        INVALID_LENGTH,
        /** The frame's payload runs past the end of the file: a torn write. */
        TRUNCATED_RECORD,
        /** The frame's CRC32C does not match its contents. */
        CRC_MISMATCH,
        /** The end-of-log marker (zero bytes) is followed by non-zero data: junk, or a partly written batch. */
        DATA_AFTER_END_MARKER,
        /** A valid record or segment does not carry the next expected sequence number. */
        SEQUENCE_GAP
    }

    /** Validates the fields. */
    public Damage {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    /** One line: kind, file, offset and detail. */
    public String describe() {
        return kind + " in " + segment + " at offset " + offset + ": " + detail;
    }
}
