package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stored block format: round trip, precision, saturation, merging and laps of the ring. */
class AggregateBlockTest {
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    static HistoryPoint minute(Instant at, int samples, double latency, PathStatus status) {
        return new HistoryPoint(at, Duration.ofMinutes(1), samples, latency, latency / 2, latency * 1.5, latency * 2,
                0.25, 1.5, 2.5, 96.5, 90, status, Map.of(status, Duration.ofSeconds(60)));
    }

    @Test
    void put_thenDecode_roundTripsEveryField_atStoredPrecision() {
        long start = T0.toEpochMilli();
        byte[] b = AggregateBlock.put(AggregateBlock.EMPTY, start, minute(T0.plusSeconds(120), 60, 15.3, PathStatus.DEGRADED));
        b = AggregateBlock.put(b, start, minute(T0, 59, 250, PathStatus.UP));
        assertEquals(AggregateBlock.HEADER + 2 * AggregateBlock.RECORD, b.length);
        assertEquals(start, AggregateBlock.start(b));
        List<HistoryPoint> ms = AggregateBlock.decode(b);
        assertEquals(List.of(T0, T0.plusSeconds(120)), ms.stream().map(HistoryPoint::at).toList());
        HistoryPoint m = ms.get(1);
        assertEquals(60, m.sampleCount());
        assertEquals(15.3, m.latencyMs(), 15.3 / 1024, "half precision: 11 significant bits");
        assertEquals(7.65, m.latencyMinMs(), 0.01);
        assertEquals(22.95, m.latencyP95Ms(), 0.02);
        assertEquals(30.6, m.latencyMaxMs(), 0.02);
        assertEquals(0.25, m.packetLossPct());
        assertEquals(1.5, m.packetLossMaxPct());
        assertEquals(2.5, m.jitterMs());
        assertEquals(96.5, m.healthScore());
        assertEquals(90, m.healthScoreMin());
        assertEquals(PathStatus.DEGRADED, m.status());
        assertEquals(Duration.ofSeconds(60), m.statusTime().get(PathStatus.DEGRADED));
        assertEquals(Duration.ZERO, m.statusTime().get(PathStatus.UP));
    }

    @Test
    void encode_saturatesInsteadOfWrapping() {
        HistoryPoint huge = new HistoryPoint(T0, Duration.ofMinutes(1), 100_000, 600_000, 600_000, 600_000, 600_000,
                100, 100, 600_000, 100, 100, PathStatus.DOWN, Map.of(PathStatus.DOWN, Duration.ofMinutes(5)));
        HistoryPoint m = AggregateBlock.decode(AggregateBlock.put(AggregateBlock.EMPTY, T0.toEpochMilli(), huge)).getFirst();
        assertEquals(65_535, m.sampleCount());
        assertEquals(AggregateBlock.MAX_HALF, m.latencyMaxMs());
        assertEquals(100, m.packetLossPct());
        assertEquals(Duration.ofMillis(255 * 250), m.statusTime().get(PathStatus.DOWN));
    }

    @Test
    void put_sameMinuteTwice_merges() {
        long start = T0.toEpochMilli();
        byte[] b = AggregateBlock.put(AggregateBlock.EMPTY, start, minute(T0, 30, 10, PathStatus.UP));
        b = AggregateBlock.put(b, start, minute(T0, 10, 50, PathStatus.DOWN));
        HistoryPoint m = AggregateBlock.decode(b).getFirst();
        assertEquals(1, AggregateBlock.decode(b).size());
        assertEquals(40, m.sampleCount());
        assertEquals(20, m.latencyMs(), 0.01);
        assertEquals(5, m.latencyMinMs());
        assertEquals(100, m.latencyMaxMs());
        assertEquals(PathStatus.DOWN, m.status());
        assertEquals(Duration.ofSeconds(60), m.statusTime().get(PathStatus.UP));
        assertEquals(Duration.ofSeconds(60), m.statusTime().get(PathStatus.DOWN));
    }

    @Test
    void put_intoABlockOfAnOlderLap_startsTheBlockAfresh() {
        long old = T0.toEpochMilli();
        byte[] b = AggregateBlock.put(AggregateBlock.EMPTY, old, minute(T0, 60, 10, PathStatus.UP));
        long later = old + Duration.ofDays(90).toMillis();
        byte[] c = AggregateBlock.put(b, later, minute(Instant.ofEpochMilli(later).plusSeconds(60), 1, 10, PathStatus.UP));
        assertEquals(later, AggregateBlock.start(c));
        assertEquals(List.of(Instant.ofEpochMilli(later).plusSeconds(60)), AggregateBlock.decode(c).stream().map(HistoryPoint::at).toList());
    }

    @Test
    void unreadable_decodesAsEmpty_andMinuteOutsideTheBlock_isRefused() {
        assertTrue(AggregateBlock.decode(new byte[]{2, 0, 0}).isEmpty());
        assertTrue(AggregateBlock.decode(new byte[AggregateBlock.HEADER + 5]).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> AggregateBlock.put(AggregateBlock.EMPTY, T0.toEpochMilli(),
                minute(T0.plus(Duration.ofMinutes(10)), 1, 1, PathStatus.UP)));
    }
}
