package io.patronus.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Small file operations the log needs and NIO does not offer directly. */
final class FileIo {
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private FileIo() {
    }

    /** Writes all of {@code source} at {@code position}. */
    static void writeFully(FileChannel channel, ByteBuffer source, long position) throws IOException {
        long at = position;
        while (source.hasRemaining()) {
            at += channel.write(source, at);
        }
    }

    /** Reads into {@code target} from {@code position} until it is full or the file ends; returns bytes read. */
    static int readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
        int total = 0;
        while (target.hasRemaining()) {
            int read = channel.read(target, position + total);
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }

    /**
     * Writes zeros over {@code [from, to)}. Preallocating segments this way (rather than with a sparse
     * {@code setLength}) means later {@code force(false)} calls flush data only: the blocks are allocated and
     * the file size does not change, so fdatasync needs no journal commit for metadata.
     */
    static void zeroFill(FileChannel channel, long from, long to) throws IOException {
        long at = from;
        while (at < to) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(ZERO_CHUNK, to - at));
            int length = zeros.remaining();
            writeFully(channel, zeros, at);
            at += length;
        }
    }

    /**
     * End of the non-zero data in {@code [from, limit)}: the offset just after its last non-zero byte, or
     * {@code from} when the range is all zeros. Scans backwards, since preallocated tails are mostly zero.
     */
    static long dataEnd(FileChannel channel, long from, long limit) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(1, limit - from)));
        long chunkEnd = limit;
        while (chunkEnd > from) {
            long chunkStart = Math.max(from, chunkEnd - chunk.capacity());
            chunk.clear().limit((int) (chunkEnd - chunkStart));
            int read = readFully(channel, chunk, chunkStart);
            byte[] bytes = chunk.array();
            for (int i = read - 1; i >= 0; i--) {
                if (bytes[i] != 0) {
                    return chunkStart + i + 1;
                }
            }
            chunkEnd = chunkStart;
        }
        return from;
    }

    /**
     * Makes renames, creations and deletions in {@code directory} durable. Some platforms cannot open a
     * directory for syncing; there the entry is as durable as the platform makes it.
     */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // not supported for directories here (e.g. Windows); nothing more we can do
        }
    }
}
