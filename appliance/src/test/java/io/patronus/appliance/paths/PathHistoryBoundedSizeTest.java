package io.patronus.appliance.paths;

import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.PathStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history stays bounded: its size after 90 days of 1,000 paths, probed once a second, at the default
 * retentions, in a real {@code history.db} opened by {@link StateStore}.
 *
 * <h2>The bound</h2>
 * Entries are fixed per path by the rings: {@code 1h / 5s + 1 = 721} raw slots, {@code 90d / 10m + 1 = 12,961}
 * aggregate blocks and one marker, 13,683 entries; 13,683,000 for 1,000 paths. Bytes: a raw entry is a 37-byte key
 * and a 41-byte value, a full block a 37-byte key and a 251-byte value, so keys and values are 721 x 78 + 12,961 x 288
 * = 3.79 MB per path. MapDB adds its node and allocation overhead (node headers, records rounded up, nodes split
 * in half as the rings fill in key order, free space of rewritten nodes); {@link #PER_PATH_BOUND} allows 2.5 times
 * the keys and values, 9.5 MB per path, 9.5 GB for 1,000 paths. Measured: 10 paths take 64 MB (6.4 MB a path, fixed costs
 * included), and the full 1,000 paths ({@link #ninetyDays_1000Paths}, 19 minutes) took 13,683,000 entries and
 * 5,194,645,504 bytes, 5.2 MB a path.
 *
 * <h2>How 90 days are simulated in seconds</h2>
 * Writing 90 days of 1,000 paths through MapDB takes longer than a unit test may (13.7 million entries, about
 * 45 microseconds each with MapDB's transaction log). So {@link #ninetyDays_tenPaths_thenAnHourThroughTheRecorder}
 * fills the rings of 10 paths directly with what the recorder writes (full blocks for 90 days and a full raw ring),
 * then runs the real recorder, prune and a checkpoint every 30 s for a simulated hour at one sample per path per
 * second, lapping the raw ring and rewriting 6 block slots in place. The rings make the size linear in paths, so the
 * per-path bytes of that file times 1,000 bound the size of 1,000 paths; {@link #ninetyDays_1000Paths} does the
 * whole thing when {@code PATRONUS_HISTORY_FULL_SCALE=1} (about 20 minutes and 5.2 GB of disk).
 * {@link #ringsLappedForHours_theFileStopsGrowing} exercises the steady state: short retentions lapped dozens of times through the recorder, with a file that must
 * stop growing (the time-keyed layout of the first version grew about 16 bytes per sample kept, forever: measured
 * with 100 paths and a constant 7,200 entries, the file went from 5 MB to 11.5 MB over 400,000 samples).
 */
class PathHistoryBoundedSizeTest {
    static final Instant END = Instant.parse("2026-11-23T08:00:00Z");
    static final Duration RAW = Duration.ofHours(1);
    static final Duration AGGREGATES = Duration.ofDays(90);
    static final int RAW_SLOTS = 721;
    static final int BLOCK_SLOTS = 12_961;
    static final long ENTRIES_PER_PATH = RAW_SLOTS + BLOCK_SLOTS + 1;
    static final long KEY_AND_VALUE_BYTES_PER_PATH = RAW_SLOTS * (37L + PathSample.SIZE)
            + BLOCK_SLOTS * (37L + AggregateBlock.HEADER + AggregateBlock.MINUTES * AggregateBlock.RECORD);
    static final long PER_PATH_BOUND = KEY_AND_VALUE_BYTES_PER_PATH * 5 / 2;

    @TempDir
    Path dir;

    static String pathId(int i) {
        return String.format("demo-site:branch-%04d:fiber", i);
    }

    StateStore open(ManualClock clock) {
        StoreOptions d = StoreOptions.defaults(dir);
        return StateStore.open(new StoreOptions(dir, d.wal(), d.checkpointEvery(), true, clock));
    }

    long fileSize() throws IOException {
        return Files.size(dir.resolve("history.db"));
    }

    @Test
    void keyLength_isWhatTheBoundAssumes() {
        assertEquals(37, PathHistory.rawKey(pathId(1), 720).length());
        assertEquals(37, PathHistory.blockKey(pathId(1), 12_960).length());
        assertEquals(9_472_515, PER_PATH_BOUND);
    }

    @Test
    void ninetyDays_tenPaths_thenAnHourThroughTheRecorder() throws IOException {
        Measured m = simulate(10);
        assertEquals(10 * ENTRIES_PER_PATH, m.entries());
        assertTrue(m.fileBytes() / 10 <= PER_PATH_BOUND, m + " per path over the bound of " + PER_PATH_BOUND);
        long thousand = m.fileBytes() / 10 * 1000;
        System.out.printf("path history, 90 days at the default retentions: %d paths in %d entries, %,d bytes on disk "
                        + "(%,d per path; 1,000 paths: %,d bytes, bound %,d)%n", 10, m.entries(), m.fileBytes(),
                m.fileBytes() / 10, thousand, 1000 * PER_PATH_BOUND);
    }

    @Test
    @EnabledIfEnvironmentVariable(named = "PATRONUS_HISTORY_FULL_SCALE", matches = "1|true")
    void ninetyDays_1000Paths() throws IOException {
        Measured m = simulate(1000);
        System.out.printf("path history, 90 days x 1,000 paths: %d entries, %,d bytes on disk%n", m.entries(), m.fileBytes());
        assertEquals(1000 * ENTRIES_PER_PATH, m.entries());
        assertTrue(m.fileBytes() <= 1000 * PER_PATH_BOUND, m.toString());
    }

    record Measured(long entries, long fileBytes) {
    }

    /** 90 days of {@code paths} paths: rings filled directly up to an hour before the end, then the recorder. */
    Measured simulate(int paths) throws IOException {
        Instant recorderFrom = END.minus(Duration.ofHours(1));
        ManualClock clock = new ManualClock(recorderFrom);
        long started = System.nanoTime();
        try (StateStore store = open(clock)) {
            NavigableMap<String, byte[]> map = store.historyMap();
            PathHistory h = new PathHistory(map, RAW, AGGREGATES, clock);
            assertEquals(RAW_SLOTS, h.rawSlots());
            assertEquals(BLOCK_SLOTS, h.blockSlots());
            SplittableRandom rnd = new SplittableRandom(7);
            long blockMillis = AggregateBlock.MILLIS;
            // From one block before the retention: the ring's spare slot holds an expired block in the steady state.
            long firstBlock = AggregateBlock.blockStart(END.minus(AGGREGATES).toEpochMilli()) - blockMillis;
            for (int p = 0; p < paths; p++) {
                String id = pathId(p);
                for (long b = firstBlock; b < recorderFrom.toEpochMilli(); b += blockMillis) {
                    byte[] block = AggregateBlock.EMPTY;
                    for (int i = 0; i < AggregateBlock.MINUTES; i++) {
                        block = AggregateBlock.put(block, b, minute(Instant.ofEpochMilli(b).plus(Duration.ofMinutes(i)), rnd));
                    }
                    map.put(PathHistory.blockKey(id, h.blockSlot(b)), block);
                }
                for (long t = recorderFrom.minus(RAW).toEpochMilli(); t < recorderFrom.toEpochMilli(); t += 5000) {
                    map.put(PathHistory.rawKey(id, h.rawSlot(t)), sample(Instant.ofEpochMilli(t), rnd).encode());
                }
                if (p % 10 == 9) {
                    store.checkpoint();
                }
            }
            store.checkpoint();
            long filled = System.nanoTime();
            for (Instant t = recorderFrom; t.isBefore(END); t = t.plusSeconds(1)) {
                clock.set(t);
                for (int p = 0; p < paths; p++) {
                    h.record(pathId(p), sample(t, rnd));
                }
                h.prune(t);
                if (t.getEpochSecond() % 30 == 0) {
                    store.checkpoint();
                }
            }
            clock.set(END);
            h.prune(END);
            store.checkpoint();
            long recorded = System.nanoTime();
            HistoryWindow w = h.query(pathId(0), END.minus(AGGREGATES), END);
            System.out.printf("filled in %.1f s, recorded an hour in %.1f s, queried 90 days in %.0f ms%n",
                    (filled - started) / 1e9, (recorded - filled) / 1e9, (System.nanoTime() - recorded) / 1e6);
            assertEquals("2h", w.resolutionLabel());
            assertTrue(w.points().size() >= 1079 && w.points().size() <= 1081, w.points().size() + " points");
            return new Measured(map.size(), fileSize());
        }
    }

    static PathSample sample(Instant at, SplittableRandom rnd) {
        boolean bad = rnd.nextInt(500) == 0;
        return new PathSample(at, 12 + rnd.nextDouble(6), bad ? 15 : rnd.nextDouble(0.2), rnd.nextDouble(3),
                bad ? 40 : 90 + rnd.nextInt(10), bad ? PathStatus.DEGRADED : PathStatus.UP);
    }

    static HistoryPoint minute(Instant at, SplittableRandom rnd) {
        double avg = 12 + rnd.nextDouble(6);
        return new HistoryPoint(at, Duration.ofMinutes(1), 60, avg, avg - 2, avg + 3, avg + 5, rnd.nextDouble(0.2),
                rnd.nextDouble(1), rnd.nextDouble(3), 90 + rnd.nextDouble(10), 85, PathStatus.UP,
                Map.of(PathStatus.UP, Duration.ofSeconds(60)));
    }

    @Test
    void ringsLappedForHours_theFileStopsGrowing() throws IOException {
        int paths = 10;
        ManualClock clock = new ManualClock(END);
        try (StateStore store = open(clock)) {
            // Rings of 301 raw slots (one sample a second for 5 minutes) and 7 blocks, lapped 60 and 5 times in five
            // hours: 180,000 raw samples overwritten. The first version's time-keyed layout, same rate, same
            // checkpoints, grew the file from 4 MB after 70 minutes to 8 MB after 5 hours with 3,000 entries.
            // A checkpoint every 2 simulated minutes (the appliance: 30 s) keeps the test short.
            PathHistory h = new PathHistory(store.historyMap(), Duration.ofMinutes(5), Duration.ofHours(1),
                    Duration.ofSeconds(1), clock);
            SplittableRandom rnd = new SplittableRandom(3);
            long afterAnHour = 0;
            for (int s = 0; s < 5 * 3600; s++) {
                Instant t = END.plusSeconds(s);
                clock.set(t);
                for (int p = 0; p < paths; p++) {
                    h.record(pathId(p), sample(t, rnd));
                }
                h.prune(t);
                if (s % 120 == 0) {
                    store.checkpoint();
                }
                if (s == 3600 + 600) {
                    afterAnHour = fileSize();
                }
            }
            store.checkpoint();
            assertEquals(paths * (301 + 7 + 1), h.size());
            long afterFive = fileSize();
            System.out.printf("path history rings lapped for 5 hours: %,d bytes after 70 minutes, %,d after 5 hours%n",
                    afterAnHour, afterFive);
            assertTrue(afterFive <= afterAnHour + (1 << 20),
                    "the file grew from " + afterAnHour + " to " + afterFive + " bytes with a constant number of entries");
        }
    }
}
