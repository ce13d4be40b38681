package io.patronus.appliance.probe;

import java.util.Arrays;

/**
 * The statistics of one path, fed with its probes: which were sent, answered or lost, and the four timestamps of
 * each reply.
 *
 * <ul>
 *   <li>RTT = {@code (t4 - t1) - (t3 - t2)}: the round trip without the reflector's dwell time (t1, t4 on our clock,
 *   t2, t3 on the reflector's, so no synchronised clocks are needed). A reply whose dwell time is negative or longer
 *   than the round trip (a broken reflector) counts with {@code t4 - t1}.
 *   <li>RTT EWMA with alpha 1/8 (the first sample initialises it), and the 50th, 95th and 99th percentiles, nearest
 *   rank, over the last {@code rttWindow} samples (default 100, 10 s at 10 probes/s).
 *   <li>Jitter: the RFC 3550 interarrival-jitter estimator {@code J += (|D| - J) / 16} where D is the difference of
 *   consecutive transit times in order of arrival. Our transit time is the round trip (one-way transit needs no
 *   synchronised clocks for D either, but the round trip is what the sender's traffic sees both ways).
 *   <li>Loss: the share of lost probes among the last {@code lossWindow} decided regular probes (default 100). A
 *   probe is decided when its reply comes in time or when it is declared lost; a reply arriving after that is
 *   "late": its RTT and jitter are used, but the probe stays lost, so it is never counted twice. Extra probes
 *   ({@link #sentExtra}) do not count here.
 *   <li>The loss streak: probes lost in a row with no reply (not even a late one) to any later probe, with the
 *   sequence numbers and send times of its first and last probe, for the DOWN rule of {@link PathStateMachine}.
 * </ul>
 *
 * <p>Probes are identified by a 64-bit sequence number that the sender increments by one per probe; the wire carries
 * its low 32 bits. The newest {@link #trackedSlots()} probes are tracked (a power of two sized from the most probes
 * that can be pending at once, see {@link #maxPending(int)}); a probe still unanswered when that many newer ones were
 * sent is declared lost. A reply is matched only if its sequence number and echoed {@code t1} are those of a probe we
 * sent; others count as unknown and change nothing.
 *
 * <h2>Memory</h2>
 * An appliance keeps one estimator per path, two or more per remote site, so its arrays are most of the heap a site
 * costs (SiteMemoryBenchmark): per tracked probe a send time and a state byte (whether it was an extra probe is a bit
 * of that byte); the reflector's counts as two ints per sample (the count is a 32-bit field on the wire, the sequence
 * number is kept as its low 32 bits and completed from the newest sample); the RTT window as floats (24 bits of
 * mantissa: within 4 ns at 100 ms, far below what the percentiles are used for); the loss window as bits.
 *
 * <p>Thread-safety: none; one path is fed by one thread (the prober's loop). {@link #estimates()} allocates a small
 * immutable snapshot, {@link #maxPending(int)} may allocate new tracking arrays; everything else is allocation-free.
 */
public final class PathEstimator {
    public static final int DEFAULT_LOSS_WINDOW = 100;
    public static final int DEFAULT_RTT_WINDOW = 100;
    /**
     * The bound of pending probes of an estimator not told its path's interval: that of the default 100 ms (128
     * slots). The prober sizes each path's ring from its own interval ({@link PathSession#maxPending}): 1,024 slots at
     * the 10 ms minimum, 32 from 400 ms. Once every path tracked 4,096 probes: 72 KiB per path, nine tenths of the heap
     * an appliance held per remote site; then 256.
     */
    static final int DEFAULT_MAX_PENDING = PathSession.maxPending(ProbeTarget.DEFAULT_INTERVAL);
    /** The fewest slots: a path probed rarely still recognises a late reply for 32 intervals. */
    static final int MIN_TRACKED = 32;
    static final int MAX_TRACKED = 4096;
    /** The largest bound of pending probes {@link #slotsFor} fits in {@value #MAX_TRACKED} slots. */
    static final int MAX_PENDING = 3640;
    // A slot's state; EXTRA is or-ed into PENDING, ANSWERED, LOST and LOST_ANSWERED for an extra probe.
    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte ANSWERED = 2;
    private static final byte LOST = 3;
    private static final byte LOST_ANSWERED = 4;
    private static final byte EXTRA = 8;
    private static final byte KIND = 7;

