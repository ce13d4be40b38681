package io.patronus.appliance.probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator's arithmetic on known sequences. Times in the tests are nanoseconds; RTTs come out in ms. */
class PathEstimatorTest {
    private static final long MS = 1_000_000;

    /** Sends the next probe at {@code t1} and answers it with round trip {@code rttMs} and reflector dwell {@code dwellMs}. */
    private static PathEstimator.ReplyKind probe(PathEstimator e, long t1, double rttMs, double dwellMs) {
        long seq = e.nextSeq();
        e.sent(seq, t1);
        long t2 = 5_000_000_000L + t1; // the reflector's clock has another origin
        long t3 = t2 + (long) (dwellMs * MS);
        long t4 = t1 + (long) ((rttMs + dwellMs) * MS);
        return e.reply((int) seq, t1, t2, t3, t4);
    }

    @Test
    void rtt_excludesReflectorDwellTime() {
        PathEstimator e = new PathEstimator();
        assertEquals(PathEstimator.ReplyKind.ON_TIME, probe(e, 0, 20, 3));
        assertEquals(20.0, e.estimates().rttMs(), 1e-9);
        assertEquals(20.0, e.estimates().rttLastMs(), 1e-9);
    }

    @Test
    void rtt_brokenReflectorDwellLongerThanRoundTrip_usesWholeRoundTrip() {
        PathEstimator e = new PathEstimator();
        e.sent(1, 0);
        e.reply(1, 0, 100, 100 + 50 * MS, 10 * MS);
        assertEquals(10.0, e.estimates().rttMs(), 1e-9);
    }

    @Test
    void ewma_alphaOneEighth_knownSequence() {
        PathEstimator e = new PathEstimator();
        probe(e, 0, 10, 0);
        probe(e, 100 * MS, 18, 0);
        // 10 + (18 - 10) / 8 = 11
        assertEquals(11.0, e.estimates().rttMs(), 1e-9);
        probe(e, 200 * MS, 3, 0);
        // 11 + (3 - 11) / 8 = 10
        assertEquals(10.0, e.estimates().rttMs(), 1e-9);
    }

    @Test
    void jitter_rfc3550Estimator_knownSequence() {
        PathEstimator e = new PathEstimator();
        double[] rtts = {10, 12, 10, 14, 14};
        for (int i = 0; i < rtts.length; i++) {
            probe(e, i * 100 * MS, rtts[i], 1);
        }
        // J = 0; D = 2 -> J = 2/16 = 0.125; D = 2 -> J = 0.125 + 1.875/16 = 0.2421875;
        // D = 4 -> J = 0.2421875 + 3.7578125/16 = 0.477050781; D = 0 -> J = 0.477050781 * 15/16 = 0.447235107
        assertEquals(0.447235107421875, e.estimates().jitterMs(), 1e-9);
    }

    @Test
    void percentiles_nearestRankOverWindow() {
        PathEstimator e = new PathEstimator(100, 100);
        // 1..100 ms in scrambled order
        for (int i = 0; i < 100; i++) {
            probe(e, i * 10 * MS, (i * 37) % 100 + 1, 0);
        }
        PathEstimates s = e.estimates();
        assertEquals(100, s.rttSamples());
        assertEquals(50.0, s.rttP50Ms(), 1e-9);
        assertEquals(95.0, s.rttP95Ms(), 1e-9);
        assertEquals(99.0, s.rttP99Ms(), 1e-9);
    }

    @Test
    void percentiles_windowForgetsOldestSamples() {
        PathEstimator e = new PathEstimator(100, 10);
        for (int i = 0; i < 10; i++) {
            probe(e, i * MS, 500, 0);
        }
        for (int i = 0; i < 10; i++) {
            probe(e, (100 + i) * MS, 1 + i, 0);
        }
        PathEstimates s = e.estimates();
        assertEquals(10, s.rttSamples());
        assertEquals(10.0, s.rttP99Ms(), 1e-9);
        assertEquals(5.0, s.rttP50Ms(), 1e-9);
    }

    @Test
    void loss_slidingWindowOfLastDecidedProbes() {
        PathEstimator e = new PathEstimator(10, 100);
        for (int i = 0; i < 10; i++) {
            long seq = e.nextSeq();
            e.sent(seq, i * MS);
            if (i < 3) {
                assertTrue(e.lost(seq));
            } else {
                e.reply((int) seq, i * MS, 0, 0, i * MS + MS);
            }
        }
        assertEquals(30.0, e.estimates().lossPct(), 1e-9);
        for (int i = 10; i < 13; i++) {
            probe(e, i * MS, 1, 0);
        }
        // the three losses slid out of the window of 10
        assertEquals(0.0, e.estimates().lossPct(), 1e-9);
        assertEquals(10, e.estimates().lossSamples());
        assertEquals(3, e.estimates().lost());
    }

