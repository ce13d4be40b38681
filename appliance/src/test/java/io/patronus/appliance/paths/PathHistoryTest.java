package io.patronus.appliance.paths;

import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.PathStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Aggregation, raw downsampling, retention, query resolution and the point cap, with a fake clock. */
class PathHistoryTest {
    static final String P = "demo-site:branch-2:fiber";
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    final ManualClock clock = new ManualClock(T0);
    final NavigableMap<String, byte[]> map = new ConcurrentSkipListMap<>();

    PathHistory history() {
        return new PathHistory(map, Duration.ofHours(1), Duration.ofDays(90), clock);
    }

    static PathSample up(Instant at, double latency) {
        return new PathSample(at, latency, 0, 1, 95, PathStatus.UP);
    }

    /** One sample per second for {@code seconds}, from {@code from}; latency 10 + second of the minute. */
    static void steady(PathHistory h, String path, Instant from, int seconds) {
        for (int i = 0; i < seconds; i++) {
            Instant at = from.plusSeconds(i);
            h.record(path, up(at, 10 + at.getEpochSecond() % 60));
        }
    }

    /** Aggregates only: a window starting long before the raw history. */
    static List<HistoryPoint> minutes(PathHistory h, String path, Instant since, Instant until) {
        return h.query(path, since, until).points().stream().filter(p -> !p.raw()).toList();
    }

    @Test
    void minute_foldsEverySample_minAvgP95MaxLossJitterScoreAndStatusTime() {
        PathHistory h = history();
        for (int i = 0; i < 60; i++) {
            PathStatus s = i < 50 ? PathStatus.UP : i < 55 ? PathStatus.DOWN : PathStatus.DEGRADED;
            double loss = s == PathStatus.DOWN ? 20 : s == PathStatus.DEGRADED ? 5 : 0;
            int score = s == PathStatus.DOWN ? 10 : s == PathStatus.DEGRADED ? 50 : 90;
            h.record(P, new PathSample(T0.plusSeconds(i), 10 + i, loss, 1.5, score, s));
        }
        clock.set(T0.plusSeconds(60));
        h.flush(clock.instant());

        List<HistoryPoint> ms = minutes(h, P, T0.minus(Duration.ofMinutes(30)), clock.instant());
        assertEquals(1, ms.size(), ms.toString());
        HistoryPoint m = ms.getFirst();
        assertEquals(T0, m.at());
        assertEquals("1m", m.resolution());
        assertEquals(60, m.sampleCount());
        assertEquals(10, m.latencyMinMs());
        assertEquals(39.5, m.latencyMs(), 0.02);
        assertEquals(66, m.latencyP95Ms(), 0.05, "nearest rank: the 57th of 60");
        assertEquals(69, m.latencyMaxMs(), 0.05);
        assertEquals(125 / 60.0, m.packetLossPct(), 0.005);
        assertEquals(20, m.packetLossMaxPct());
        assertEquals(1.5, m.jitterMs());
        assertEquals(80, m.healthScore(), 0.005);
        assertEquals(10, m.healthScoreMin());
        assertEquals(PathStatus.DOWN, m.status(), "the worst status seen");
        assertEquals(Map.of(PathStatus.UP, Duration.ofSeconds(50), PathStatus.DOWN, Duration.ofSeconds(5),
                PathStatus.DEGRADED, Duration.ofSeconds(5), PathStatus.UNKNOWN, Duration.ZERO), m.statusTime());
    }

