package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health score: its anchor points, bounds and monotonicity. */
class HealthScoreTest {
    private static final SlaClass SLA = new SlaClass("default", 150, 2, 30);

    private static PathEstimates estimates(double rttMs, double jitterMs, double lossPct) {
        return new PathEstimates(100, 100, 0, 0, 0, 100, rttMs, rttMs, rttMs, rttMs, rttMs, jitterMs, lossPct, 100, 0, 0, 0, 0);
    }

    @Test
    void score_lossOfAFreshWindow_countsOnlyOnceItHasMinLossSamples() {
        // One loss in the first seven probes of a window reads 14.3%: seven times a 2% budget, but it is one packet.
        PathEstimates seven = new PathEstimates(7, 6, 1, 0, 0, 6, 10, 10, 10, 10, 10, 1, 100.0 / 7, 7, 0, 0, 0, 0);
        assertEquals(100, HealthScore.score(PathStatus.UP, seven, SLA, 20));
        assertEquals(0, HealthScore.score(PathStatus.UP, seven, SLA, 7), "with enough samples the loss counts");
        PathEstimates twenty = new PathEstimates(20, 17, 3, 0, 0, 17, 10, 10, 10, 10, 10, 1, 15, 20, 0, 0, 0, 0);
        assertEquals(HealthScore.score(10, 1, 15, SLA), HealthScore.score(PathStatus.UP, twenty, SLA, 20));
        assertEquals(0, HealthScore.score(PathStatus.DOWN, twenty, SLA, 20));
    }

    @Test
    void score_wellWithinSla_is100() {
        assertEquals(100, HealthScore.score(10, 1, 0, SLA));
        assertEquals(100, HealthScore.score(75, 15, 1, SLA), "exactly half of every budget");
    }

    @Test
    void score_oneMetricAtItsLimit_is70() {
        assertEquals(70, HealthScore.score(150, 0, 0, SLA));
        assertEquals(70, HealthScore.score(0, 30, 0, SLA));
        assertEquals(70, HealthScore.score(0, 0, 2, SLA));
    }

    @Test
    void score_everyMetricAtItsLimit_is64() {
        assertEquals(64, HealthScore.score(150, 30, 2, SLA));
    }

    @Test
    void score_justOverALimit_below70() {
        assertEquals(69, HealthScore.score(151, 0, 0, SLA));
        assertTrue(HealthScore.score(0, 0, 2.05, SLA) < 70);
    }

    @Test
    void score_anyMetricAtTwiceItsLimit_isZero() {
        assertEquals(0, HealthScore.score(300, 0, 0, SLA));
        assertEquals(0, HealthScore.score(0, 60, 0, SLA));
        assertEquals(0, HealthScore.score(0, 0, 4, SLA));
        assertEquals(0, HealthScore.score(1e12, 1e12, 100, SLA));
    }

    @Test
    void score_down_orNothingMeasured_orAllLost_isZero() {
        PathEstimates fine = estimates(10, 1, 0);
        assertEquals(100, HealthScore.score(PathStatus.UP, fine, SLA));
        assertEquals(0, HealthScore.score(PathStatus.DOWN, fine, SLA));
        assertEquals(0, HealthScore.score(PathEstimates.NONE, SLA));
        assertEquals(0, HealthScore.score(estimates(10, 1, 100), SLA));
    }

    @Test
    void score_zeroLossBudget_stillGradesSmallLosses() {
        SlaClass strict = new SlaClass("strict", 100, 0, 10);
        assertEquals(100, HealthScore.score(10, 1, 0, strict));
        assertTrue(HealthScore.score(10, 1, 0.08, strict) < 100);
        assertEquals(0, HealthScore.score(10, 1, 1, strict));
    }

    @Test
    void score_neverRisesWhenAMetricWorsens_andStaysWithinBounds() {
        long seed = 20250101;
        System.out.println("HealthScoreTest monotonicity seed " + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 100_000; i++) {
            double rtt = r.nextDouble() * 400;
            double jitter = r.nextDouble() * 80;
            double loss = r.nextDouble() * 6;
            int s = HealthScore.score(rtt, jitter, loss, SLA);
            assertTrue(s >= 0 && s <= 100, "bounds, case " + i);
            double step = r.nextDouble() * 50;
            String at = "seed " + seed + " case " + i + " at " + rtt + "/" + jitter + "/" + loss;
            assertTrue(HealthScore.score(rtt + step, jitter, loss, SLA) <= s, "latency " + at);
            assertTrue(HealthScore.score(rtt, jitter + step / 5, loss, SLA) <= s, "jitter " + at);
            assertTrue(HealthScore.score(rtt, jitter, loss + step / 20, SLA) <= s, "loss " + at);
            boolean meets = rtt <= 150 && jitter <= 30 && loss <= 2;
            assertTrue(meets ? s >= 64 : s < 70, "SLA bands " + at + " score " + s);
        }
    }
}