    @Test
    void lateReply_keepsProbeLostAndUsesItsRtt() {
        PathEstimator e = new PathEstimator();
        e.sent(1, 0);
        assertEquals(1, e.expireNext(200 * MS, 100 * MS));
        assertEquals(PathEstimator.ReplyKind.LATE, e.reply(1, 0, 0, 0, 250 * MS));
        PathEstimates s = e.estimates();
        assertEquals(1, s.lost());
        assertEquals(0, s.received());
        assertEquals(1, s.late());
        assertEquals(100.0, s.lossPct(), 1e-9);
        assertEquals(1, s.lossSamples());
        assertEquals(250.0, s.rttLastMs(), 1e-9);
        assertEquals(PathEstimator.ReplyKind.DUPLICATE, e.reply(1, 0, 0, 0, 260 * MS));
        assertEquals(1, e.estimates().late());
    }

    @Test
    void reply_duplicateOrForeign_changesNothing() {
        PathEstimator e = new PathEstimator();
        probe(e, 0, 5, 0);
        assertEquals(PathEstimator.ReplyKind.DUPLICATE, e.reply(1, 0, 0, 0, 9 * MS));
        e.sent(2, 100 * MS);
        assertEquals(PathEstimator.ReplyKind.UNKNOWN, e.reply(2, 99 * MS, 0, 0, 101 * MS), "wrong echoed t1");
        assertEquals(PathEstimator.ReplyKind.UNKNOWN, e.reply(3, 100 * MS, 0, 0, 101 * MS), "never sent");
        assertEquals(PathEstimator.ReplyKind.UNKNOWN, e.reply(-5, 100 * MS, 0, 0, 101 * MS), "far in the past");
        PathEstimates s = e.estimates();
        assertEquals(1, s.received());
        assertEquals(1, s.pending());
        assertEquals(1, s.rttSamples());
        assertEquals(3, e.unknownReplies());
        assertEquals(1, e.duplicateReplies());
    }

    @Test
    void extraProbes_countForStreakButNotForLossPercentage() {
        PathEstimator e = new PathEstimator();
        probe(e, 0, 1, 0);
        e.sent(2, 100 * MS);
        e.sentExtra(3, 125 * MS);
        e.sentExtra(4, 150 * MS);
        assertTrue(e.lost(2));
        assertTrue(e.lost(3));
        assertTrue(e.lost(4));
        PathEstimates s = e.estimates();
        assertEquals(3, s.consecutiveLost());
        assertEquals(3, s.lost());
        assertEquals(2, s.lossSamples());
        assertEquals(50.0, s.lossPct(), 1e-9);
        e.sentExtra(5, 175 * MS);
        e.reply(5, 175 * MS, 0, 0, 176 * MS);
        assertEquals(0, e.estimates().consecutiveLost());
        assertEquals(2, e.estimates().lossSamples());
        assertEquals(2, e.estimates().received());
    }

    @Test
    void sent_outOfOrderSequence_rejected() {
        PathEstimator e = new PathEstimator();
        assertThrows(ProbeException.class, () -> e.sent(2, 0));
    }

    @Test
    void seq_crossesThe32BitWireWrap() {
        PathEstimator e = new PathEstimator(100, 100, 0xffff_fffeL);
        for (int i = 0; i < 4; i++) {
            assertEquals(PathEstimator.ReplyKind.ON_TIME, probe(e, i * MS, 1, 0), "probe " + i);
        }
        assertEquals(0x1_0000_0002L, e.nextSeq());
        assertEquals(4, e.estimates().received());
    }

    @Test
    void consecutiveLost_streakWithSequenceNumbersAndSpan() {
        PathEstimator e = new PathEstimator();
        probe(e, 0, 1, 0);
        for (int i = 1; i <= 3; i++) {
            e.sent(e.nextSeq(), i * 100 * MS);
        }
        long now = 1000 * MS;
        while (e.expireNext(now, 100 * MS) != 0) {
            // expire all three
        }
        PathEstimates s = e.estimates();
        assertEquals(3, s.consecutiveLost());
        assertEquals(2, s.lossStreakFirstSeq());
        assertEquals(4, s.lossStreakLastSeq());
        assertEquals(200 * MS, s.lossStreakSpanNanos());
        probe(e, 1100 * MS, 1, 0);
        assertEquals(0, e.estimates().consecutiveLost());
    }

    @Test
    void consecutiveLost_probeOlderThanAnAnsweredOne_startsNoStreak() {
        PathEstimator e = new PathEstimator();
        e.sent(1, 0);
        e.sent(2, 10 * MS);
        e.reply(2, 10 * MS, 0, 0, 12 * MS);
        assertTrue(e.lost(1));
        assertEquals(0, e.estimates().consecutiveLost());
        assertEquals(50.0, e.estimates().lossPct(), 1e-9);
    }

