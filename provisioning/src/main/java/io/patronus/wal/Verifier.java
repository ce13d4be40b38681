package io.patronus.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The read-only end-to-end check behind {@link WriteAheadLog#verify(Path)}; never writes anything. */
final class Verifier {

    private Verifier() {
    }

    static VerifyReport verify(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new WalException("no write-ahead log directory at " + dir);
        }
        List<VerifyReport.SegmentSummary> summaries = new ArrayList<>();
        List<Damage> problems = new ArrayList<>();
        long records = 0;
        long first = 0;
        long last = 0;
        long expected = -1;
        for (SegmentFiles.SegmentFile file : SegmentFiles.list(dir)) {
            Path path = file.path();
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = channel.size();
                SegmentScanner scanner = new SegmentScanner(path, channel, size, false);
                if (expected != -1 && file.baseSequence() != expected) {
                    problems.add(new Damage(path, 0, Damage.Kind.SEQUENCE_GAP, "segment starts at sequence "
                            + file.baseSequence() + " but the sequence so far ends at " + (expected - 1)));
                }
                expected = file.baseSequence();
                Optional<Damage> headerDamage;
                try {
                    headerDamage = scanner.checkHeader(file.baseSequence());
                } catch (SegmentScanner.UnsupportedVersionException e) {
                    headerDamage = Optional.of(new Damage(path, 0, Damage.Kind.BAD_SEGMENT_HEADER, e.getMessage()));
                }
                if (headerDamage.isPresent()) {
                    problems.add(headerDamage.get());
                    summaries.add(new VerifyReport.SegmentSummary(path, file.baseSequence(), 0, 0, 0, size, 0));
                    expected = -1;
                    continue;
                }
                long segmentRecords = 0;
                long segmentFirst = 0;
                long segmentLast = 0;
                long dataEnd = SegmentFormat.SEGMENT_HEADER_BYTES;
                boolean more = true;
                while (more) {
                    switch (scanner.next()) {
                        case SegmentScanner.End ignored -> more = false;
                        case SegmentScanner.Bad bad -> {
                            problems.add(bad.toDamage(path));
                            if (bad.resumeAt() >= 0) {
                                // Count the unreadable frame as the expected record, so it is not also a gap.
                                expected++;
                                scanner.seek(bad.resumeAt());
                            } else {
                                more = false;
                            }
                        }
                        case SegmentScanner.Frame frame -> {
                            if (frame.sequence() != expected) {
                                problems.add(new Damage(path, frame.offset(), Damage.Kind.SEQUENCE_GAP,
                                        "record has sequence " + frame.sequence() + ", expected " + expected));
                            }
                            expected = frame.sequence() + 1;
                            segmentRecords++;
                            segmentFirst = segmentRecords == 1 ? frame.sequence() : segmentFirst;
                            segmentLast = frame.sequence();
                            dataEnd = frame.end();
                        }
                    }
                }
                records += segmentRecords;
                if (segmentRecords > 0) {
                    first = first == 0 ? segmentFirst : Math.min(first, segmentFirst);
                    last = Math.max(last, segmentLast);
                }
                summaries.add(new VerifyReport.SegmentSummary(path, file.baseSequence(), segmentRecords,
                        segmentFirst, segmentLast, size, dataEnd));
            } catch (IOException e) {
                throw new WalException("cannot read write-ahead log segment " + path + ": " + e, e);
            }
        }
        return new VerifyReport(dir, summaries.size(), records, first, last, problems, summaries,
                SegmentFiles.quarantined(dir));
    }
}
