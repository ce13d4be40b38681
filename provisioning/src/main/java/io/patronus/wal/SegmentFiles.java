package io.patronus.wal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/** Lists the segment files (and leftovers) of a log directory. */
final class SegmentFiles {

    /** A segment file and the base sequence its name gives. */
    record SegmentFile(Path path, long baseSequence) {
    }

    private SegmentFiles() {
    }

    /** Segment files in sequence order; other files are ignored. */
    static List<SegmentFile> list(Path directory) {
        List<SegmentFile> segments = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
                SegmentFormat.FILE_PREFIX + "*" + SegmentFormat.FILE_SUFFIX)) {
            for (Path entry : entries) {
                OptionalLong base = SegmentFormat.baseSequenceOf(entry);
                if (base.isPresent() && Files.isRegularFile(entry)) {
                    segments.add(new SegmentFile(entry, base.getAsLong()));
                }
            }
        } catch (IOException e) {
            throw new WalException("cannot list write-ahead log directory " + directory + ": " + e, e);
        }
        segments.sort(Comparator.comparingLong(SegmentFile::baseSequence));
        return segments;
    }

    /** Half-created segments ({@code wal-*.log.tmp}) left by a crash while a segment was being preallocated. */
    static List<Path> leftovers(Path directory) {
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
                SegmentFormat.FILE_PREFIX + "*" + SegmentFormat.FILE_SUFFIX + SegmentFormat.TEMP_SUFFIX)) {
            entries.forEach(leftovers::add);
        } catch (IOException e) {
            throw new WalException("cannot list write-ahead log directory " + directory + ": " + e, e);
        }
        return leftovers;
    }

    /** Files in {@code directory/damaged}, sorted by name; empty when there is no such directory. */
    static List<Path> quarantined(Path directory) {
        Path damaged = directory.resolve(Recovery.DAMAGED_DIRECTORY);
        if (!Files.isDirectory(damaged)) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(damaged)) {
            entries.forEach(files::add);
        } catch (IOException e) {
            throw new WalException("cannot list " + damaged + ": " + e, e);
        }
        files.sort(Comparator.naturalOrder());
        return files;
    }
}
