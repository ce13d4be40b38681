package io.patronus.wal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One durable record read back from the log.
 *
 * <p>{@code type} is {@link RecordType#fromCode(int) fromCode(typeCode)}: a record written by a newer
 * version with a code this build does not know has type {@link RecordType#UNKNOWN} and keeps its code in
 * {@code typeCode}. The payload array belongs to whoever received the record; the log keeps no reference.
 *
 * @param sequence        the record's sequence number, 1 for the first record ever written, +1 for each next
 * @param type            the record's type, {@link RecordType#UNKNOWN} for a code this build does not know
 * @param typeCode        the raw type code stored on disk (0..65535)
 * @param timestampMillis wall-clock time of the append, milliseconds since the epoch
 * @param payload         the bytes given to append
 */
public record LogRecord(long sequence, RecordType type, int typeCode, long timestampMillis, byte[] payload) {

    /** Validates that the fields are consistent; {@code type} must match {@code typeCode}. */
    public LogRecord {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence was " + sequence + "; must be at least 1");
        }
        if (typeCode < 0 || typeCode > RecordType.MAX_CODE) {
            throw new IllegalArgumentException("typeCode was " + typeCode + "; must be between 0 and " + RecordType.MAX_CODE);
        }
        if (type != RecordType.fromCode(typeCode)) {
            throw new IllegalArgumentException("type " + type + " does not match typeCode " + typeCode);
        }
    }

    /** Compares payloads by content, unlike the default record equality. */
    @Override
    public boolean equals(Object other) {
        return other instanceof LogRecord that
                && sequence == that.sequence
                && typeCode == that.typeCode
                && timestampMillis == that.timestampMillis
                && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sequence, typeCode, timestampMillis, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "LogRecord[sequence=" + sequence + ", type=" + type + " (" + typeCode + "), timestampMillis="
                + timestampMillis + ", payload=" + payload.length + " bytes]";
    }
}
