package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The path state machine on a fake clock, fed probe by probe through a real {@link PathEstimator}: one probe per
 * interval, a reply after its RTT or a loss declared one interval after sending (as the prober's timeout does on a
 * short path).
 */
class PathStateMachineTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final SlaClass SLA = new SlaClass("default", 150, 10, 30);
    /** A class no loss can miss, so that a long loss streak tests the DOWN rule alone. */
    private static final SlaClass ANY_LOSS = new SlaClass("any-loss", 150, 100, 30);

    /** Drives one path: a fake clock, an estimator and the machine, recording every transition. */
    static final class Driver {
        final FakeProbeClock clock = new FakeProbeClock();
        final PathEstimator estimator;
        final PathStateMachine machine;
        final List<StateChange> changes = new ArrayList<>();
        final List<Long> changeNanos = new ArrayList<>();
        private final long start = clock.nanos();
        private final long interval;
        long probes;

        Driver(ProbeSettings settings, Duration interval, int detectMultiplier, SlaClass sla) {
            this.interval = interval.toNanos();
            this.estimator = new PathEstimator(settings.lossWindow(), settings.rttWindow());
            this.machine = new PathStateMachine(settings, interval, detectMultiplier, sla, clock);
        }

        Driver(ProbeSettings settings, Duration interval, SlaClass sla) {
            this(settings, interval, ProbeTarget.DEFAULT_DETECT_MULTIPLIER, sla);
        }

        Driver() {
            this(ProbeSettings.defaults(), INTERVAL, SLA);
        }

        /** Probe number {@code probes}: answered after {@code rttMs}, or lost when {@code rttMs} is negative. */
        Optional<StateChange> probe(double rttMs) {
            long t1 = start + probes++ * interval;
            clock.advanceTo(t1);
            long seq = estimator.nextSeq();
            estimator.sent(seq, t1);
            Optional<StateChange> c;
            if (rttMs >= 0) {
                clock.advanceTo(t1 + (long) (rttMs * 1e6));
                estimator.reply((int) seq, t1, 7, 7, clock.nanos());
                c = machine.observe(ProbeOutcome.REPLIED, estimator.estimates());
            } else {
                clock.advanceTo(t1 + interval);
                estimator.lost(seq);
                c = machine.observe(ProbeOutcome.LOST, estimator.estimates());
            }
            c.ifPresent(x -> {
                if (x.from() == PathStatus.DOWN) {
                    estimator.retainLastOutcomes(machine.recoveryStreak()); // as PathSession does
                }
                changes.add(x);
                changeNanos.add(clock.nanos());
            });
            return c;
        }

        void good(int n) {
            for (int i = 0; i < n; i++) {
                probe(10);
            }
        }

        void lost(int n) {
            for (int i = 0; i < n; i++) {
                probe(-1);
            }
        }

        long upTransitions() {
            return changes.stream().filter(c -> c.to() == PathStatus.UP).count();
        }
    }

    @Test
    void unknown_threeRepliesInARow_up() {
        Driver d = new Driver();
        d.good(2);
        assertEquals(PathStatus.UNKNOWN, d.machine.status());
        d.good(1);
        assertEquals(PathStatus.UP, d.machine.status());
        assertTrue(d.machine.reason().startsWith("3 replies in a row, RTT 10.0 ms"), d.machine.reason());
    }

    @Test
    void unknown_noReplyToThreeProbes_down() {
        Driver d = new Driver();
        d.lost(3);
        assertEquals(PathStatus.DOWN, d.machine.status());
        assertEquals("3 probes lost in a row (seq 1-3, sent over 200 ms)", d.machine.reason());
    }

    @Test
    void blackhole_downAfterExactlyThreeLostProbes() {
        Driver d = new Driver();
        d.good(20);
        d.lost(2);
        assertEquals(PathStatus.UP, d.machine.status(), "two lost probes are not enough");
        long firstLostSent = d.clock.nanos() - 2 * INTERVAL.toNanos();
        d.lost(1);
        assertEquals(PathStatus.DOWN, d.machine.status());
        assertEquals("3 probes lost in a row (seq 21-23, sent over 200 ms)", d.machine.reason());
        // two more intervals to send the other two probes, plus the third probe's timeout
        assertEquals(Duration.ofMillis(300), Duration.ofNanos(d.clock.nanos() - firstLostSent));
        assertEquals(0, HealthScore.score(d.machine.status(), d.estimator.estimates(), SLA));
    }

    @Test
    void multiplierFive_upAfterFiveReplies_downAfterFiveLostProbes() {
        Driver d = new Driver(ProbeSettings.defaults(), INTERVAL, 5, ANY_LOSS);
        d.good(4);
        assertEquals(PathStatus.UNKNOWN, d.machine.status());
        d.good(1);
        assertEquals(PathStatus.UP, d.machine.status());
        assertTrue(d.machine.reason().startsWith("5 replies in a row"), d.machine.reason());

        d.good(20);
        long firstLostSent = d.clock.nanos() + INTERVAL.toNanos() - 10 * 1_000_000L; // the next probe, after this reply's 10 ms
        d.lost(4);
        assertEquals(PathStatus.UP, d.machine.status(), "four lost probes are not enough");
        d.lost(1);
        assertEquals(PathStatus.DOWN, d.machine.status());
        assertEquals("5 probes lost in a row (seq 26-30, sent over 400 ms)", d.machine.reason());
        assertEquals(Duration.ofMillis(500), Duration.ofNanos(d.clock.nanos() - firstLostSent), "5 x the interval");
    }

    @Test
    void detectionTime_multiplierTimesInterval() {
        for (int multiplier : new int[] {1, 2, 3, 7, 50}) {
            for (Duration interval : List.of(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(1))) {
                Driver d = new Driver(ProbeSettings.defaults(), interval, multiplier, ANY_LOSS);
                d.good(multiplier + 20);
                long firstLostSent = d.clock.nanos() + interval.toNanos() - 10 * 1_000_000L;
                int lost = 0;
                while (d.machine.status() != PathStatus.DOWN) {
                    d.lost(1);
                    lost++;
                }
                assertEquals(multiplier, lost, multiplier + " x " + interval);
                assertEquals(interval.multipliedBy(multiplier), Duration.ofNanos(d.clock.nanos() - firstLostSent),
                        multiplier + " x " + interval);
            }
        }
    }

    @Test
    void update_multiplierRaisedDuringALossStreak_downWaitsForTheNewMultiplier() {
        Driver d = new Driver(ProbeSettings.defaults(), INTERVAL, 3, ANY_LOSS);
        d.good(20);
        d.lost(2);
        d.machine.update(INTERVAL, 5, ANY_LOSS);
        d.lost(2);
        assertEquals(PathStatus.UP, d.machine.status(), "4 lost: the old multiplier of 3 no longer counts");
        assertEquals(0, d.machine.flaps());
        d.lost(1);
        assertEquals(PathStatus.DOWN, d.machine.status());
        assertTrue(d.machine.reason().startsWith("5 probes lost in a row"), d.machine.reason());
    }

    @Test
    void update_statusStreaksAndSinceCarryOver() {
        Driver d = new Driver();
        d.good(20);
        var since = d.machine.since();
        d.machine.update(Duration.ofMillis(50), 4, new SlaClass("tight", 100, 5, 20));
        assertEquals(PathStatus.UP, d.machine.status());
        assertEquals(since, d.machine.since());
        assertEquals(4, d.machine.detectMultiplier());
    }

    @Test
    void construct_multiplierOutOfRange_refusedNamingIt() {
        ProbeException e = assertThrows(ProbeException.class,
                () -> new PathStateMachine(ProbeSettings.defaults(), INTERVAL, 51, SLA, new FakeProbeClock()));
        assertEquals("detect multiplier must be between 1 and 50, was 51", e.getMessage());
    }

    @Test
    void lossStreak_brokenByAReply_neverDown() {
        Driver d = new Driver();
        d.good(5);
        for (int i = 0; i < 100; i++) {
            d.lost(2);
            d.good(1);
        }
        assertFalse(d.changes.stream().anyMatch(c -> c.to() == PathStatus.DOWN), d.changes.toString());
    }

    @Test
    void downRule_lossesCloserThanTheIntervals_notDownYet() {
        // Extra probes while a reply is overdue: three losses within 50 ms are not three intervals of silence.
        FakeProbeClock clock = new FakeProbeClock();
        PathEstimator e = new PathEstimator();
        PathStateMachine m = new PathStateMachine(ProbeSettings.defaults(), INTERVAL, 3, SLA, clock);
        for (int i = 0; i < 3; i++) {
            e.sent(e.nextSeq(), clock.nanos());
            e.reply((int) (e.nextSeq() - 1), clock.nanos(), 0, 0, clock.nanos() + 1_000_000);
            m.observe(ProbeOutcome.REPLIED, e.estimates());
            clock.advance(INTERVAL);
        }
        assertEquals(PathStatus.UP, m.status());
        long t0 = clock.nanos();
        for (int i = 0; i < 7; i++) {
            e.sent(e.nextSeq(), t0 + i * 25_000_000L);
        }
        clock.advance(Duration.ofMillis(400));
        int lostSoFar = 0;
        while (e.expireNext(clock.nanos(), 100_000_000L) != 0) {
            lostSoFar++;
            m.observe(ProbeOutcome.LOST, e.estimates());
            // the streak spans (lostSoFar - 1) * 25 ms; DOWN needs at least 150 ms (two intervals less half of one)
            assertEquals(lostSoFar >= 7 ? PathStatus.DOWN : PathStatus.UP, m.status(), "after " + lostSoFar + " losses");
        }
        assertEquals("7 probes lost in a row (seq 4-10, sent over 150 ms)", m.reason());
    }

    /**
     * 5 % random loss at 10 probes/s for 2 minutes, many seeds: DOWN happens exactly at the third loss of the first
     * run of three losses in a row, and never without such a run. (Without the prober's extra probes a run of three
     * is quite likely in 2 minutes; see {@code ProberSimulationTest} for the prober with them.)
     */
    @Test
    void randomLoss5Percent_downExactlyAtFirstRunOfThreeLosses() {
        int seeds = 400;
        int downs = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            Random r = new Random(seed);
            boolean[] lost = new boolean[1200];
            for (int i = 0; i < lost.length; i++) {
                lost[i] = i >= 10 && r.nextDouble() < 0.05;
            }
            int expected = firstRunOfThree(lost);
            Driver d = new Driver();
            int downAt = -1;
            for (int i = 0; i < lost.length && downAt < 0; i++) {
                Optional<StateChange> c = d.probe(lost[i] ? -1 : 10);
                if (c.isPresent() && c.get().to() == PathStatus.DOWN) {
                    downAt = i;
                }
            }
            assertEquals(expected, downAt, "seed " + seed);
            downs += downAt >= 0 ? 1 : 0;
        }
        double theory = 1 - probabilityNoRun(1190, 0.05, 3);
        System.out.printf("5%% loss, 2 min, 10 probes/s, plain 3-in-a-row: DOWN in %d of %d runs; theory %.1f%%%n",
                downs, seeds, theory * 100);
        assertTrue(Math.abs(downs / (double) seeds - theory) < 0.06, downs + " of " + seeds + " vs " + theory);
    }

    @Test
    void recovery_needsTenGoodProbesInARow() {
        ProbeSettings s = ProbeSettings.defaults().withHoldDown(Duration.ofMillis(500), Duration.ofSeconds(60));
        Driver d = new Driver(s, INTERVAL, SLA);
        d.good(5);
        d.lost(3);
        assertEquals(PathStatus.DOWN, d.machine.status());
        d.good(9);
        d.lost(1);
        d.good(9);
        assertEquals(PathStatus.DOWN, d.machine.status(), "a loss restarts the count");
        d.good(1);
        assertEquals(PathStatus.UP, d.machine.status());
        assertEquals("10 good probes in a row over 900 ms and hold-down 500 ms elapsed (RTT 10.0 ms, jitter 0.0 ms)",
                d.machine.reason());
    }

    @Test
    void recovery_waitsForHoldDownAfterTenGoodProbes() {
        ProbeSettings s = ProbeSettings.defaults().withHoldDown(Duration.ofSeconds(3), Duration.ofSeconds(60));
        Driver d = new Driver(s, INTERVAL, SLA);
        d.good(5);
        d.lost(3);
        d.good(30);
        assertEquals(PathStatus.DOWN, d.machine.status(), "30 good probes span only 2.9 s");
        d.good(1);
        assertEquals(PathStatus.UP, d.machine.status());
        assertTrue(d.machine.reason().startsWith("31 good probes in a row over 3 s and hold-down 3 s elapsed"), d.machine.reason());
    }

    @Test
    void flappingEvery2s_endsHeldDownInsteadOfOscillating() {
        Driver d = new Driver();
        // 1.5 s up, 0.5 s down, for 2 minutes
        for (int cycle = 0; cycle < 60; cycle++) {
            d.good(15);
            d.lost(5);
        }
        assertEquals(PathStatus.DOWN, d.machine.status());
        // UP at start; the first fall is no flap, so it comes back after 1 s; falling again 0.5 s later is a flap:
        // a 2 s hold-down, longer than any up period of this link, keeps it down for the rest of the 2 minutes
        assertEquals(2, d.upTransitions(), d.changes.toString());
        assertEquals(Duration.ofSeconds(2), d.machine.holdDown());
        assertEquals(1, d.machine.flaps());
        assertTrue(d.changeNanos.getLast() - d.changeNanos.getFirst() < Duration.ofSeconds(5).toNanos(), "quiet after 5 s");
    }

    @Test
    void flappingFasterThanTheHoldDown_neverComesBack() {
        Driver d = new Driver();
        for (int cycle = 0; cycle < 60; cycle++) {
            d.good(10);
            d.lost(10);
        }
        assertEquals(PathStatus.DOWN, d.machine.status());
        assertEquals(1, d.upTransitions(), "1 s up periods never make a streak of 1 s");
    }

    @Test
    void flapping_holdDownDoublesOnEveryFlapUntilHeldDown() {
        Driver d = new Driver();
        // 3 s up, 1 s down: the first fall is no flap; back UP after 1 s, falls (flap: 2 s), back after 2 s, falls
        // (flap: 4 s), and the 4 s hold-down is longer than any up period
        for (int cycle = 0; cycle < 30; cycle++) {
            d.good(30);
            d.lost(10);
        }
        List<Duration> holdDowns = d.changes.stream().filter(c -> c.reason().contains("flap"))
                .map(c -> Duration.ofSeconds(Long.parseLong(c.reason().replaceAll(".*-> (\\d+) s$", "$1")))).toList();
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4)), holdDowns, d.changes.toString());
        assertEquals(3, d.upTransitions(), "UP from UNKNOWN, then back up after 1 s and after 2 s, then held down");
        assertEquals(PathStatus.DOWN, d.machine.status());
    }

    @Test
    void flapping_holdDownCappedAtMax() {
        ProbeSettings s = ProbeSettings.defaults().withHoldDown(Duration.ofSeconds(1), Duration.ofSeconds(4));
        Driver d = new Driver(s, INTERVAL, SLA);
        for (int cycle = 0; cycle < 20; cycle++) {
            d.good(50);
            d.lost(5);
            assertTrue(d.machine.holdDown().compareTo(Duration.ofSeconds(4)) <= 0);
        }
        assertEquals(Duration.ofSeconds(4), d.machine.holdDown());
        assertTrue(d.machine.flaps() >= 10);
    }

    @Test
    void holdDown_backToBaseAfterFiveStableMinutes() {
        Driver d = new Driver();
        d.good(700);
        d.lost(3);
        d.good(11);
        assertEquals(PathStatus.UP, d.machine.status(), "a fall 70 s after coming up is no flap: 1 s hold-down");
        d.lost(3);
        d.good(21);
        assertEquals(PathStatus.UP, d.machine.status());
        assertEquals(Duration.ofSeconds(2), d.machine.holdDown());
        d.good(2990);
        assertEquals(Duration.ofSeconds(2), d.machine.holdDown(), "UP for 299 s");
        d.good(10);
        assertEquals(Duration.ofSeconds(1), d.machine.holdDown(), "UP for 300 s");
    }

    @Test
    void slaLatencyMiss_degradedThenUpOnlyBelowTheMargin() {
        Driver d = new Driver();
        d.good(20);
        for (int i = 0; i < 30 && d.machine.status() == PathStatus.UP; i++) {
            d.probe(170);
        }
        assertEquals(PathStatus.DEGRADED, d.machine.status());
        assertTrue(d.machine.reason().matches("RTT 15\\d\\.\\d ms \\(EWMA\\) > SLA default 150 ms"), d.machine.reason());
        for (int i = 0; i < 300; i++) {
            d.probe(140); // under the limit, but above 90 % of it: still degraded
        }
        assertEquals(PathStatus.DEGRADED, d.machine.status());
        int n = 0;
        while (d.machine.status() == PathStatus.DEGRADED && n < 100) {
            d.probe(120);
            n++;
        }
        assertEquals(PathStatus.UP, d.machine.status());
        assertTrue(d.machine.reason().startsWith("SLA default met again within a 10% margin: "), d.machine.reason());
    }

    @Test
    void latencyHoveringAroundTheLimit_doesNotChatter() {
        Driver d = new Driver();
        d.good(5);
        Random r = new Random(7);
        for (int i = 0; i < 1200; i++) {
            d.probe(140 + r.nextDouble() * 20);
        }
        List<PathStatus> path = d.changes.stream().map(StateChange::to).toList();
        assertEquals(List.of(PathStatus.UP, PathStatus.DEGRADED), path);
    }

    @Test
    void slaLossMiss_degradedWithLossInReason() {
        Driver d = new Driver();
        d.good(100);
        for (int i = 0; i < 200 && d.machine.status() == PathStatus.UP; i++) {
            d.probe(i % 8 == 0 ? -1 : 10);
        }
        assertEquals(PathStatus.DEGRADED, d.machine.status());
        assertEquals("loss 11.0% over the last 100 probes > SLA default 10%", d.machine.reason());
    }

    @Test
    void slaLoss_notJudgedBeforeTwentyProbes() {
        Driver d = new Driver();
        d.good(3);
        d.probe(-1);
        d.good(2);
        d.probe(-1);
        d.good(2);
        assertEquals(PathStatus.UP, d.machine.status(), "2 of 9 lost is 22 %, but 9 probes prove little");
    }

    @Test
    void degraded_threeLost_down() {
        Driver d = new Driver();
        d.good(3);
        for (int i = 0; i < 30; i++) {
            d.probe(200);
        }
        assertEquals(PathStatus.DEGRADED, d.machine.status());
        d.lost(3);
        assertEquals(PathStatus.DOWN, d.machine.status());
    }

    @Test
    void down_recoveringWithHighLatency_degradedNotUp() {
        Driver d = new Driver();
        d.good(5);
        d.lost(3);
        for (int i = 0; i < 100 && d.machine.status() == PathStatus.DOWN; i++) {
            d.probe(200);
        }
        assertEquals(PathStatus.DEGRADED, d.machine.status());
        assertTrue(d.machine.reason().contains("but RTT"), d.machine.reason());
    }

    static int firstRunOfThree(boolean[] lost) {
        int run = 0;
        for (int i = 0; i < lost.length; i++) {
            run = lost[i] ? run + 1 : 0;
            if (run == 3) {
                return i;
            }
        }
        return -1;
    }

    /** The probability that n Bernoulli(p) trials contain no run of k successes (a small Markov chain). */
    static double probabilityNoRun(int n, double p, int k) {
        double[] state = new double[k]; // state[j]: no run yet, current run length j
        state[0] = 1;
        for (int i = 0; i < n; i++) {
            double[] next = new double[k];
            for (int j = 0; j < k; j++) {
                next[0] += state[j] * (1 - p);
                if (j + 1 < k) {
                    next[j + 1] += state[j] * p;
                }
            }
            state = next;
        }
        double sum = 0;
        for (double v : state) {
            sum += v;
        }
        return sum;
    }
}