    /** What a reply turned out to be. */
    public enum ReplyKind {
        /** The first reply to a probe still waiting for it: counted as received. */
        ON_TIME,
        /** A reply to a probe already declared lost: RTT and jitter used, the probe stays lost. */
        LATE,
        /** A second reply to the same probe: ignored. */
        DUPLICATE,
        /** Not a probe of ours in flight (too old, wrong t1): ignored. */
        UNKNOWN
    }

    private final int lossWindow;
    private final int rttWindow;

    private long[] probeSent;
    private byte[] probeState;
    private int mask;
    /** The bound of pending probes the ring is sized for, and the ring size it asks for. */
    private int maxPending;
    private int wantedSlots;
    /** The oldest probe still pending, or {@code next} when none is. */
    private long head;
    private long next;

    /**
     * Replies' (sequence, reflector received count) samples, for the forward/backward split of loss: the sequence
     * number's low 32 bits (completed from {@link #countNewestSeq}, the samples span less than 2^31 probes) and the
     * unsigned 32-bit count.
     */
    private final int[] countSeq;
    private final int[] countVal;
    private long countNewestSeq;
    private int countAt;
    private int countSize;
    /** The loss window, one bit per decided regular probe: set when it was lost. */
    private final long[] outcomes;
    private int outcomeAt;
    private int outcomeCount;
    private int lostInWindow;

    private final float[] rttRing;
    private final float[] rttSorted;
    private int rttAt;
    private int rttCount;
    private double rttEwma;
    private double rttLast;
    private double jitter;
    private boolean haveTransit;

    private long sent;
    private long received;
    private long lost;
    private long late;
    private long duplicates;
    private long unknown;
    private long highestAnswered;
    private int consecutiveLost;
    private long streakFirstSeq;
    private long streakLastSeq;
    private long streakFirstSent;
    private long streakLastSent;

    /** An estimator with the default windows (100 probes for loss, 100 samples for RTT percentiles). */
    public PathEstimator() {
        this(DEFAULT_LOSS_WINDOW, DEFAULT_RTT_WINDOW);
    }

    public PathEstimator(int lossWindow, int rttWindow) {
        this(lossWindow, rttWindow, 1);
    }

    /** Starting at sequence number {@code firstSeq} (tests use it to cross the 32-bit wrap of the wire field). */
    PathEstimator(int lossWindow, int rttWindow, long firstSeq) {
        this(lossWindow, rttWindow, firstSeq, DEFAULT_MAX_PENDING);
    }

    /**
     * An estimator whose ring of tracked probes covers {@code maxPending} probes pending at once (see
     * {@link #maxPending(int)}).
     */
    PathEstimator(int lossWindow, int rttWindow, long firstSeq, int maxPending) {
        if (firstSeq < 1) {
            throw new ProbeException("firstSeq must be at least 1, was " + firstSeq);
        }
        this.head = firstSeq;
        this.next = firstSeq;
        if (lossWindow < 1 || lossWindow > 100_000) {
            throw new ProbeException("lossWindow must be between 1 and 100000 probes, was " + lossWindow);
        }
        if (rttWindow < 1 || rttWindow > 100_000) {
            throw new ProbeException("rttWindow must be between 1 and 100000 samples, was " + rttWindow);
        }
        this.lossWindow = lossWindow;
        this.rttWindow = rttWindow;
        this.outcomes = new long[(lossWindow + 63) / 64];
        this.countSeq = new int[lossWindow];
        this.countVal = new int[lossWindow];
        this.rttRing = new float[rttWindow];
        this.rttSorted = new float[rttWindow];
        this.maxPending = checkMaxPending(maxPending);
        this.wantedSlots = slotsFor(maxPending);
        resize(wantedSlots);
    }

