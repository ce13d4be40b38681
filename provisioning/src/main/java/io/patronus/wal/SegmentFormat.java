package io.patronus.wal;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * Constants and codecs of the on-disk format described in {@link WriteAheadLog}. Anything that changes here
 * changes the format: bump {@link #FORMAT_VERSION} and keep reading the old one.
 */
final class SegmentFormat {
    static final int SEGMENT_MAGIC = 0x5057414C; // "PWAL"
    static final short FORMAT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 32;

    static final short RECORD_MAGIC = (short) 0xA757;
    static final int FRAME_HEADER_BYTES = 28;
    static final int MAX_PAYLOAD_BYTES = 16 << 20;

    static final String FILE_PREFIX = "wal-";
    static final String FILE_SUFFIX = ".log";
    static final String TEMP_SUFFIX = ".tmp";
    private static final int SEQUENCE_DIGITS = 20;

    private SegmentFormat() {
    }

    /** {@code wal-00000000000000000001.log}: zero-padded so that name order is sequence order. */
    static String fileName(long baseSequence) {
        return FILE_PREFIX + String.format("%0" + SEQUENCE_DIGITS + "d", baseSequence) + FILE_SUFFIX;
    }

    /** The base sequence in a segment file name, or empty when the name is not a segment's. */
    static OptionalLong baseSequenceOf(Path file) {
        String name = file.getFileName().toString();
        if (name.length() != FILE_PREFIX.length() + SEQUENCE_DIGITS + FILE_SUFFIX.length()
                || !name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX)) {
            return OptionalLong.empty();
        }
        String digits = name.substring(FILE_PREFIX.length(), FILE_PREFIX.length() + SEQUENCE_DIGITS);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The 32-byte segment header, ready to write (position 0, limit 32). */
    static ByteBuffer segmentHeader(long baseSequence, long createdMillis) {
        ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        header.putInt(SEGMENT_MAGIC)
                .putShort(FORMAT_VERSION)
                .putShort((short) 0)
                .putLong(baseSequence)
                .putLong(createdMillis)
                .putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 28);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /**
     * Fills {@code frameHeader} (28 bytes, heap) for a record, ready to write, including the CRC32C over
     * bytes 0..23 of the header followed by the payload.
     */
    static void encodeFrameHeader(ByteBuffer frameHeader, CRC32C crc, long sequence, int typeCode,
                                  long timestampMillis, byte[] payload) {
        frameHeader.clear();
        frameHeader.putShort(RECORD_MAGIC)
                .putShort((short) typeCode)
                .putInt(payload.length)
                .putLong(sequence)
                .putLong(timestampMillis);
        crc.reset();
        crc.update(frameHeader.array(), 0, 24);
        crc.update(payload, 0, payload.length);
        frameHeader.putInt((int) crc.getValue());
        frameHeader.flip();
    }

    static int frameBytes(int payloadLength) {
        return FRAME_HEADER_BYTES + payloadLength;
    }
}
