package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.OptionalInt;
import java.util.Random;
import java.util.function.LongPredicate;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prober's per-path logic ({@link PathSession}: cadence, timeouts, extra probes while a reply is overdue, and the
 * state machine behind them) against a simulated network on a fake clock: minutes of probing in milliseconds, and
 * hundreds of seeded runs where a real network would give one.
 */
class ProberSimulationTest {
    private static final long MS = 1_000_000L;
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final SlaClass SLA = new SlaClass("default", 150, 10, 30);

    /**
     * One path over a simulated network: {@code lost} says whether a probe sent at a time is lost, {@code rttMs} its
     * round trip. Events (the session's wake-ups, reply arrivals) run in time order.
     */
    static final class Simulation {
        final FakeProbeClock clock = new FakeProbeClock();
        final long start = clock.nanos();
        final List<StateChange> changes = new ArrayList<>();
        final List<Long> changeNanos = new ArrayList<>();
        final PathSession session;
        private final PriorityQueue<long[]> replies = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        private final LongPredicate lost;
        private final LongToDoubleFunction rttMs;
        long sent;
        PathReport report;
        private long wake;

        Simulation(ProbeSettings settings, SlaClass sla, LongPredicate lost, LongToDoubleFunction rttMs) {
            this(settings, target(INTERVAL, ProbeTarget.DEFAULT_DETECT_MULTIPLIER, sla), lost, rttMs);
        }

        Simulation(ProbeSettings settings, ProbeTarget t, LongPredicate lost, LongToDoubleFunction rttMs) {
            this.lost = lost;
            this.rttMs = rttMs;
            session = new PathSession(1, t, settings, clock, start, new PathSession.Sink() {
                @Override
                public void report(PathReport r) {
                    report = r;
                }

                @Override
                public void changed(PathReport before, PathReport after) {
                    changes.add(new StateChange(before.status(), after.status(), after.since(), after.reason()));
                    changeNanos.add(clock.nanos());
                }
            });
            wake = session.wakeAt;
        }

        /** The path's target changes while it runs, as {@link Prober} applies it (an earlier send wakes it now). */
        void update(ProbeTarget t) {
            if (session.update(t)) {
                wake = clock.nanos();
            }
        }

        private PathSession.SendResult send(PathSession s, byte[] packet) {
            sent++;
            long t1 = ProbePacket.t1(packet, 0);
            long at = t1 - start;
            if (!lost.test(at)) {
                long rtt = (long) (rttMs.applyAsDouble(at) * MS);
                long t2 = 777_000_000_000L + t1 + rtt / 2;
                long t3 = t2 + 50_000;
                replies.add(new long[] {t1 + rtt + 50_000, ProbePacket.seq(packet, 0), t1, t2, t3});
            }
            return PathSession.SendResult.SENT;
        }

        /** Runs until {@code duration} after the start (from where the last run ended). */
        Simulation run(Duration duration) {
            long end = start + duration.toNanos();
            for (int guard = 0; guard < 10_000_000; guard++) {
                long next = replies.isEmpty() ? wake : Math.min(wake, replies.peek()[0]);
                if (next > end) {
                    clock.advanceTo(end);
                    return this;
                }
                clock.advanceTo(next);
                // replies first, as the prober's loop reads its sockets before serving due paths
                while (!replies.isEmpty() && replies.peek()[0] <= clock.nanos()) {
                    long[] r = replies.poll();
                    session.reply((int) r[1], r[2], r[3], r[4], clock.nanos());
                }
                if (wake <= clock.nanos()) {
                    wake = session.service(clock.nanos(), this::send);
                    assertTrue(wake > clock.nanos(), "the session asks to be woken in the future");
                }
            }
            throw new AssertionError("simulation did not finish");
        }

        long downs() {
            return changes.stream().filter(c -> c.to() == PathStatus.DOWN).count();
        }

        long degradeds() {
            return changes.stream().filter(c -> c.to() == PathStatus.DEGRADED).count();
        }
    }

