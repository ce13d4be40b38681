package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * One probed path inside the {@link Prober}: when to send, when a probe is lost, and what the estimator and state
 * machine make of it. Knows nothing of sockets (a {@link Sender} sends) or threads, so that tests can drive it with a
 * fake clock and a simulated network.
 *
 * <h2>Timing</h2>
 * <ul>
 *   <li>Probes go out every interval, on a fixed cadence (a late send does not shift the next).
 *   <li>The timeout after which a probe is lost: {@code 2 x max(RTT p99, newest RTT)}, at least {@code max(interval,
 *   50 ms)} and at most {@code max(interval, 2 s)}; the maximum until the first reply is measured. The newest RTT
 *   (late replies included) lets the timeout follow a sudden rise in latency after one reply instead of after a
 *   window of them.
 *   <li>Bursts: while the path is UP or DEGRADED and the newest probe that should have been answered by now (sent at
 *   least {@code max(5 ms, 1.2 x max(RTT p99, newest RTT) + 2 ms)} ago, capped at the timeout) has no reply, nor has
 *   any later one, an extra probe goes out every {@code max(interval / 4, 5 ms)}. About 1 % of replies come after
 *   that (the p99), each costing one extra probe. Together with the DOWN rule of {@link PathStateMachine} (the lost
 *   streak must span {@code detectMultiplier - 1} intervals less half an interval) this means that at 100 ms a
 *   spurious DOWN needs 7 probes lost in a row instead of 3 on a path of up to about 20 ms RTT (6 at 50 ms, 5 at
 *   75 ms, 4 at 100 ms, 3 from about 150 ms: the extra probes can only start once a reply is overdue), while a
 *   blackhole is detected after {@code 1.5 x interval + timeout} from its first lost probe, 250-350 ms after it
 *   starts on a short path.
 * </ul>
 *
 * <p>Thread-safety: none; owned by the prober's loop thread.
 */
final class PathSession implements Comparable<PathSession> {
    static final long MIN_TIMEOUT_NANOS = Duration.ofMillis(50).toNanos();
    static final long MAX_TIMEOUT_NANOS = Duration.ofSeconds(2).toNanos();
    static final long MIN_SUSPECT_NANOS = Duration.ofMillis(5).toNanos();
    static final long MIN_BURST_NANOS = Duration.ofMillis(5).toNanos();
    private static final long POSTPONE_NANOS = Duration.ofMillis(1).toNanos();

    enum SendResult { SENT, POSTPONED, FAILED }

    /** Puts a probe on the wire. */
    interface Sender {
        SendResult send(PathSession path, byte[] packet);
    }

    /** Where reports and status changes go. */
    interface Sink {
        void report(PathReport report);

        void changed(PathReport before, PathReport after);
    }

    final int session;
    private ProbeTarget target;
    private final ProbeSettings settings;
    private final ProbeClock clock;
    private final PathEstimator estimator;
    private final PathStateMachine machine;
    private final Sink sink;
    private final byte[] packet = new byte[ProbePacket.SIZE];
    private final long[] scratch = new long[1];
    private long nextSendAt;
    private long lastSendAt = Long.MIN_VALUE;
    private PathReport report;

    /** The prober's bindings: the socket this path sends on and the reflector's encoded address. */
    ProbeSocket socket;
    byte[] sockaddr;
    /** When the prober's loop should call {@link #service} next. */
    long wakeAt;
    boolean removed;

    PathSession(int session, ProbeTarget target, ProbeSettings settings, ProbeClock clock, long firstSendAt, Sink sink) {
        this.session = session;
        this.target = target;
        this.settings = settings;
        this.clock = clock;
        this.sink = sink;
        this.estimator = new PathEstimator(settings.lossWindow(), settings.rttWindow(), 1, maxPending(target.interval()));
        this.machine = new PathStateMachine(settings, target.interval(), target.detectMultiplier(), target.sla(), clock);
        this.nextSendAt = firstSendAt;
        this.wakeAt = firstSendAt;
        ProbePacket.request(session, 0, 0, target.colour()).encode(packet, 0);
        this.report = buildReport(estimator.estimates());
        sink.report(report);
    }

    ProbeTarget target() {
        return target;
    }

    PathReport report() {
        return report;
    }

    PathStatus status() {
        return machine.status();
    }

    PathEstimator estimator() {
        return estimator;
    }

    PathStateMachine machine() {
        return machine;
    }