    /**
     * The slots that track {@code maxPending} pending probes: a power of two at least an eighth more (the ring is
     * indexed by the sequence number's low bits, and the margin keeps a late reply recognisable a little longer),
     * and at least {@value #MIN_TRACKED}.
     */
    static int slotsFor(int maxPending) {
        int wanted = Math.max(MIN_TRACKED, maxPending + maxPending / 8 + 1);
        return Integer.highestOneBit(wanted - 1) << 1;
    }

    private static int checkMaxPending(int maxPending) {
        if (maxPending < 1 || maxPending > MAX_PENDING) {
            throw new ProbeException("maxPending must be between 1 and " + MAX_PENDING + " probes (a ring of at most "
                    + MAX_TRACKED + " slots), was " + maxPending);
        }
        return maxPending;
    }

    /** How many of the newest probes are tracked (answered, lost or pending): the ring's size. */
    int trackedSlots() {
        return probeState.length;
    }

    /**
     * Sizes the ring for at most {@code maxPending} probes pending at once from now on (the path's interval changed).
     * No probe still pending is forgotten: if those pending now plus {@code maxPending} new ones do not fit the ring
     * this bound asks for, the ring grows to hold them now (when the bound grew) or keeps its size (when it shrank),
     * and takes the asked size at a later send, once they fit.
     */
    void maxPending(int maxPending) {
        this.maxPending = checkMaxPending(maxPending);
        this.wantedSlots = slotsFor(maxPending);
        long needed = next - head + maxPending;
        if (needed <= wantedSlots) {
            resize(wantedSlots);
        } else if (needed > probeState.length) {
            resize(slotsFor((int) Math.min(needed, MAX_PENDING)));
        }
    }

    /** Moves the newest probes into rings of {@code slots} (a power of two); older ones are no longer tracked. */
    private void resize(int slots) {
        if (probeState != null && probeState.length == slots) {
            return;
        }
        long[] sentAt = new long[slots];
        byte[] state = new byte[slots];
        if (probeState != null) {
            int keep = (int) Math.min(Math.min(slots, probeState.length), next - 1);
            for (long seq = next - keep; seq < next; seq++) {
                sentAt[(int) (seq & (slots - 1))] = probeSent[(int) (seq & mask)];
                state[(int) (seq & (slots - 1))] = probeState[(int) (seq & mask)];
            }
        }
        probeSent = sentAt;
        probeState = state;
        mask = slots - 1;
    }

    /** The sequence number the next probe must carry (the first is 1). */
    public long nextSeq() {
        return next;
    }

    /**
     * Records probe {@code seq} (which must be {@link #nextSeq()}) as sent at {@code t1Nanos}. Returns the sequence
     * number of a probe that had to be declared lost to make room ({@link #trackedSlots()} in flight), or 0.
     */
    public long sent(long seq, long t1Nanos) {
        return sent(seq, t1Nanos, false);
    }

    /**
     * Like {@link #sent(long, long)} for an extra probe, sent between the regular ones while a reply is overdue:
     * it counts for RTT, jitter and the loss streak but not for the loss percentage, which would otherwise
     * over-sample exactly the lossy moments.
     */
    public long sentExtra(long seq, long t1Nanos) {
        return sent(seq, t1Nanos, true);
    }

    private long sent(long seq, long t1Nanos, boolean extra) {
        if (seq != next) {
            throw new ProbeException("probe sequence numbers must follow each other: expected " + next + ", got " + seq);
        }
        if (probeState.length != wantedSlots && next - head + maxPending <= wantedSlots) {
            resize(wantedSlots); // a smaller bound asked for earlier: the probes still pending fit now
        }
        long evicted = 0;
        while (next - head >= probeState.length) {
            int i = (int) (head & mask);
            if (kind(i) == PENDING) {
                evicted = seqAt(i);
                declareLost(i);
            }
            head++;
        }
        int i = (int) (seq & mask);
        probeSent[i] = t1Nanos;
        probeState[i] = extra ? PENDING | EXTRA : PENDING;
        next = seq + 1;
        sent++;
        return evicted;
    }