    @Test
    void consecutiveLost_lateReplyDoesNotEndStreak() {
        PathEstimator e = new PathEstimator();
        e.sent(1, 0);
        e.sent(2, 100 * MS);
        assertTrue(e.lost(1));
        assertTrue(e.lost(2));
        e.reply(2, 100 * MS, 0, 0, 450 * MS);
        assertEquals(2, e.estimates().consecutiveLost());
        e.sent(3, 200 * MS);
        assertTrue(e.lost(3));
        assertEquals(3, e.estimates().consecutiveLost());
    }

    @Test
    void lost_unknownOrDecidedProbe_returnsFalse() {
        PathEstimator e = new PathEstimator();
        assertFalse(e.lost(1));
        probe(e, 0, 1, 0);
        assertFalse(e.lost(1));
    }

    @Test
    void retainLastOutcomes_keepsOnlyNewestDecisions() {
        PathEstimator e = new PathEstimator(100, 100);
        for (int i = 0; i < 50; i++) {
            e.sent(e.nextSeq(), i * MS);
            e.lost(e.nextSeq() - 1);
        }
        for (int i = 50; i < 60; i++) {
            probe(e, i * MS, 1, 0);
        }
        assertEquals(50 * 100.0 / 60, e.estimates().lossPct(), 1e-9);
        e.retainLastOutcomes(10);
        assertEquals(0.0, e.estimates().lossPct(), 1e-9);
        assertEquals(10, e.estimates().lossSamples());
        assertEquals(50, e.estimates().lost(), "counters are history and stay");
    }

    @Test
    void sent_tooManyInFlight_oldestDeclaredLost() {
        PathEstimator e = new PathEstimator();
        for (int i = 0; i < PathEstimator.MAX_IN_FLIGHT; i++) {
            assertEquals(0, e.sent(e.nextSeq(), i));
        }
        assertEquals(1, e.sent(e.nextSeq(), PathEstimator.MAX_IN_FLIGHT));
        assertEquals(1, e.estimates().lost());
        assertEquals(PathEstimator.MAX_IN_FLIGHT, e.estimates().pending());
    }

    /** 5% loss each way loses about 9.75% of round trips; the reflector's counts split it back into 5% per direction. */
    @Test
    void loss_symmetricFivePercent_reportedPerDirectionNotRoundTrip() {
        PathEstimator withCounts = new PathEstimator(300, 100);
        PathEstimator without = new PathEstimator(300, 100);
        java.util.Random r = new java.util.Random(42);
        long arrivedAtReflector = 0;
        for (int i = 0; i < 3000; i++) {
            long t1 = i * 100 * MS;
            boolean forward = r.nextDouble() >= 0.05;
            boolean back = r.nextDouble() >= 0.05;
            for (PathEstimator e : new PathEstimator[] {withCounts, without}) {
                long seq = e.nextSeq();
                e.sent(seq, t1);
                if (forward && back) {
                    if (e == withCounts) {
                        e.reflectorCount((int) seq, arrivedAtReflector + 1);
                    }
                    e.reply((int) seq, t1, t1, t1, t1 + MS);
                } else {
                    e.lost(seq);
                }
            }
            if (forward) {
                arrivedAtReflector++;
            }
        }
        double oneWay = withCounts.estimates().lossPct();
        double roundTrip = without.estimates().lossPct();
        assertTrue(oneWay > 2.5 && oneWay < 8, "per-direction loss " + oneWay);
        assertTrue(roundTrip > 6.5, "round-trip loss " + roundTrip);
    }

    @Test
    void loss_forwardOnly_attributedToTheWorseDirection() {
        PathEstimator e = new PathEstimator(200, 100);
        long arrived = 0;
        for (int i = 0; i < 1000; i++) {
            long t1 = i * 100 * MS;
            long seq = e.nextSeq();
            e.sent(seq, t1);
            if (i % 5 == 0) {
                e.lost(seq); // every fifth request never reaches the reflector: 20% forward loss, none back
                continue;
            }
            arrived++;
            e.reflectorCount((int) seq, arrived);
            e.reply((int) seq, t1, t1, t1, t1 + MS);
        }
        assertEquals(20.0, e.estimates().lossPct(), 1.0);
    }

    @Test
    void retainLastOutcomes_alsoForgetsOldReflectorCounts() {
        PathEstimator e = new PathEstimator(100, 100);
        long arrived = 0;
        for (int i = 0; i < 200; i++) {
            long seq = e.nextSeq();
            e.sent(seq, i * 100 * MS);
            if (i < 100 && i % 2 == 0) {
                e.lost(seq); // an old bad spell: half the requests never arrived
                continue;
            }
            arrived++;
            e.reflectorCount((int) seq, arrived);
            e.reply((int) seq, i * 100 * MS, 0, 0, i * 100 * MS + MS);
        }
        e.retainLastOutcomes(30);
        assertEquals(0.0, e.estimates().lossPct(), 1e-9, "only the last 30 (clean) probes count");
    }
}
