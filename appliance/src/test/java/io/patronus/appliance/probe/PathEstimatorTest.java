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
        int slots = e.trackedSlots();
        for (int i = 0; i < slots; i++) {
            assertEquals(0, e.sent(e.nextSeq(), i));
        }
        assertEquals(1, e.sent(e.nextSeq(), slots));
        assertEquals(1, e.estimates().lost());
        assertEquals(slots, e.estimates().pending());
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

    // ---- the compact representations (SiteMemoryBenchmark): ring sized from the bound, 32-bit counts, float RTTs ----

    @Test
    void slotsFor_boundPlusAnEighth_powerOfTwoAtLeast32() {
        assertEquals(32, PathEstimator.slotsFor(1));
        assertEquals(32, PathEstimator.slotsFor(27)); // 27 + 3 + 1 = 31
        assertEquals(64, PathEstimator.slotsFor(29)); // 29 + 3 + 1 = 33
        assertEquals(128, PathEstimator.slotsFor(103)); // 100 ms
        assertEquals(128, PathEstimator.slotsFor(113)); // 113 + 14 + 1 = 128
        assertEquals(256, PathEstimator.slotsFor(114));
        assertEquals(1024, PathEstimator.slotsFor(603)); // 10 ms
        assertEquals(PathEstimator.MAX_TRACKED, PathEstimator.slotsFor(PathEstimator.MAX_PENDING));
    }

    @Test
    void maxPending_outOfRange_rejectedNamingTheValue() {
        for (int bad : new int[] {0, -1, PathEstimator.MAX_PENDING + 1, Integer.MAX_VALUE}) {
            ProbeException e = assertThrows(ProbeException.class, () -> new PathEstimator(100, 100, 1, bad));
            assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
            assertThrows(ProbeException.class, () -> new PathEstimator().maxPending(bad));
        }
    }

    @Test
    void defaultEstimator_tracksTheBoundOfTheDefaultInterval() {
        assertEquals(PathEstimator.slotsFor(PathSession.maxPending(ProbeTarget.DEFAULT_INTERVAL)), new PathEstimator().trackedSlots());
        assertEquals(128, new PathEstimator().trackedSlots());
    }

    @Test
    void maxPending_grownWithProbesPending_ringGrowsAndKeepsThem() {
        PathEstimator e = new PathEstimator(100, 100, 1, 103);
        for (int i = 0; i < 100; i++) {
            e.sent(e.nextSeq(), i * MS);
        }
        e.maxPending(603);
        assertEquals(1024, e.trackedSlots());
        for (int i = 100; i < 700; i++) {
            assertEquals(0, e.sent(e.nextSeq(), i * MS), "nothing pushed out: 700 pending fit 1,024 slots");
        }
        assertEquals(700, e.estimates().pending());
        for (int seq = 1; seq <= 700; seq++) {
            long t1 = (seq - 1) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply(seq, t1, 0, 0, t1 + 30 * MS), "probe " + seq);
        }
        assertEquals(700, e.estimates().received());
        assertEquals(0, e.estimates().lost());
        assertEquals(30.0, e.estimates().rttP99Ms(), 1e-9);
    }

    @Test
    void maxPending_raisedWhileManyArePending_ringHoldsThemAndTheNewBoundThenShrinksToIt() {
        PathEstimator e = new PathEstimator(100, 100, 1, 603);
        for (int i = 0; i < 600; i++) {
            e.sent(e.nextSeq(), i * MS);
        }
        e.maxPending(800); // asks for 1,024 slots, but the 600 pending and 800 new ones can be pending together
        assertEquals(2048, e.trackedSlots());
        for (int i = 600; i < 1400; i++) {
            assertEquals(0, e.sent(e.nextSeq(), i * MS), "nothing pushed out");
        }
        for (int seq = 1; seq <= 1400; seq++) {
            long t1 = (seq - 1) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply(seq, t1, 0, 0, t1 + MS), "probe " + seq);
        }
        e.sent(e.nextSeq(), 1400 * MS);
        assertEquals(1024, e.trackedSlots(), "none pending: the ring the bound asks for");
        assertEquals(0, e.estimates().lost());
    }

    @Test
    void maxPending_loweredWhileManyArePending_keepsTheRingUntilTheyFit() {
        PathEstimator e = new PathEstimator(100, 100, 1, 603);
        for (int i = 0; i < 600; i++) {
            e.sent(e.nextSeq(), i * MS);
        }
        e.maxPending(8); // asks for 32 slots, but 600 are pending
        assertEquals(1024, e.trackedSlots());
        e.sent(e.nextSeq(), 600 * MS);
        assertEquals(1024, e.trackedSlots());
        for (int seq = 1; seq <= 570; seq++) {
            long t1 = (seq - 1) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply(seq, t1, 0, 0, t1 + 5 * MS), "probe " + seq);
        }
        e.sent(e.nextSeq(), 601 * MS);
        assertEquals(1024, e.trackedSlots(), "571-601 pending and 8 more possible do not fit 32 slots");
        for (int seq = 571; seq <= 585; seq++) {
            assertTrue(e.lost(seq));
        }
        e.sent(e.nextSeq(), 602 * MS); // 586-602 pending and 8 more fit 32 slots
        assertEquals(32, e.trackedSlots());
        assertEquals(18, e.estimates().pending());
        for (int seq = 586; seq <= 603; seq++) {
            long t1 = (seq - 1) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply(seq, t1, 0, 0, t1 + 5 * MS), "probe " + seq + " kept");
        }
        assertEquals(PathEstimator.ReplyKind.LATE, e.reply(585, 584 * MS, 0, 0, 700 * MS), "a lost probe still tracked");
        assertEquals(PathEstimator.ReplyKind.UNKNOWN, e.reply(560, 559 * MS, 0, 0, 700 * MS), "older than the ring");
        assertEquals(0, e.estimates().pending());
        assertEquals(588, e.estimates().received());
        assertEquals(15, e.estimates().lost());
    }

    @Test
    void maxPending_shrunkAcrossThe32BitWireWrap_keepsMatchingReplies() {
        long first = (1L << 32) - 300;
        PathEstimator e = new PathEstimator(100, 100, first, 603);
        for (int i = 0; i < 600; i++) {
            e.sent(e.nextSeq(), i * MS);
        }
        for (long seq = first; seq < first + 590; seq++) {
            long t1 = (seq - first) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply((int) seq, t1, 0, 0, t1 + MS));
        }
        e.maxPending(8);
        assertEquals(32, e.trackedSlots());
        for (long seq = first + 590; seq < first + 600; seq++) {
            long t1 = (seq - first) * MS;
            assertEquals(PathEstimator.ReplyKind.ON_TIME, e.reply((int) seq, t1, 0, 0, t1 + MS), "probe " + seq);
        }
        assertEquals(600, e.estimates().received());
    }

    @Test
    void extraProbe_keepsBeingExtraThroughAnswerLossAndResize() {
        PathEstimator e = new PathEstimator(100, 100, 1, 103);
        e.sent(e.nextSeq(), 0);
        e.sentExtra(e.nextSeq(), MS);
        e.sentExtra(e.nextSeq(), 2 * MS);
        e.maxPending(603);
        assertTrue(e.lost(2));
        e.reply(3, 2 * MS, 0, 0, 5 * MS);
        assertTrue(e.lost(1));
        assertEquals(1, e.estimates().lossSamples(), "only the regular probe decides the loss window");
        assertEquals(100.0, e.estimates().lossPct(), 1e-9);
        assertEquals(PathEstimator.ReplyKind.LATE, e.reply(2, MS, 0, 0, 9 * MS));
        assertEquals(1, e.estimates().lossSamples());
    }

    /** The loss window is bits in longs: a window that is not a multiple of 64 slides over the word boundaries. */
    @Test
    void loss_windowOf70_matchesACountOverTheLast70Decisions() {
        PathEstimator e = new PathEstimator(70, 100);
        boolean[] lostAt = new boolean[500];
        for (int i = 0; i < 500; i++) {
            lostAt[i] = i % 3 == 0 || (i / 64) % 2 == 1 && i % 5 == 0;
            long seq = e.nextSeq();
            e.sent(seq, i * MS);
            if (lostAt[i]) {
                e.lost(seq);
            } else {
                e.reply((int) seq, i * MS, 0, 0, i * MS + MS);
            }
            int lost = 0;
            int from = Math.max(0, i - 69);
            for (int k = from; k <= i; k++) {
                lost += lostAt[k] ? 1 : 0;
            }
            assertEquals(100.0 * lost / (i - from + 1), e.estimates().lossPct(), 1e-9, "after probe " + i);
        }
        e.retainLastOutcomes(65);
        int lost = 0;
        for (int k = 435; k < 500; k++) {
            lost += lostAt[k] ? 1 : 0;
        }
        assertEquals(100.0 * lost / 65, e.estimates().lossPct(), 1e-9);
    }

    @Test
    void reflectorCount_nearTheTopOf32Bits_forwardLossExact() {
        PathEstimator e = new PathEstimator(100, 100);
        long count = 0xffff_ffffL - 200;
        for (int i = 0; i < 200; i++) {
            long seq = e.nextSeq();
            e.sent(seq, i * MS);
            if (i % 4 == 0) {
                e.lost(seq); // never reached the reflector: 25% forward loss
                continue;
            }
            count++;
            e.reflectorCount((int) seq, count);
            e.reply((int) seq, i * MS, 0, 0, i * MS + MS);
        }
        assertEquals(0xffff_ffffL - 50, count);
        // 100 samples, i = 67 to 199: 132 probes apart, 99 counted between them
        assertEquals(25.0, e.forwardLossPct(), 1e-9);
        long seq = e.nextSeq();
        e.sent(seq, 200 * MS);
        e.reflectorCount((int) seq, 0xffff_ffffL); // the largest count the wire carries
        assertEquals(0.0, e.forwardLossPct(), 1e-9, "more counted than sent since: no forward loss");
    }

    @Test
    void reflectorCount_wrapsPast32Bits_startsAfreshWithoutNegativeLoss() {
        PathEstimator e = new PathEstimator(100, 100);
        long count = 0xffff_ffffL - 30;
        for (int i = 0; i < 100; i++) {
            long seq = e.nextSeq();
            e.sent(seq, i * MS);
            count = count == 0xffff_ffffL ? 1 : count + 1; // the reflector's field wraps (0 means "not counted")
            e.reflectorCount((int) seq, count);
            e.reply((int) seq, i * MS, 0, 0, i * MS + MS);
        }
        assertEquals(0.0, e.forwardLossPct(), 1e-9, "the samples after the wrap: nothing lost");
    }

    @Test
    void reflectorCount_sequenceCrossesThe32BitWireWrap_forwardLossExact() {
        PathEstimator e = new PathEstimator(100, 100, (1L << 32) - 60, 103);
        long count = 0;
        for (int i = 0; i < 150; i++) {
            long seq = e.nextSeq();
            e.sent(seq, i * MS);
            if (i % 5 == 0) {
                e.lost(seq);
                continue;
            }
            count++;
            e.reflectorCount((int) seq, count);
            e.reply((int) seq, i * MS, 0, 0, i * MS + MS);
        }
        // 100 samples, i = 26 (before the wrap) to 149 (after it): 123 probes apart, 99 counted between them
        assertEquals(100.0 * (1 - 99.0 / 123), e.forwardLossPct(), 1e-9);
    }

    /** Sequence numbers of count samples are kept as 32 bits, so samples 2^31 or more apart cannot be kept together. */
    @Test
    void reflectorCount_samplesMoreThan2To31ProbesApart_olderDropped() {
        long first = (1L << 31) + 100;
        PathEstimator near = new PathEstimator(100, 100, first, 103);
        near.sent(first, 0);
        near.reflectorCount(50, 1);
        near.reflectorCount((int) ((1L << 31) + 49), 2); // 2^31 - 1 probes later: both kept
        assertEquals(100.0 * (1 - 1.0 / Integer.MAX_VALUE), near.forwardLossPct(), 1e-9);

        PathEstimator far = new PathEstimator(100, 100, first, 103);
        far.sent(first, 0);
        far.reflectorCount(50, 1);
        far.reflectorCount((int) ((1L << 31) + 51), 2); // 2^31 + 1 probes later: the older sample goes
        assertEquals(-1, far.forwardLossPct(), "one sample left: too few");
    }

    @Test
    void reflectorCount_outside32Bits_rejected() {
        PathEstimator e = new PathEstimator();
        e.sent(1, 0);
        assertThrows(ProbeException.class, () -> e.reflectorCount(1, 1L << 32));
        assertThrows(ProbeException.class, () -> e.reflectorCount(1, -1));
    }

    @Test
    void percentiles_floatWindow_withinItsPrecisionFromMicrosecondsToAnHour() {
        double[] rttsMs = {0.012345, 123.456789, 3_600_000.0};
        for (double rtt : rttsMs) {
            PathEstimator e = new PathEstimator();
            e.sent(1, 0);
            e.reply(1, 0, 0, 0, (long) (rtt * MS));
            PathEstimates s = e.estimates();
            assertEquals(rtt, s.rttP50Ms(), rtt * 1e-7, "p50 of " + rtt);
            assertEquals(rtt, s.rttP99Ms(), rtt * 1e-7, "p99 of " + rtt);
            assertEquals(rtt, s.rttMs(), 1e-9, "the EWMA stays a double");
        }
    }
}
