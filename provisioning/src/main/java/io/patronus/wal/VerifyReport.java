package io.patronus.wal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Result of the read-only {@link WriteAheadLog#verify(Path)} check behind {@code patronus db check}.
 *
 * <p>Unlike recovery, verification does not stop at the first problem: after a CRC failure in a frame whose
 * length is plausible it continues with the next frame, and it always goes on to the next segment, so one
 * report lists every CRC failure, gap and torn frame with its file and offset.
 *
 * @param directory     the log directory
 * @param segments      segment files found
 * @param records       valid records found
 * @param firstSequence smallest valid sequence found, 0 when none
 * @param lastSequence  largest valid sequence found, 0 when none
 * @param problems      every damage found, in file order; gaps have kind {@link Damage.Kind#SEQUENCE_GAP}
 * @param perSegment    one summary per segment file, in sequence order
 * @param quarantined   files in the {@code damaged/} subdirectory left by earlier recoveries
 */
public record VerifyReport(Path directory, int segments, long records, long firstSequence, long lastSequence,
                           List<Damage> problems, List<SegmentSummary> perSegment, List<Path> quarantined) {

    /**
     * What one segment file holds.
     *
     * @param path          the file
     * @param baseSequence  the sequence its name and header say it starts at
     * @param records       valid records in it
     * @param firstSequence first valid sequence in it, 0 when none
     * @param lastSequence  last valid sequence in it, 0 when none
     * @param sizeBytes     file size, preallocated space included
     * @param dataEndOffset offset just after the last valid record
     */
    public record SegmentSummary(Path path, long baseSequence, long records, long firstSequence,
                                 long lastSequence, long sizeBytes, long dataEndOffset) {
    }

    /** Validates the fields and copies the lists. */
    public VerifyReport {
        Objects.requireNonNull(directory, "directory");
        perSegment = List.copyOf(perSegment);
        if (segments != perSegment.size()) {
            throw new IllegalArgumentException("segments was " + segments + " but " + perSegment.size()
                    + " segment summaries were given");
        }
        problems = List.copyOf(problems);
        quarantined = List.copyOf(quarantined);
    }

    /** True when every segment is intact and the sequence has no gap. */
    public boolean ok() {
        return problems.isEmpty();
    }

    /** The problems that are sequence gaps. */
    public List<Damage> gaps() {
        return problems.stream().filter(d -> d.kind() == Damage.Kind.SEQUENCE_GAP).toList();
    }

    /** A multi-line summary for {@code patronus db check}. */
    public String describe() {
        StringBuilder text = new StringBuilder()
                .append("write-ahead log ").append(directory).append(": ").append(ok() ? "OK" : "DAMAGED")
                .append(", ").append(segments).append(" segment(s), ").append(records).append(" record(s)");
        if (records > 0) {
            text.append(", sequence ").append(firstSequence).append("..").append(lastSequence);
        }
        text.append('\n');
        for (SegmentSummary segment : perSegment) {
            text.append("  ").append(segment.path().getFileName()).append(": ").append(segment.records())
                    .append(" record(s)");
            if (segment.records() > 0) {
                text.append(", sequence ").append(segment.firstSequence()).append("..").append(segment.lastSequence());
            }
            text.append(", data ends at ").append(segment.dataEndOffset()).append(" of ").append(segment.sizeBytes())
                    .append(" bytes\n");
        }
        for (Damage problem : problems) {
            text.append("  PROBLEM ").append(problem.describe()).append('\n');
        }
        if (!quarantined.isEmpty()) {
            text.append("  ").append(quarantined.size()).append(" file(s) set aside by earlier recoveries in ")
                    .append(directory.resolve(Recovery.DAMAGED_DIRECTORY)).append('\n');
        }
        return text.toString();
    }
}