    @Test
    void statusTime_aSampleStandsForAtMostTenSeconds() {
        PathHistory h = history();
        h.record(P, up(T0, 10));
        h.record(P, new PathSample(T0.plusSeconds(30), 10, 100, 0, 0, PathStatus.DOWN));
        clock.set(T0.plusSeconds(120));
        h.flush(clock.instant());
        HistoryPoint m = minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant()).getFirst();
        assertEquals(Duration.ofSeconds(10), m.statusTime().get(PathStatus.UP));
        assertEquals(Duration.ofSeconds(10), m.statusTime().get(PathStatus.DOWN));
    }

    @Test
    void statusTime_isSplitAtTheMinuteBoundary() {
        PathHistory h = history();
        h.record(P, new PathSample(T0.plusSeconds(55), 10, 0, 0, 50, PathStatus.DEGRADED));
        h.record(P, up(T0.plusSeconds(63), 10));
        clock.set(T0.plusSeconds(180));
        h.flush(clock.instant());
        List<HistoryPoint> ms = minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant());
        assertEquals(Duration.ofSeconds(5), ms.get(0).statusTime().get(PathStatus.DEGRADED));
        assertEquals(Duration.ofSeconds(3), ms.get(1).statusTime().get(PathStatus.DEGRADED));
        assertEquals(Duration.ofSeconds(10), ms.get(1).statusTime().get(PathStatus.UP));
    }

    @Test
    void raw_keepsOneSamplePerInterval_theWorstOfIt() {
        PathHistory h = history();
        for (int i = 0; i < 10; i++) {
            boolean down = i == 3;
            h.record(P, new PathSample(T0.plusSeconds(i), down ? 500 : 10, down ? 50 : 0, 1, down ? 5 : 95,
                    down ? PathStatus.DOWN : PathStatus.UP));
        }
        clock.set(T0.plusSeconds(10));
        List<PathSample> raw = h.range(P, T0, clock.instant());
        assertEquals(2, raw.size(), raw.toString());
        assertEquals(PathStatus.DOWN, raw.get(0).status());
        assertEquals(T0.plusSeconds(3), raw.get(0).at());
        assertEquals(T0.plusSeconds(5), raw.get(1).at());
    }

    @Test
    void minuteWrittenTwice_afterARestartOrALateSample_isMerged() {
        PathHistory before = history();
        steady(before, P, T0, 30);
        clock.set(T0.plusSeconds(30));
        before.flushOpenMinutes();
        PathHistory after = history();
        steady(after, P, T0.plusSeconds(30), 30);
        clock.set(T0.plusSeconds(90));
        after.flush(clock.instant());
        after.record(P, up(T0.plusSeconds(59).plusMillis(500), 10));

        HistoryPoint m = minutes(after, P, T0.minus(Duration.ofHours(1)), clock.instant()).getFirst();
        assertEquals(61, m.sampleCount());
        assertEquals(Duration.ofSeconds(60), m.statusTime().get(PathStatus.UP));
    }

    @Test
    void query_withinTheRawHistory_answersRawSamples() {
        PathHistory h = history();
        steady(h, P, T0, 3 * 3600);
        clock.set(T0.plusSeconds(3 * 3600));
        h.prune(clock.instant());
        HistoryWindow w = h.query(P, clock.instant().minus(Duration.ofMinutes(30)), clock.instant());
        assertEquals("raw", w.resolutionLabel());
        assertFalse(w.folded());
        assertEquals(360, w.points().size());
        assertTrue(w.points().stream().allMatch(HistoryPoint::raw));
    }

    @Test
    void query_pastTheRawHistory_answersMinutes_thenTheRawTailOfTheOpenMinute() {
        PathHistory h = history();
        steady(h, P, T0, 3 * 3600 + 20);
        clock.set(T0.plusSeconds(3 * 3600 + 20));
        h.prune(clock.instant());
        HistoryWindow w = h.query(P, T0, clock.instant());
        assertEquals("1m", w.resolutionLabel());
        assertFalse(w.folded());
        List<HistoryPoint> minutes = w.points().stream().filter(p -> !p.raw()).toList();
        List<HistoryPoint> tail = w.points().stream().filter(HistoryPoint::raw).toList();
        assertEquals(180, minutes.size());
        assertEquals(T0, minutes.getFirst().at());
        assertEquals(4, tail.size(), "raw samples at :00, :05, :10, :15 of the open minute: " + tail);
        assertTrue(tail.getFirst().at().equals(minutes.getLast().at().plus(Duration.ofMinutes(1))));
        assertTrue(minutes.stream().allMatch(m -> m.sampleCount() == 60), "every recorded sample, not the kept raw ones");
    }

    @Test
    void query_moreThanMaxPoints_foldsIntoTheNarrowestBucketThatFits() {
        PathHistory h = history();
        steady(h, P, T0, 3 * 3600);
        clock.set(T0.plusSeconds(3 * 3600));
        h.prune(clock.instant());

        HistoryWindow minutes = h.query(P, T0, clock.instant(), 50);
        assertTrue(minutes.folded());
        assertEquals("5m", minutes.resolutionLabel(), "180 minutes: 2m makes 91 buckets, 5m makes 37");
        assertTrue(minutes.points().size() <= 50, minutes.points().size() + " points");
        assertEquals(3 * 3600, minutes.points().stream().mapToInt(HistoryPoint::sampleCount).sum());
        HistoryPoint first = minutes.points().getFirst();
        assertEquals(Duration.ofMinutes(5), first.width());
        assertEquals(Duration.ofMinutes(5), first.statusTime().get(PathStatus.UP));
        assertEquals(10, first.latencyMinMs());
        assertEquals(69, first.latencyMaxMs(), 0.05);

        HistoryWindow raw = h.query(P, clock.instant().minus(Duration.ofMinutes(30)), clock.instant(), 100);
        assertTrue(raw.folded());
        assertEquals("30s", raw.resolutionLabel(), "360 raw samples: 15s makes 121 buckets, 30s makes 61");
        assertTrue(raw.points().size() <= 100);
        assertEquals(360, raw.points().stream().mapToInt(HistoryPoint::sampleCount).sum());
        assertTrue(raw.points().getFirst().statusTime().isEmpty(), "raw samples carry no duration");
    }

    @Test
    void query_ninetyDays_staysUnderTheDefaultCap() {
        PathHistory h = new PathHistory(map, Duration.ofHours(1), Duration.ofDays(90), Duration.ofSeconds(5), clock);
        // One sample a minute for 91 days: every minute gets an aggregate.
        Instant t = T0;
        for (int i = 0; i < 91 * 1440; i++) {
            h.record(P, up(t, 10 + i % 7));
            t = t.plus(Duration.ofMinutes(1));
        }
        clock.set(t);
        h.prune(t);
        HistoryWindow w = h.query(P, t.minus(Duration.ofDays(365)), t);
        assertTrue(w.points().size() <= PathHistory.DEFAULT_MAX_POINTS, w.points().size() + " points");
        assertEquals("2h", w.resolutionLabel(), "90 days in at most 2,000 buckets: 1h makes 2,161, 2h 1,081");
        Instant oldest = w.points().getFirst().at();
        assertFalse(oldest.isBefore(t.minus(Duration.ofDays(90)).minus(Duration.ofHours(2))), "older than retention: " + oldest);
        assertTrue(h.query(P, t.minus(Duration.ofDays(91)), t.minus(Duration.ofDays(90).plusMinutes(1))).points().isEmpty(),
                "minutes past the aggregate retention are not answered");
    }

    @Test
    void prune_expiresRawAfterRawRetention_andEverythingAfterAggregateRetention_ofAStoppedPath() {
        PathHistory h = new PathHistory(map, Duration.ofMinutes(10), Duration.ofHours(2), Duration.ofSeconds(5), clock);
        steady(h, P, T0, 600);
        steady(h, "demo-site:branch-3:lte", T0, 600);
        clock.set(T0.plusSeconds(600));
        h.prune(clock.instant());
        assertEquals(120, h.range(P, T0, clock.instant()).size());

        // branch-3 goes on being probed, branch-2 stops.
        steady(h, "demo-site:branch-3:lte", T0.plusSeconds(600), 1800);
        clock.set(T0.plusSeconds(2400));
        h.prune(clock.instant());
        assertTrue(h.range(P, T0, clock.instant()).isEmpty(), "raw past retention is neither answered nor kept");
        assertTrue(map.subMap(P + "|r|", P + "|r}").isEmpty(), "the stopped path's raw ring is deleted");
        assertEquals(10, minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant()).size());
        assertTrue(h.contains(P));

        clock.set(T0.plus(Duration.ofHours(2)).plusSeconds(601));
        h.prune(clock.instant());
        assertFalse(h.contains(P), "nothing is left of a path silent for the aggregate retention");
        assertTrue(h.contains("demo-site:branch-3:lte"));
    }

    @Test
    void rings_bindTheEntriesOfAnActivePath() {
        PathHistory h = new PathHistory(map, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofSeconds(5), clock);
        for (int hour = 0; hour < 4; hour++) {
            for (int s = 0; s < 3600; s += 5) {
                Instant at = T0.plusSeconds(hour * 3600L + s);
                h.record(P, up(at, 10));
                clock.set(at);
                h.prune(at);
            }
            int full = h.rawSlots() + h.blockSlots() + 1;
            if (hour == 0) {
                assertEquals(full - 1, map.size(), "the aggregate ring is one slot longer than an hour");
            } else {
                assertEquals(full, map.size(), "after hour " + hour);
            }
        }
        assertEquals(61, h.rawSlots());
        assertEquals(7, h.blockSlots());
        assertEquals(1, h.pathCount());
        assertEquals(map.size(), h.entryBound());
        HistoryWindow w = h.query(P, clock.instant().minus(Duration.ofHours(2)), clock.instant());
        assertFalse(w.points().getFirst().at().isBefore(clock.instant().minus(Duration.ofHours(1))),
                "the overwritten laps are gone and the retention holds: " + w.points().getFirst());
    }

    @Test
    void retentionShortened_slotsBeyondTheRingAreDeleted() {
        PathHistory longer = new PathHistory(map, Duration.ofHours(1), Duration.ofDays(90), clock);
        for (int i = 0; i < 3 * 3600; i += 5) {
            longer.record(P, up(T0.plusSeconds(i), 10));
        }
        longer.flushOpenMinutes();
        clock.set(T0.plusSeconds(3 * 3600));
        PathHistory shorter = new PathHistory(map, Duration.ofMinutes(10), Duration.ofHours(1), clock);
        shorter.prune(clock.instant());
        assertTrue(map.subMap(PathHistory.rawKey(P, shorter.rawSlots()), P + "|r}").isEmpty());
        assertTrue(map.subMap(PathHistory.blockKey(P, shorter.blockSlots()), P + "|m}").isEmpty());
        assertTrue(shorter.query(P, T0, clock.instant()).points().size() > 0);
    }

    @Test
    void firstVersionRawSamples_areReadAndPrunedByTime() {
        map.put(PathHistory.legacyKey(P, T0.toEpochMilli()), up(T0, 42).encode());
        clock.set(T0.plusSeconds(10));
        PathHistory h = history();
        assertEquals(List.of(up(T0, 42)), h.range(P, T0.minusSeconds(1), clock.instant()));
        assertTrue(h.contains(P));
        clock.set(T0.plus(Duration.ofHours(1)).plusSeconds(1));
        h.prune(clock.instant());
        assertFalse(map.containsKey(PathHistory.legacyKey(P, T0.toEpochMilli())));
    }

    @Test
    void unreadableBlock_readsAsEmpty_andIsReplaced() {
        PathHistory h = history();
        map.put(PathHistory.blockKey(P, h.blockSlot(T0.toEpochMilli())), new byte[]{9, 9, 9});
        assertTrue(minutes(h, P, T0.minus(Duration.ofHours(1)), T0).isEmpty());
        steady(h, P, T0, 60);
        clock.set(T0.plusSeconds(60));
        h.flush(clock.instant());
        assertEquals(60, minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant()).getFirst().sampleCount());
    }

    @Test
    void restart_reopeningTheStore_keepsRawAndMinutes(@TempDir Path dir) {
        StoreOptions d = StoreOptions.defaults(dir);
        StoreOptions options = new StoreOptions(dir, d.wal(), d.checkpointEvery(), true, clock);
        try (StateStore store = StateStore.open(options)) {
            PathHistory h = new PathHistory(store.historyMap(), Duration.ofHours(1), Duration.ofDays(90), clock);
            steady(h, P, T0, 150);
            h.flushOpenMinutes();
        }
        clock.set(T0.plusSeconds(150));
        try (StateStore store = StateStore.open(options)) {
            PathHistory h = new PathHistory(store.historyMap(), Duration.ofHours(1), Duration.ofDays(90), clock);
            assertEquals(30, h.range(P, T0, clock.instant()).size());
            List<HistoryPoint> ms = minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant());
            assertEquals(List.of(60, 60, 30), ms.stream().map(HistoryPoint::sampleCount).toList());
            steady(h, P, T0.plusSeconds(150), 30);
            clock.set(T0.plusSeconds(181));
            h.flush(clock.instant());
            assertEquals(60, minutes(h, P, T0.minus(Duration.ofHours(1)), clock.instant()).get(2).sampleCount(),
                    "the minute continued after the restart is merged with its first half");
        }
    }

    @Test
    void query_untilBeforeSince_isRefused() {
        PathHistory h = history();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.query(P, T0, T0.minusSeconds(1)));
        assertTrue(e.getMessage().contains("before since"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.query("a|b", T0, T0));
        assertFalse(h.contains("a|b"));
    }

    @Test
    void constructor_namesTheValueOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PathHistory(map, Duration.ofSeconds(30), Duration.ofDays(90), clock));
        assertEquals("rawRetention must be at least 1m, was PT30S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PathHistory(map, Duration.ofHours(1), Duration.ofDays(90), Duration.ofHours(2), clock));
        assertEquals("rawInterval must be from 1ms to rawRetention (PT1H), was PT2H", e.getMessage());
    }

    @Test
    void legacyConstructor_keepsTheFirstVersionsCallersWorking() {
        PathHistory h = new PathHistory(map, Duration.ofHours(1));
        assertEquals(Duration.ofDays(90), h.aggregateRetention());
        Instant now = Instant.now();
        h.record(P, up(now, 12));
        assertEquals(1, h.range(P, now.minusSeconds(1), now.plusSeconds(1)).size());
    }
}