    /**
     * A new interval, detect multiplier or SLA for the same endpoint: measurements, status and sequence numbers are
     * kept. A shorter interval takes effect at once (the next probe is due one new interval after the last one sent),
     * a longer one from the probe already scheduled on. Returns whether the next send moved earlier, in which case
     * the caller must wake this path sooner than it planned.
     */
    boolean update(ProbeTarget t) {
        ProbeTarget old = target;
        target = t;
        machine.update(t.interval(), t.detectMultiplier(), t.sla());
        long before = nextSendAt;
        if (!t.interval().equals(old.interval())) {
            estimator.maxPending(maxPending(t.interval()));
            if (lastSendAt != Long.MIN_VALUE) {
                nextSendAt = Math.min(nextSendAt, lastSendAt + t.interval().toNanos());
            }
        }
        report = buildReport(estimator.estimates());
        sink.report(report);
        return nextSendAt - before < 0;
    }

    /** Declares timed-out probes lost and sends a probe when one is due; returns when to be called next. */
    long service(long now, Sender sender) {
        expire(now);
        boolean postponed = false;
        if (now >= sendDue(now)) {
            postponed = send(sender) == SendResult.POSTPONED;
        }
        long wake = nextWake(now, timeoutNanos());
        return postponed ? Math.min(wake, now + POSTPONE_NANOS) : wake;
    }

    /** The reflector's received count carried by a reply (see {@link PathEstimator#reflectorCount}). */
    void reflectorCount(int wireSeq, long count) {
        estimator.reflectorCount(wireSeq, count);
    }

    private void expire(long now) {
        long timeout = timeoutNanos();
        while (estimator.expireNext(now, timeout) != 0) {
            outcome(ProbeOutcome.LOST);
        }
    }

    /** A reply to one of this path's probes, received at {@code t4}: the moment it was read. */
    PathEstimator.ReplyKind reply(int wireSeq, long t1, long t2, long t3, long t4) {
        return reply(wireSeq, t1, t2, t3, t4, false);
    }

    /**
     * A reply to one of this path's probes, received at {@code t4}. When {@code t4IsArrival} (the kernel's arrival
     * time, however long ago the loop was able to read it), the probes that had timed out before it arrived are
     * declared lost first, so that it counts as on time or late as it would have had the loop read it at once; a
     * reply arriving at its probe's very deadline is on time, as one read in the same wake-up would be.
     */
    PathEstimator.ReplyKind reply(int wireSeq, long t1, long t2, long t3, long t4, boolean t4IsArrival) {
        if (t4IsArrival) {
            expire(t4 - 1);
        }
        PathEstimator.ReplyKind kind = estimator.reply(wireSeq, t1, t2, t3, t4);
        switch (kind) {
            case ON_TIME -> outcome(ProbeOutcome.REPLIED);
            case LATE -> {
                report = buildReport(estimator.estimates());
                sink.report(report);
            }
            default -> {
            }
        }
        return kind;
    }

    private SendResult send(Sender sender) {
        long seq = estimator.nextSeq();
        long t1 = clock.nanos();
        ProbePacket.stampRequest(packet, 0, (int) seq, t1);
        SendResult r = sender.send(this, packet);
        if (r == SendResult.POSTPONED) {
            return r;
        }
        boolean regular = t1 - nextSendAt >= 0;
        if ((regular ? estimator.sent(seq, t1) : estimator.sentExtra(seq, t1)) != 0) {
            outcome(ProbeOutcome.LOST);
        }
        if (regular) {
            nextSendAt += target.interval().toNanos();
            if (nextSendAt <= t1) {
                nextSendAt = t1 + target.interval().toNanos();
            }
        }
        lastSendAt = t1;
        return r;
    }

    private long sendDue(long now) {
        return bursting(now) ? Math.min(nextSendAt, lastSendAt + burstNanos()) : nextSendAt;
    }

    private boolean burstsAllowed() {
        PathStatus s = machine.status();
        return settings.bursts() && (s == PathStatus.UP || s == PathStatus.DEGRADED) && lastSendAt != Long.MIN_VALUE;
    }

    /** True while the newest probe that should have been answered by now is unanswered, and so is every later one. */
    private boolean bursting(long now) {
        long at = suspicionAt();
        return at != Long.MAX_VALUE && at - now <= 0;
    }