    /**
     * Records a reply carrying wire sequence number {@code wireSeq} (the low 32 bits), sender time {@code t1},
     * reflector times {@code t2} and {@code t3}, received at {@code t4} (same clock as t1).
     */
    public ReplyKind reply(int wireSeq, long t1, long t2, long t3, long t4) {
        long seq = fullSeq(wireSeq);
        if (seq < 1 || seq >= next || next - seq > probeState.length) {
            unknown++;
            return ReplyKind.UNKNOWN;
        }
        int i = (int) (seq & mask);
        if (kind(i) == FREE || probeSent[i] != t1) {
            unknown++;
            return ReplyKind.UNKNOWN;
        }
        ReplyKind kind = switch (kind(i)) {
            case PENDING -> ReplyKind.ON_TIME;
            case LOST -> ReplyKind.LATE;
            default -> ReplyKind.DUPLICATE;
        };
        if (kind == ReplyKind.DUPLICATE) {
            duplicates++;
            return kind;
        }
        long total = t4 - t1;
        long dwell = t3 - t2;
        long rttNanos = dwell >= 0 && dwell <= total ? total - dwell : total;
        rttSample(Math.max(0, rttNanos) / 1e6);
        highestAnswered = Math.max(highestAnswered, seq);
        if (kind == ReplyKind.ON_TIME) {
            setKind(i, ANSWERED);
            received++;
            if (!extra(i)) {
                outcome(false);
            }
            if (consecutiveLost > 0 && seq > streakLastSeq) {
                consecutiveLost = 0;
            }
        } else {
            setKind(i, LOST_ANSWERED);
            late++;
            // A late reply does not end a loss streak: its probe was lost all the same (the path is too slow for
            // the timeout); only probes sent after it can still join the streak.
        }
        advanceHead();
        return kind;
    }

    /** Declares probe {@code seq} lost (no reply in time); false when it is not waiting for a reply. */
    public boolean lost(long seq) {
        if (seq < head || seq >= next) {
            return false;
        }
        int i = (int) (seq & mask);
        if (kind(i) != PENDING) {
            return false;
        }
        declareLost(i);
        advanceHead();
        return true;
    }

    /**
     * Declares the oldest probe lost if it has waited longer than {@code timeoutNanos} at {@code now}; returns its
     * sequence number, or 0 when no probe has timed out. Probes time out in the order they were sent.
     */
    long expireNext(long now, long timeoutNanos) {
        advanceHead();
        if (head < next) {
            int i = (int) (head & mask);
            if (now - probeSent[i] >= timeoutNanos) {
                long seq = seqAt(i);
                declareLost(i);
                advanceHead();
                return seq;
            }
        }
        return 0;
    }

    /** The send time of the oldest probe in flight, for the next timeout; false in [0] when none is in flight. */
    boolean oldestPending(long[] sentAt) {
        advanceHead();
        if (head < next) {
            sentAt[0] = probeSent[(int) (head & mask)];
            return true;
        }
        return false;
    }

    /** The highest sequence number answered, in time or late (0 before any reply). */
    long highestAnswered() {
        return highestAnswered;
    }

    /** The send time of probe {@code seq} if it is still tracked, else {@code Long.MIN_VALUE}. */
    long sentAt(long seq) {
        if (seq < 1 || seq >= next || next - seq > probeState.length) {
            return Long.MIN_VALUE;
        }
        int i = (int) (seq & mask);
        return kind(i) != FREE ? probeSent[i] : Long.MIN_VALUE;
    }

    /**
     * Keeps only the newest {@code n} decisions in the loss window (used when a path comes back from DOWN, so that
     * the outage it already paid for does not also count against its SLA afterwards).
     */
    public void retainLastOutcomes(int n) {
        int keep = Math.max(0, Math.min(n, outcomeCount));
        boolean[] kept = new boolean[keep];
        for (int k = 0; k < keep; k++) {
            kept[k] = outcomeAt(Math.floorMod(outcomeAt - keep + k, lossWindow));
        }
        Arrays.fill(outcomes, 0);
        outcomeAt = 0;
        outcomeCount = 0;
        lostInWindow = 0;
        for (boolean wasLost : kept) {
            outcome(wasLost);
        }
        // The reflector's counts span the same history: keep only as many of the newest samples, so that the outage
        // does not count against the path's loss (in either direction) once it is back.
        countSize = Math.min(countSize, keep);
    }