    /** The simulated path, probed every {@code interval} and DOWN after {@code detectMultiplier} lost probes. */
    static ProbeTarget target(Duration interval, int detectMultiplier, SlaClass sla) {
        return new ProbeTarget("fiber:b", "fiber", new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 51900), 0, interval, detectMultiplier, sla);
    }

    private static LongPredicate randomLoss(long seed, double p) {
        return randomLoss(seed, p, 2_000);
    }

    /** Independent loss with probability {@code p} from {@code fromMs} after the start. */
    private static LongPredicate randomLoss(long seed, double p, long fromMs) {
        Random r = new Random(seed);
        return at -> at > fromMs * MS && r.nextDouble() < p;
    }

    @Test
    void randomLoss5Percent_twoMinutes_noDownWithExtraProbes() {
        int runs = 500;
        long downs = 0;
        long degradedRuns = 0;
        long probes = 0;
        for (int seed = 1; seed <= runs; seed++) {
            Simulation s = new Simulation(ProbeSettings.defaults(), SLA, randomLoss(seed, 0.05), at -> 20).run(Duration.ofSeconds(122));
            downs += s.downs();
            degradedRuns += s.degradeds() > 0 ? 1 : 0;
            probes += s.sent;
        }
        System.out.printf("5%% loss, 2 min, extra probes: %d DOWN in %d runs; DEGRADED (SLA loss 10%% over 100 probes) in %d runs;"
                + " %.1f probes/s on average%n", downs, runs, degradedRuns, probes / (runs * 122.0));
        assertEquals(0, downs);
        assertTrue(probes / (runs * 122.0) < 10.0 * 1.15, "extra probes cost at most 15 % at 5 % loss");
    }

    /**
     * How a loss SLA of 10 % treats random loss on an established path (loss from 60 s on, when even a 300-probe window
     * is full), per loss window and confidence setting: the share of 2-minute runs at 5 % loss that go DEGRADED at
     * least once (false alarms), and how long true 12/15/20 % loss takes to be noticed.
     */
    @Test
    void lossSla10Percent_falseAndTrueDegraded_perWindowAndConfidence() {
        record Config(int window, double z) {
        }
        List<Config> configs = List.of(new Config(100, 0), new Config(300, 0), new Config(100, 1.645), new Config(300, 1.645));
        System.out.println("loss SLA 10%: window, z | DEGRADED in 2 min at 5% loss | median s to DEGRADED at 12% / 15% / 20% loss");
        double[] falseRates = new double[configs.size()];
        for (int c = 0; c < configs.size(); c++) {
            Config cfg = configs.get(c);
            ProbeSettings settings = ProbeSettings.defaults().withLossWindow(cfg.window()).withLossConfidence(cfg.z());
            int runs = 200;
            int degraded = 0;
            for (int seed = 1; seed <= runs; seed++) {
                degraded += new Simulation(settings, SLA, randomLoss(seed, 0.05, 60_000), at -> 20).run(Duration.ofSeconds(180))
                        .degradeds() > 0 ? 1 : 0;
            }
            falseRates[c] = degraded / (double) runs;
            StringBuilder line = new StringBuilder(String.format("  %d, %.3f | %.1f%% |", cfg.window(), cfg.z(), 100.0 * degraded / runs));
            for (double p : new double[] {0.12, 0.15, 0.20}) {
                long[] times = new long[51];
                for (int seed = 0; seed < times.length; seed++) {
                    Simulation s = new Simulation(settings, SLA, randomLoss(1000 + seed, p, 60_000), at -> 20).run(Duration.ofSeconds(360));
                    int i = s.changes.stream().map(StateChange::to).toList().indexOf(PathStatus.DEGRADED);
                    times[seed] = i < 0 ? Long.MAX_VALUE : s.changeNanos.get(i) - s.start - 60_000 * MS;
                }
                Arrays.sort(times);
                long median = times[times.length / 2];
                line.append(median == Long.MAX_VALUE ? " >300 s" : String.format(" %.1f s", median / 1e9));
            }
            System.out.println(line);
        }
        assertTrue(falseRates[0] > 0.2, "a 100-probe window at 5 % loss often crosses 10 %");
        assertTrue(falseRates[1] < 0.05, "a 300-probe window rarely does");
        assertTrue(falseRates[2] < 0.02, "nor does the confidence bound on a 100-probe window");
    }

    @Test
    void randomLoss5Percent_withoutExtraProbes_downInAboutOneRunOfEight() {
        int runs = 400;
        int withDown = 0;
        for (int seed = 1; seed <= runs; seed++) {
            Simulation s = new Simulation(ProbeSettings.defaults().withBursts(false), SLA, randomLoss(seed, 0.05), at -> 20)
                    .run(Duration.ofSeconds(122));
            withDown += s.downs() > 0 ? 1 : 0;
        }
        double theory = 1 - PathStateMachineTest.probabilityNoRun(1200, 0.05, 3);
        System.out.printf("5%% loss, 2 min, no extra probes: DOWN in %d of %d runs (theory %.1f%%)%n", withDown, runs, theory * 100);
        assertTrue(Math.abs(withDown / (double) runs - theory) < 0.06, withDown + " of " + runs);
    }

    private static long[] blackholeDetection(ProbeSettings settings, int runs) {
        return blackholeDetection(settings, INTERVAL, ProbeTarget.DEFAULT_DETECT_MULTIPLIER, runs);
    }

    /** Blackholes starting at a random point of a probe interval: how long after its start each path went DOWN, sorted. */
    private static long[] blackholeDetection(ProbeSettings settings, Duration interval, int detectMultiplier, int runs) {
        long[] detection = new long[runs];
        for (int seed = 0; seed < runs; seed++) {
            long blackholeAt = 10_000 * MS + new Random(seed).nextLong(interval.toNanos());
            Simulation s = new Simulation(settings, target(interval, detectMultiplier, SLA), at -> at >= blackholeAt, at -> 1)
                    .run(Duration.ofSeconds(12));
            assertEquals(List.of(PathStatus.UP, PathStatus.DOWN), s.changes.stream().map(StateChange::to).toList());
            detection[seed] = s.changeNanos.get(1) - (s.start + blackholeAt);
        }
        Arrays.sort(detection);
        return detection;
    }

    /**
     * How many probes in a row a blackhole takes before DOWN, per path RTT: random loss must lose all of them to fake a
     * DOWN, so the chance of a spurious DOWN in 2 minutes at 5 % loss is about {@code 1 - exp(-1200 x 0.05^k)}. The
     * extra probes can only go out once a reply is overdue, so long paths gain less.
     */
    @Test
    void probesLostBeforeDown_perRtt_andSpuriousDownOdds() {
        System.out.println("RTT ms | probes lost in a row at DOWN | detection ms after the blackhole | P(spurious DOWN in 2 min at 5% loss)");
        int[] rtts = {1, 20, 50, 75, 100, 150};
        int[] minLost = {7, 7, 6, 5, 4, 3};
        for (int i = 0; i < rtts.length; i++) {
            int rtt = rtts[i];
            long blackholeAt = 20_000 * MS + 5 * MS; // just after a probe
            Simulation s = new Simulation(ProbeSettings.defaults(), new SlaClass("wide", 1000, 10, 100), at -> at >= blackholeAt,
                    at -> rtt).run(Duration.ofSeconds(25));
            StateChange down = s.changes.stream().filter(c -> c.to() == PathStatus.DOWN).findFirst().orElseThrow();
            int k = Integer.parseInt(down.reason().replaceAll(" probes lost in a row.*", ""));
            long detection = s.changeNanos.get(s.changes.indexOf(down)) - s.start - blackholeAt;
            double p = 1 - Math.exp(-1200 * Math.pow(0.05, k));
            System.out.printf("  %3d | %d | %d | %.2g%n", rtt, k, detection / MS, p);
            assertTrue(k >= minLost[i], rtt + " ms: " + down.reason());
        }
    }

    @Test
    void blackhole_detected250To350msAfterItStarts() {
        long[] d = blackholeDetection(ProbeSettings.defaults(), 200);
        System.out.printf("blackhole detection with extra probes: min %d ms, median %d ms, max %d ms%n",
                d[0] / MS, d[d.length / 2] / MS, d[d.length - 1] / MS);
        assertTrue(d[0] >= 250 * MS && d[d.length - 1] <= 351 * MS, Arrays.toString(d));
    }

    @Test
    void blackhole_withoutExtraProbes_detected300To400ms() {
        long[] d = blackholeDetection(ProbeSettings.defaults().withBursts(false), 200);
        System.out.printf("blackhole detection without extra probes: min %d ms, median %d ms, max %d ms%n",
                d[0] / MS, d[d.length / 2] / MS, d[d.length - 1] / MS);
        assertTrue(d[0] >= 300 * MS && d[d.length - 1] <= 401 * MS, Arrays.toString(d));
    }

    @Test
    void steadyPath_tenProbesPerSecond_noDrift() {
        Simulation s = new Simulation(ProbeSettings.defaults(), SLA, at -> false, at -> 20).run(Duration.ofMillis(59_950));
        assertEquals(600, s.sent);
        assertEquals(PathStatus.UP, s.report.status());
        assertEquals(100, s.report.score());
        assertEquals(20.0, s.report.rttMs(), 1e-9, "the reflector's 50 µs dwell time is not part of the RTT");
    }

    @Test
    void longPath300ms_upFromTheStart_noLoss() {
        SlaClass sat = new SlaClass("satellite", 800, 5, 50);
        Simulation s = new Simulation(ProbeSettings.defaults(), sat, at -> false, at -> 300).run(Duration.ofSeconds(30));
        assertEquals(List.of(PathStatus.UP), s.changes.stream().map(StateChange::to).toList());
        assertEquals(0.0, s.report.lossPct());
    }

    @Test
    void rttStepFrom20To150ms_notDown() {
        SlaClass sla = new SlaClass("default", 400, 10, 200);
        Simulation s = new Simulation(ProbeSettings.defaults(), sla, at -> false, at -> at < 10_000 * MS ? 20 : 150)
                .run(Duration.ofSeconds(30));
        assertEquals(0, s.downs(), s.changes.toString());
        assertEquals(PathStatus.UP, s.report.status());
        assertTrue(s.report.consecutiveLost() == 0);
    }

    @Test
    void neverAnswered_downAfterThreeProbesAndTheInitialTimeout() {
        Simulation s = new Simulation(ProbeSettings.defaults(), SLA, at -> true, at -> 1).run(Duration.ofSeconds(5));
        assertEquals(List.of(PathStatus.DOWN), s.changes.stream().map(StateChange::to).toList());
        assertEquals(2_200 * MS, s.changeNanos.getFirst() - s.start);
    }

    @Test
    void longOutageThenRecovery_upNotDegraded_lossWindowTrimmed() {
        Simulation s = new Simulation(ProbeSettings.defaults(), SLA, at -> at >= 5_000 * MS && at < 25_000 * MS, at -> 10)
                .run(Duration.ofSeconds(28));
        assertEquals(List.of(PathStatus.UP, PathStatus.DOWN, PathStatus.UP), s.changes.stream().map(StateChange::to).toList());
        assertEquals(0.0, s.report.lossPct(), "the outage counted as DOWN, not against the SLA afterwards");
        assertTrue(s.report.reason().startsWith("11 good probes in a row over 1 s and hold-down 1 s elapsed"), s.report.reason());
    }

    @Test
    void shortOutage_lossCountsRegularProbesOnly() {
        // 140 ms: too short for DOWN (the streak would have to span 150 ms)
        Simulation s = new Simulation(ProbeSettings.defaults(), SLA, at -> at >= 10_000 * MS && at < 10_140 * MS, at -> 1)
                .run(Duration.ofSeconds(15));
        assertTrue(s.sent >= 150 + 4, "extra probes went out during the outage: " + s.sent);
        // the regular probes at 10.0 and 10.1 s were lost: 2 of the last 100, whatever the extra ones did
        assertEquals(2.0, s.report.lossPct(), 1e-9);
        assertEquals(PathStatus.UP, s.report.status());
    }

    @Test
    void blackholeOnDownPath_noExtraProbes() {
        Simulation s = new Simulation(ProbeSettings.defaults(), SLA, at -> at >= 5_000 * MS, at -> 1).run(Duration.ofSeconds(65));
        // 50 probes before, a handful of extra ones while it goes down, then the plain 10/s
        assertTrue(s.sent <= 650 + 10, "sent " + s.sent);
    }

    // ---- probe interval and detect multiplier of the path's SLA class -----------------------------------------------

    @Test
    void classProbedEvery50ms_sendsTwiceAsManyProbesAsOneEvery100ms() {
        SlaClass fast = new SlaClass("voice", 150, 10, 30, OptionalInt.of(50), OptionalInt.empty());
        Simulation at50 = new Simulation(ProbeSettings.defaults(), target(Duration.ofMillis(50), 3, fast), at -> false, at -> 20)
                .run(Duration.ofMillis(59_975));
        Simulation at100 = new Simulation(ProbeSettings.defaults(), target(INTERVAL, 3, SLA), at -> false, at -> 20)
                .run(Duration.ofMillis(59_975));

        assertEquals(1200, at50.sent);
        assertEquals(600, at100.sent);
        assertEquals(PathStatus.UP, at50.report.status());
    }

    /** Without extra probes, DOWN comes {@code multiplier} intervals after the first lost probe, give or take an interval. */
    @ParameterizedTest(name = "every {0} ms, {1} lost in a row")
    @CsvSource({"50, 3", "100, 3", "100, 5", "50, 6", "200, 2"})
    void blackholeWithoutExtraProbes_detectedAfterMultiplierTimesInterval(long intervalMs, int multiplier) {
        Duration interval = Duration.ofMillis(intervalMs);
        long[] d = blackholeDetection(ProbeSettings.defaults().withBursts(false), interval, multiplier, 50);

        // The first lost probe goes out within an interval of the blackhole; the last one times out one interval after
        // it is sent (the timeout's floor on a 1 ms path), multiplier - 1 intervals after the first.
        assertTrue(d[0] >= multiplier * intervalMs * MS && d[d.length - 1] <= (multiplier + 1) * intervalMs * MS + MS,
                Arrays.toString(d));
    }

    @Test
    void blackholeWithExtraProbes_classAt50ms_detectedInAboutHalfTheTimeOfOneAt100ms() {
        long[] at50 = blackholeDetection(ProbeSettings.defaults(), Duration.ofMillis(50), 3, 100);
        long[] at100 = blackholeDetection(ProbeSettings.defaults(), INTERVAL, 3, 100);

        double ratio = at50[at50.length / 2] / (double) at100[at100.length / 2];
        assertTrue(ratio > 0.4 && ratio < 0.6, "median " + at50[at50.length / 2] / MS + " ms vs " + at100[at100.length / 2] / MS + " ms");
    }

    @Test
    void classChangedAtRunTime_probesAtTheNewIntervalAndKeepsMeasurementsAndStatus() {
        Simulation s = new Simulation(ProbeSettings.defaults(), target(INTERVAL, 3, SLA), at -> false, at -> 20)
                .run(Duration.ofMillis(29_940));
        PathReport before = s.report;
        assertEquals(300, s.sent);
        assertEquals(PathStatus.UP, before.status());

        SlaClass faster = new SlaClass("default", 150, 10, 30, OptionalInt.of(50), OptionalInt.of(5));
        s.update(target(Duration.ofMillis(50), 5, faster));

        assertEquals(before.sent(), s.report.sent(), "the same probes and replies: nothing measured is reset");
        assertEquals(before.received(), s.report.received());
        assertEquals(before.rttMs(), s.report.rttMs());
        assertEquals(before.since(), s.report.since(), "still UP since the same moment");
        assertEquals(5, s.session.machine().detectMultiplier());

        s.run(Duration.ofMillis(59_940));
        assertEquals(300 + 600, s.sent, "30 s more at 20 probes per second, from 50 ms after the last probe at 100 ms");
        assertEquals(List.of(PathStatus.UP), s.changes.stream().map(StateChange::to).toList(), "no transition on the way");
        assertEquals(before.since(), s.report.since());
    }

    @Test
    void classChangedAtRunTime_downNeedsTheNewMultiplierOfLostProbes() {
        long blackholeAt = 20_000 * MS + 5 * MS; // just after a probe at the new 50 ms cadence
        Simulation s = new Simulation(ProbeSettings.defaults().withBursts(false), target(INTERVAL, 3, SLA),
                at -> at >= blackholeAt, at -> 1).run(Duration.ofSeconds(10));
        s.update(target(Duration.ofMillis(50), 5, new SlaClass("default", 150, 10, 30, OptionalInt.of(50), OptionalInt.of(5))));

        s.run(Duration.ofSeconds(21));

        StateChange down = s.changes.stream().filter(c -> c.to() == PathStatus.DOWN).findFirst().orElseThrow();
        assertTrue(down.reason().startsWith("5 probes lost in a row"), down.reason());
        long detection = s.changeNanos.get(s.changes.indexOf(down)) - s.start - blackholeAt;
        assertTrue(detection >= 250 * MS && detection <= 300 * MS, "5 x 50 ms, was " + detection / MS + " ms");
    }

    @Test
    void intervalShortened_nextProbeOneNewIntervalAfterTheLastOneSent() {
        Simulation s = new Simulation(ProbeSettings.defaults(), target(Duration.ofSeconds(2), 3, SLA), at -> false, at -> 1)
                .run(Duration.ofMillis(10));
        assertEquals(1, s.sent, "the first probe went out at the start; the next is due in 2 s");

        s.update(target(Duration.ofMillis(50), 3, SLA));
        s.run(Duration.ofMillis(60));

        assertEquals(2, s.sent, "due 50 ms after the first, not 2 s");
    }

    @Test
    void maxPending_everyProbeSentWithinTheLongestTimeout() {
        assertEquals(603, PathSession.maxPending(Duration.ofMillis(10)), "2 s / 10 ms regular + 2 s / 5 ms extra + 3");
        assertEquals(103, PathSession.maxPending(Duration.ofMillis(100)), "20 regular + 80 extra (every 25 ms) + 3");
        assertEquals(13, PathSession.maxPending(Duration.ofSeconds(1)));
        assertEquals(8, PathSession.maxPending(Duration.ofHours(1)), "one timeout of an hour: 1 + 4 + 3");
    }

    @Test
    void newPath_ringSizedFromItsInterval() {
        assertEquals(1024, new Simulation(ProbeSettings.defaults(), target(Duration.ofMillis(10), 3, SLA), at -> false, at -> 1)
                .session.estimator().trackedSlots());
        assertEquals(128, new Simulation(ProbeSettings.defaults(), target(INTERVAL, 3, SLA), at -> false, at -> 1)
                .session.estimator().trackedSlots());
        assertEquals(32, new Simulation(ProbeSettings.defaults(), target(Duration.ofSeconds(5), 3, SLA), at -> false, at -> 1)
                .session.estimator().trackedSlots());
    }

    /**
     * 100 ms to 10 ms on a 1.5 s path: 150 probes are soon pending, more than the 128 slots of 100 ms, so the ring
     * must grow when the interval changes or probes answered in time would be pushed out as lost.
     */
    @Test
    void intervalShortenedWithProbesPending_ringGrowsAndNoneIsLost() {
        SlaClass slow = new SlaClass("default", 5_000, 10, 1_000);
        Simulation s = new Simulation(ProbeSettings.defaults(), target(INTERVAL, 3, slow), at -> false, at -> 1_500)
                .run(Duration.ofSeconds(5));
        assertEquals(16, s.session.estimator().estimates().pending(), "sent at 3.5 s to 5 s: answered 1.5 s later");
        s.update(target(Duration.ofMillis(10), 3, slow));
        assertEquals(1024, s.session.estimator().trackedSlots());

        s.run(Duration.ofSeconds(15));

        PathEstimates e = s.session.estimator().estimates();
        assertTrue(e.pending() >= 145 && e.pending() <= 152, "pending " + e.pending());
        assertEquals(0, e.lost(), "replies within the timeout all count");
        assertEquals(e.sent() - e.pending(), e.received());
        assertEquals(PathStatus.UP, s.report.status());
    }

    /**
     * 10 ms to 1 s on a 1.5 s path: the 150 probes pending at 10 ms keep the big ring until they are answered, then
     * it shrinks to what 1 s needs.
     */
    @Test
    void intervalLengthenedWithProbesPending_ringShrinksOnceTheyAreAnswered() {
        SlaClass slow = new SlaClass("default", 5_000, 10, 1_000);
        Simulation s = new Simulation(ProbeSettings.defaults(), target(Duration.ofMillis(10), 3, slow), at -> false,
                at -> 1_500).run(Duration.ofSeconds(5));
        long pending = s.session.estimator().estimates().pending();
        assertTrue(pending >= 145, "pending " + pending);
        s.update(target(Duration.ofSeconds(1), 3, slow));
        assertEquals(1024, s.session.estimator().trackedSlots(), "the probes pending still need it");

        s.run(Duration.ofSeconds(15));

        PathEstimates e = s.session.estimator().estimates();
        assertEquals(32, s.session.estimator().trackedSlots());
        assertEquals(0, e.lost());
        assertEquals(e.sent() - e.pending(), e.received());
        assertEquals(PathStatus.UP, s.report.status());
    }

    /**
     * The loop read two replies 5 s late (it had stalled): the kernel's arrival times decide. The first arrived 20 ms
     * after its probe: on time, RTT 20 ms. The second arrived after its probe's 100 ms timeout: that probe is lost and
     * the reply late, as if the loop had been awake all along. Read without arrival times, both would be on time.
     */
    @Test
    void repliesReadAfterAStall_arrivalTimeDecidesOnTimeOrLate() {
        for (boolean arrivalTimes : new boolean[] {true, false}) {
            FakeProbeClock clock = new FakeProbeClock();
            long t0 = clock.nanos();
            List<PathReport> reports = new ArrayList<>();
            PathSession s = new PathSession(1, target(INTERVAL, 3, SLA), ProbeSettings.defaults(), clock, t0,
                    new PathSession.Sink() {
                        @Override
                        public void report(PathReport r) {
                            reports.add(r);
                        }

                        @Override
                        public void changed(PathReport before, PathReport after) {
                        }
                    });
            List<long[]> probes = new ArrayList<>();
            PathSession.Sender sender = (path, packet) -> {
                probes.add(new long[] {ProbePacket.seq(packet, 0), ProbePacket.t1(packet, 0)});
                return PathSession.SendResult.SENT;
            };
            s.service(t0, sender);
            clock.advance(Duration.ofMillis(100));
            s.service(clock.nanos(), sender);
            assertEquals(2, probes.size());
            clock.advance(Duration.ofSeconds(5)); // the loop thread stalls; the replies wait in the socket

            long[] first = probes.get(0);
            long[] second = probes.get(1);
            PathEstimator.ReplyKind a = s.reply((int) first[0], first[1], 0, 0, arrivalTimes ? first[1] + 20 * MS : clock.nanos(),
                    arrivalTimes);
            PathEstimator.ReplyKind b = s.reply((int) second[0], second[1], 0, 0, arrivalTimes ? second[1] + 150 * MS : clock.nanos(),
                    arrivalTimes);

            PathEstimates e = s.estimator().estimates();
            if (arrivalTimes) {
                assertEquals(PathEstimator.ReplyKind.ON_TIME, a);
                assertEquals(20.0, e.rttP50Ms(), 1e-6, "the true round trip, not the stall");
                assertEquals(PathEstimator.ReplyKind.LATE, b, "arrived 150 ms after its probe: past the 100 ms timeout");
                assertEquals(1, e.lost());
                assertEquals(150.0, e.rttLastMs(), 1e-6);
            } else {
                assertEquals(PathEstimator.ReplyKind.ON_TIME, a);
                assertEquals(PathEstimator.ReplyKind.ON_TIME, b);
                assertEquals(0, e.lost());
                assertTrue(e.rttP50Ms() > 4_000, "read time: the stall counts as round trip");
            }
        }
    }
}
