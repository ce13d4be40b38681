package io.patronus.wal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What recovery found and did when the log was opened.
 *
 * <p>Recovery stops at the first damage: the damaged segment is cut at the last valid byte (the cut bytes are
 * saved in the {@code damaged/} subdirectory first) and every later segment is moved there, so records after
 * the damage are never renumbered or silently mixed with new ones.
 *
 * @param directory       the log directory
 * @param segmentsScanned segment files found on open
 * @param recordsKept     valid records left in the log
 * @param firstSequence   sequence of the oldest kept record, 0 when none
 * @param lastSequence    sequence of the newest kept record, 0 when none; the next append gets this plus one
 * @param bytesDropped    non-zero bytes removed from the log: the cut tail plus the data in moved segments
 * @param damage          the first damage found, if any
 * @param movedAside      files moved into {@code damaged/}: later segments and the saved cut tail
 */
public record RecoveryReport(Path directory, int segmentsScanned, long recordsKept, long firstSequence,
                             long lastSequence, long bytesDropped, Optional<Damage> damage, List<Path> movedAside) {

    /** Validates the fields and copies the list. */
    public RecoveryReport {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(damage, "damage");
        movedAside = List.copyOf(movedAside);
    }

    /** True when recovery found damage and dropped data. */
    public boolean damaged() {
        return damage.isPresent();
    }

    /** A paragraph for logs and {@code patronus db check}. */
    public String describe() {
        StringBuilder text = new StringBuilder()
                .append("write-ahead log ").append(directory).append(": ")
                .append(segmentsScanned).append(" segment(s) scanned, ")
                .append(recordsKept).append(" record(s) kept");
        if (recordsKept > 0) {
            text.append(" (sequence ").append(firstSequence).append("..").append(lastSequence).append(')');
        }
        if (damage.isEmpty()) {
            return text.append(", no damage").toString();
        }
        text.append("; DAMAGE: ").append(damage.get().describe())
                .append("; dropped ").append(bytesDropped).append(" byte(s) after sequence ").append(lastSequence);
        if (!movedAside.isEmpty()) {
            text.append("; moved aside: ").append(movedAside);
        }
        return text.toString();
    }
}