    /** Replies that matched no probe in flight. */
    public long unknownReplies() {
        return unknown;
    }

    /** Second replies to a probe. */
    public long duplicateReplies() {
        return duplicates;
    }

    /**
     * Records the reflector's count of requests received, carried by the reply to {@code wireSeq}: the unsigned
     * 32-bit field of the wire, 1 to 2^32 - 1. Over the loss window, (count delta) / (sequence delta) is the share of
     * requests that arrived: the forward direction's loss. A count that goes backwards (the reflector restarted, or
     * its count wrapped) starts the samples afresh. Zero means "not counted".
     */
    public void reflectorCount(int wireSeq, long count) {
        if (count == 0) {
            return;
        }
        if (count < 0 || count > 0xffff_ffffL) {
            throw new ProbeException("reflector count must be an unsigned 32-bit number (the wire field), was " + count);
        }
        long seq = fullSeq(wireSeq);
        if (countSize > 0) {
            int last = Math.floorMod(countAt - 1, countSeq.length);
            if (seq <= countNewestSeq) {
                return; // a late or duplicate reply: the newer sample already covers it
            }
            if (count < Integer.toUnsignedLong(countVal[last])) {
                countSize = 0;
            }
            // Keep the samples within 2^31 probes of the newest, so that 32 bits complete their sequence numbers.
            while (countSize > 0 && seq - countSeqAt(Math.floorMod(countAt - countSize, countSeq.length)) > Integer.MAX_VALUE) {
                countSize--;
            }
        }
        countSeq[countAt] = (int) seq;
        countVal[countAt] = (int) count;
        countNewestSeq = seq;
        countAt = (countAt + 1) % countSeq.length;
        countSize = Math.min(countSize + 1, countSeq.length);
    }

    /** The full sequence number of count sample {@code k}: the one of the newest sample's last 2^32 with its low bits. */
    private long countSeqAt(int k) {
        return countNewestSeq - Integer.toUnsignedLong((int) countNewestSeq - countSeq[k]);
    }

    /** Forward loss in % over the counted samples, or -1 when there are too few. */
    double forwardLossPct() {
        if (countSize < 2) {
            return -1;
        }
        int newest = Math.floorMod(countAt - 1, countSeq.length);
        int oldest = Math.floorMod(countAt - countSize, countSeq.length);
        long sentBetween = countSeqAt(newest) - countSeqAt(oldest);
        long arrived = Integer.toUnsignedLong(countVal[newest]) - Integer.toUnsignedLong(countVal[oldest]);
        if (sentBetween < MIN_FORWARD_SPAN) {
            return -1;
        }
        return Math.max(0, Math.min(100, 100.0 * (1 - (double) arrived / sentBetween)));
    }

    private static final int MIN_FORWARD_SPAN = 20;

    /**
     * The loss of the worse direction. A round trip loses a probe if either direction does: with forward loss f and
     * round-trip loss r, the backward loss is 1 - (1 - r) / (1 - f). Without counts from the reflector, the round-trip
     * loss stands (it over-states a symmetric loss roughly twofold).
     */
    private double directionalLossPct(double roundTripPct) {
        double f = forwardLossPct();
        if (f < 0) {
            return roundTripPct;
        }
        if (f >= 100) {
            return 100;
        }
        double back = 100 * (1 - (1 - roundTripPct / 100) / (1 - f / 100));
        return Math.max(0, Math.min(100, Math.max(f, back)));
    }

    public PathEstimates estimates() {
        return new PathEstimates(sent, received, lost, late, (int) pendingCount(),
                rttCount, rttEwma, rttLast, percentile(0.50), percentile(0.95), percentile(0.99),
                jitter, outcomeCount == 0 ? 0 : directionalLossPct(100.0 * lostInWindow / outcomeCount), outcomeCount,
                consecutiveLost, consecutiveLost == 0 ? 0 : streakFirstSeq, consecutiveLost == 0 ? 0 : streakLastSeq,
                consecutiveLost == 0 ? 0 : streakLastSent - streakFirstSent);
    }

    /** The current RTT 99th percentile in ms (0 without samples), without building a snapshot. */
    double rttP99Ms() {
        return percentile(0.99);
    }

