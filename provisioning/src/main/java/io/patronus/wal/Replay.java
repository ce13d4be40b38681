package io.patronus.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Consumer;

/** Reads durable records back for {@link WriteAheadLog#replay}; runs on the caller's thread with its own channels. */
final class Replay {

    private Replay() {
    }

    static void records(NavigableMap<Long, Segment> segments, long afterSequence, long upTo,
                        Consumer<LogRecord> consumer) {
        long expected = -1;
        for (Map.Entry<Long, Segment> entry : segments.entrySet()) {
            Segment segment = entry.getValue();
            Long nextBase = segments.higherKey(entry.getKey());
            long segmentLast = nextBase == null ? upTo : nextBase - 1;
            if (segmentLast <= afterSequence) {
                continue;
            }
            if (segment.baseSequence() > upTo) {
                return;
            }
            // Read the durable end after upTo was read: it already covers every record up to upTo.
            long limit = segment.durableEnd();
            try (FileChannel channel = FileChannel.open(segment.path(), StandardOpenOption.READ)) {
                SegmentScanner scanner = new SegmentScanner(segment.path(), channel, limit, true);
                expected = expected == -1 ? segment.baseSequence() : expected;
                while (true) {
                    SegmentScanner.Entry read = scanner.next();
                    if (read instanceof SegmentScanner.Bad bad) {
                        throw new WalException("record in write-ahead log segment " + segment.path()
                                + " is damaged: " + bad.toDamage(segment.path()).describe()
                                + "; the data changed on disk after the log was opened, reopen to recover");
                    }
                    if (!(read instanceof SegmentScanner.Frame frame)) {
                        break;
                    }
                    if (frame.sequence() != expected) {
                        throw new WalException("write-ahead log segment " + segment.path() + " has sequence "
                                + frame.sequence() + " at offset " + frame.offset() + " where " + expected
                                + " was expected; reopen to recover");
                    }
                    expected++;
                    if (frame.sequence() > upTo) {
                        return;
                    }
                    if (frame.sequence() > afterSequence) {
                        consumer.accept(new LogRecord(frame.sequence(), RecordType.fromCode(frame.typeCode()),
                                frame.typeCode(), frame.timestampMillis(), frame.payload()));
                    }
                }
            } catch (IOException e) {
                throw new WalException("cannot read write-ahead log segment " + segment.path() + ": " + e, e);
            }
        }
    }
}