    /**
     * When the path becomes suspect: the send time of the oldest probe sent after the highest answered one, plus the
     * suspicion delay ({@code Long.MAX_VALUE} when no probe is outstanding or bursts are off). Equivalent to "the newest
     * probe old enough to have been answered, and every later one, are unanswered".
     */
    private long suspicionAt() {
        if (!burstsAllowed()) {
            return Long.MAX_VALUE;
        }
        long first = Math.max(estimator.highestAnswered() + 1, estimator.nextSeq() - estimator.trackedSlots() + 1);
        if (first >= estimator.nextSeq()) {
            return Long.MAX_VALUE;
        }
        long at = estimator.sentAt(first);
        return at == Long.MIN_VALUE ? Long.MAX_VALUE : at + suspectNanos();
    }

    private long nextWake(long now, long timeout) {
        long wake = sendDue(now);
        if (estimator.oldestPending(scratch)) {
            wake = Math.min(wake, scratch[0] + timeout);
        }
        long suspectAt = suspicionAt();
        if (suspectAt != Long.MAX_VALUE && suspectAt - now > 0) {
            wake = Math.min(wake, suspectAt);
        }
        return wake;
    }

    /**
     * The most probes of a path at {@code interval} that can wait for a reply at once, which its estimator must track
     * (a probe pushed out of its ring early is declared lost early): every probe sent within the longest timeout,
     * {@code max(interval, 2 s)}. Regular probes come one interval apart, extra ones at least a burst interval after
     * the previous probe of either kind, so a window of {@code T} holds at most {@code T / interval + 1} regular probes
     * (plus one sent late that the fixed cadence catches up on) and {@code T / burst + 1} extra ones: 103 at 100 ms,
     * 603 at the 10 ms minimum, 8 from 2 s. Counted with bursts even when they are off, so that the bound holds for
     * any settings.
     */
    static int maxPending(Duration interval) {
        long i = interval.toNanos();
        long window = Math.max(i, MAX_TIMEOUT_NANOS);
        long burst = Math.max(i / 4, MIN_BURST_NANOS);
        return (int) (Math.ceilDiv(window, i) + Math.ceilDiv(window, burst) + 3);
    }

    /** How long a probe may go unanswered before it is lost; see the class comment. */
    long timeoutNanos() {
        long interval = target.interval().toNanos();
        long floor = Math.max(interval, MIN_TIMEOUT_NANOS);
        long ceiling = Math.max(interval, MAX_TIMEOUT_NANOS);
        if (!estimator.hasRtt()) {
            return ceiling; // nothing measured yet: a long path must not look dead before its first reply is back
        }
        double basisMs = Math.max(estimator.rttP99Ms(), estimator.rttLastMs());
        long t = (long) Math.min(2 * basisMs * 1e6, Long.MAX_VALUE / 2.0);
        return Math.max(floor, Math.min(ceiling, t));
    }

    private long suspectNanos() {
        double basisMs = Math.max(estimator.rttP99Ms(), estimator.rttLastMs());
        return Math.min(timeoutNanos(), Math.max(MIN_SUSPECT_NANOS, (long) ((1.2 * basisMs + 2) * 1e6)));
    }

    private long burstNanos() {
        return Math.max(target.interval().toNanos() / 4, MIN_BURST_NANOS);
    }

    private void outcome(ProbeOutcome o) {
        PathReport before = report;
        Optional<StateChange> change = machine.observe(o, estimator.estimates());
        // Coming up for the first time is like coming back from down: probes lost while the tunnel was still being
        // set up (no handshake yet) say nothing about the path's loss once it works.
        if (change.isPresent() && (change.get().from() == PathStatus.DOWN || change.get().from() == PathStatus.UNKNOWN)) {
            estimator.retainLastOutcomes(machine.recoveryStreak());
        }
        report = buildReport(estimator.estimates());
        sink.report(report);
        if (change.isPresent()) {
            sink.changed(before, report);
        }
    }

    private PathReport buildReport(PathEstimates e) {
        PathStatus status = machine.status();
        return new PathReport(target.pathId(), target.colour(), status, HealthScore.score(status, e, target.sla(), settings.minLossSamples()),
                e.rttMs(), e.rttP50Ms(), e.rttP95Ms(), e.rttP99Ms(), e.jitterMs(), e.lossPct(), e.consecutiveLost(),
                e.sent(), e.received(), machine.since(), machine.reason(), machine.holdDown());
    }

    @Override
    public int compareTo(PathSession o) {
        return Long.signum(wakeAt - o.wakeAt); // nanoTime values: compare by difference, as nanoTime's contract asks
    }
}