    /** True once a round trip was measured. */
    boolean hasRtt() {
        return haveTransit;
    }

    /** The newest RTT sample in ms (0 without samples). */
    double rttLastMs() {
        return rttLast;
    }

    /** The RTT EWMA in ms (0 without samples). */
    double rttEwmaMs() {
        return rttEwma;
    }

    private long pendingCount() {
        long n = 0;
        for (long s = head; s < next; s++) {
            n += kind((int) (s & mask)) == PENDING ? 1 : 0;
        }
        return n;
    }

    private long fullSeq(int wireSeq) {
        long low = Integer.toUnsignedLong(wireSeq);
        long candidate = ((next - 1) & ~0xffffffffL) | low;
        if (candidate >= next) {
            candidate -= 1L << 32;
        }
        return candidate;
    }

    /**
     * The sequence number of the probe in slot {@code i}, which is not {@code FREE}. No array holds it: slot
     * {@code seq & mask} is written at every send and numbers are consecutive, so a used slot always holds the one
     * number of the last {@link #trackedSlots()} sent that falls on it (a resize moves each probe to its new slot).
     */
    private long seqAt(int i) {
        return next - 1 - ((next - 1 - i) & mask);
    }

    private int kind(int i) {
        return probeState[i] & KIND;
    }

    private boolean extra(int i) {
        return (probeState[i] & EXTRA) != 0;
    }

    private void setKind(int i, byte kind) {
        probeState[i] = (byte) ((probeState[i] & EXTRA) | kind);
    }

    private void declareLost(int i) {
        setKind(i, LOST);
        lost++;
        if (!extra(i)) {
            outcome(true);
        }
        long seq = seqAt(i);
        if (seq > highestAnswered) {
            if (consecutiveLost == 0) {
                streakFirstSeq = seq;
                streakFirstSent = probeSent[i];
            }
            consecutiveLost++;
            streakLastSeq = seq;
            streakLastSent = probeSent[i];
        }
    }

    private void advanceHead() {
        while (head < next && kind((int) (head & mask)) != PENDING) {
            head++;
        }
    }

    private void outcome(boolean wasLost) {
        if (outcomeCount == lossWindow) {
            if (outcomeAt(outcomeAt)) {
                lostInWindow--;
            }
        } else {
            outcomeCount++;
        }
        if (wasLost) {
            outcomes[outcomeAt >>> 6] |= 1L << outcomeAt;
            lostInWindow++;
        } else {
            outcomes[outcomeAt >>> 6] &= ~(1L << outcomeAt);
        }
        outcomeAt = (outcomeAt + 1) % lossWindow;
    }

    /** Whether the decision in slot {@code k} of the loss window was a loss. */
    private boolean outcomeAt(int k) {
        return (outcomes[k >>> 6] & 1L << k) != 0;
    }

    private void rttSample(double ms) {
        if (haveTransit) {
            rttEwma += (ms - rttEwma) / 8;
            jitter += (Math.abs(ms - rttLast) - jitter) / 16;
        } else {
            rttEwma = ms;
        }
        haveTransit = true;
        rttLast = ms;
        if (rttCount == rttWindow) {
            removeSorted(rttRing[rttAt]);
        } else {
            rttCount++;
        }
        float sample = (float) ms;
        rttRing[rttAt] = sample;
        rttAt = (rttAt + 1) % rttWindow;
        insertSorted(sample);
    }

    private void removeSorted(float v) {
        int n = rttCount;
        int i = Arrays.binarySearch(rttSorted, 0, n, v);
        System.arraycopy(rttSorted, i + 1, rttSorted, i, n - i - 1);
    }

    private void insertSorted(float v) {
        int n = rttCount - 1; // elements present before this one
        int i = Arrays.binarySearch(rttSorted, 0, n, v);
        if (i < 0) {
            i = -i - 1;
        }
        System.arraycopy(rttSorted, i, rttSorted, i + 1, n - i);
        rttSorted[i] = v;
    }

    private double percentile(double p) {
        if (rttCount == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * rttCount);
        return rttSorted[Math.max(0, Math.min(rttCount, rank) - 1)];
    }
}
