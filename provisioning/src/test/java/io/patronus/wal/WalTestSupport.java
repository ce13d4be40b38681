package io.patronus.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Helpers shared by the log tests. Everything here that reads files uses the layout documented in
 * {@link WriteAheadLog}, not the implementation's reader, so the tests also check the documentation.
 */
final class WalTestSupport {
    static final int SEGMENT_HEADER = 32;
    static final int FRAME_HEADER = 28;
    static final long SMALL_SEGMENT = 4096;

    private WalTestSupport() {
    }

    /** Deterministic payload for a sequence: 20..79 bytes, content derived from the sequence. */
    static byte[] payload(long sequence) {
        byte[] bytes = new byte[20 + (int) (sequence * 7 % 60)];
        new Random(sequence).nextBytes(bytes);
        return bytes;
    }

    static WalOptions smallSegments(Path directory) {
        return WalOptions.defaults(directory).segmentBytes(SMALL_SEGMENT);
    }

    /** Opens a log with small segments, appends records 1..count with {@link #payload}, closes it. */
    static void writeLog(Path directory, int count) {
        try (WriteAheadLog log = WriteAheadLog.open(smallSegments(directory))) {
            for (int i = 1; i <= count; i++) {
                long sequence = log.append(RecordType.RAW, payload(i));
                if (sequence != i) {
                    throw new AssertionError("expected sequence " + i + " but got " + sequence);
                }
            }
        }
    }

    static List<LogRecord> replayAll(WriteAheadLog log) {
        List<LogRecord> records = new ArrayList<>();
        log.replay(0, records::add);
        return records;
    }

    /** Segment files of a directory in name (= sequence) order. */
    static List<Path> segmentFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().matches("wal-\\d{20}\\.log")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long baseOf(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(4, 24));
    }

    /** Start offsets of the frames of an intact segment image, read with the documented layout. */
    static List<Integer> frameStarts(byte[] segment) {
        List<Integer> starts = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(segment);
        int at = SEGMENT_HEADER;
        while (at + FRAME_HEADER <= segment.length && buffer.getShort(at) != 0) {
            starts.add(at);
            at += FRAME_HEADER + buffer.getInt(at + 4);
        }
        return starts;
    }

    /** End of the data in an image (offset after the last frame). */
    static int dataEndOfFrames(byte[] segment) {
        List<Integer> starts = frameStarts(segment);
        if (starts.isEmpty()) {
            return SEGMENT_HEADER;
        }
        int last = starts.getLast();
        return last + FRAME_HEADER + ByteBuffer.wrap(segment).getInt(last + 4);
    }

    /** Offset after the last non-zero byte in {@code [from, to)}, or {@code from} if all are zero. */
    static long nonZeroEnd(byte[] bytes, long from, long to) {
        for (long i = to - 1; i >= from; i--) {
            if (bytes[(int) i] != 0) {
                return i + 1;
            }
        }
        return from;
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A closed log's segments held in memory, so that each damage case starts from a fresh copy.
     *
     * @param names      file names, oldest first
     * @param images     file contents
     * @param firstSeqs  sequence of each segment's first record
     * @param starts     frame start offsets per segment
     */
    record LogImage(List<String> names, List<byte[]> images, List<Long> firstSeqs, List<List<Integer>> starts) {

        static LogImage of(Path directory) {
            List<String> names = new ArrayList<>();
            List<byte[]> images = new ArrayList<>();
            List<Long> firsts = new ArrayList<>();
            List<List<Integer>> starts = new ArrayList<>();
            for (Path segment : segmentFiles(directory)) {
                byte[] bytes = read(segment);
                names.add(segment.getFileName().toString());
                images.add(bytes);
                firsts.add(baseOf(segment));
                starts.add(frameStarts(bytes));
            }
            return new LogImage(names, images, firsts, starts);
        }

        int segments() {
            return names.size();
        }

        long totalRecords() {
            return starts.stream().mapToLong(List::size).sum();
        }

        /** Copies of the images, for damaging. */
        List<byte[]> copies() {
            return images.stream().map(byte[]::clone).toList();
        }

        /** Writes {@code contents} (one per segment, null to leave a segment out) into a fresh directory. */
        Path writeTo(Path directory, List<byte[]> contents) {
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int i = 0; i < names.size(); i++) {
                if (contents.get(i) != null) {
                    write(directory.resolve(names.get(i)), contents.get(i));
                }
            }
            return directory;
        }

        /** Records that survive damage at {@code offset} of segment {@code segment}: all before the damaged frame. */
        long keptBefore(int segment, long offset) {
            if (offset < SEGMENT_HEADER) {
                return firstSeqs.get(segment) - 1;
            }
            return firstSeqs.get(segment) - 1 + frameIndexAt(segment, offset);
        }

        /** Index of the frame containing {@code offset} in a segment. */
        int frameIndexAt(int segment, long offset) {
            List<Integer> frames = starts.get(segment);
            int index = 0;
            while (index + 1 < frames.size() && frames.get(index + 1) <= offset) {
                index++;
            }
            return index;
        }

        /** Start of the frame containing {@code offset}, or 0 inside the segment header. */
        long damageOffset(int segment, long offset) {
            return offset < SEGMENT_HEADER ? 0 : starts.get(segment).get(frameIndexAt(segment, offset));
        }
    }
}
