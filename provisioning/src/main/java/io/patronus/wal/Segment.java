package io.patronus.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One segment file of an open log.
 *
 * <p>Ownership: the writer thread alone writes, forces and seals, and publishes {@link #durableEnd()};
 * readers (replay, checkpoint) only read the volatile fields and open their own read-only channels.
 */
final class Segment {
    private final Path path;
    private final long baseSequence;
    private final FileChannel channel; // null for a segment recovery found already sealed
    private long writePosition;
    private long recordsWritten;
    private volatile long durableEnd;
    private volatile boolean sealed;

    private Segment(Path path, long baseSequence, FileChannel channel, long end, long records, boolean sealed) {
        this.path = path;
        this.baseSequence = baseSequence;
        this.channel = channel;
        this.writePosition = end;
        this.recordsWritten = records;
        this.durableEnd = end;
        this.sealed = sealed;
    }

    /**
     * Creates, preallocates and syncs a new empty segment. It is built under a temporary name and renamed,
     * so a crash never leaves a half-preallocated file under a segment name.
     */
    static Segment create(Path directory, long baseSequence, long preallocateBytes) throws IOException {
        Path path = directory.resolve(SegmentFormat.fileName(baseSequence));
        Path temp = directory.resolve(path.getFileName() + SegmentFormat.TEMP_SUFFIX);
        Files.deleteIfExists(temp);
        try (FileChannel building = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            FileIo.writeFully(building, SegmentFormat.segmentHeader(baseSequence, System.currentTimeMillis()), 0);
            FileIo.zeroFill(building, SegmentFormat.SEGMENT_HEADER_BYTES, preallocateBytes);
            building.force(true);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
        FileIo.syncDirectory(directory);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Segment(path, baseSequence, channel, SegmentFormat.SEGMENT_HEADER_BYTES, 0, false);
    }

    /**
     * Turns a preallocated spare (zero-filled and synced) into a new empty segment: writes and forces the header,
     * then renames the spare and syncs the directory. Far cheaper than {@link #create} at a roll.
     */
    static Segment fromSpare(Path directory, Path spare, long baseSequence) throws IOException {
        Path path = directory.resolve(SegmentFormat.fileName(baseSequence));
        FileChannel channel = FileChannel.open(spare, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileIo.writeFully(channel, SegmentFormat.segmentHeader(baseSequence, System.currentTimeMillis()), 0);
            channel.force(false);
            Files.move(spare, path, StandardCopyOption.ATOMIC_MOVE);
            FileIo.syncDirectory(directory);
            return new Segment(path, baseSequence, channel, SegmentFormat.SEGMENT_HEADER_BYTES, 0, false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Reopens the newest segment after recovery for appending at {@code end}, which recovery has checked is
     * followed only by zeros (or the end of the file); preallocates it again if it was sealed or cut.
     */
    static Segment reopen(Path path, long baseSequence, long end, long records, long preallocateBytes)
            throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            if (size < preallocateBytes) {
                FileIo.zeroFill(channel, size, preallocateBytes);
                channel.force(true);
            }
            return new Segment(path, baseSequence, channel, end, records, false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A segment recovery found complete and that will never be written again. */
    static Segment sealed(Path path, long baseSequence, long end, long records) {
        return new Segment(path, baseSequence, null, end, records, true);
    }

    Path path() {
        return path;
    }

    long baseSequence() {
        return baseSequence;
    }

    /** Writer thread only: where the next frame goes. */
    long writePosition() {
        return writePosition;
    }

    /** Writer thread only: records written to this segment, including ones not yet durable. */
    long recordsWritten() {
        return recordsWritten;
    }

    /** Offset up to which the segment's records are durable: readers may read up to here. */
    long durableEnd() {
        return durableEnd;
    }

    /** True once the segment is complete: truncated to its data, synced and closed. */
    boolean isSealed() {
        return sealed;
    }

    /** Writer thread only: writes {@code frames} ({@code records} whole frames) at the write position. */
    void write(ByteBuffer frames, int records) throws IOException {
        int length = frames.remaining();
        FileIo.writeFully(channel, frames, writePosition);
        writePosition += length;
        recordsWritten += records;
    }

    /** Writer thread only: flushes written data (fdatasync; preallocation spares the metadata). */
    void force() throws IOException {
        channel.force(false);
    }

    /** Writer thread only: cuts the preallocated tail at {@code end}, syncs data and size, closes the file. */
    void seal(long end) throws IOException {
        channel.truncate(end);
        channel.force(true);
        channel.close();
        sealed = true;
    }

    /** Writer thread only: everything before {@code end} is durable. */
    void markDurable(long end) {
        durableEnd = end;
    }

    void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after a failure or at shutdown; the data's fate was decided by the last force
            }
        }
    }

    @Override
    public String toString() {
        return path.getFileName() + "[base=" + baseSequence + ", durableEnd=" + durableEnd
                + (sealed ? ", sealed" : "") + "]";
    }
}
