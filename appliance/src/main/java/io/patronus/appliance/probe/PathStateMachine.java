package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The status of one path (UNKNOWN, UP, DEGRADED, DOWN), decided probe by probe from its {@link PathEstimates}, with
 * hysteresis everywhere so that neither random loss nor a flapping link drags traffic back and forth.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>DOWN</b> (from any other status): at least {@code detectMultiplier} probes lost in a row (no reply, not even
 *   a late one, to any later probe), the first and last of them sent at least {@code (detectMultiplier - 1) * interval
 *   - interval / 2} apart. With probes every interval that is exactly "3 lost in a row" (BFD's detect multiplier); the
 *   time condition matters when the prober sends extra probes while a reply is overdue (see {@link Prober}): those
 *   must all be lost too, so random loss needs far more losses in a row to fake a DOWN, and a real blackhole is still
 *   detected after about {@code detectMultiplier} intervals plus the probe timeout. Interval and multiplier are the
 *   path's own (those of its SLA class), so a class probed every 50 ms with a multiplier of 3 detects a blackhole in
 *   about half the time of one probed every 100 ms.
 *   <li><b>UNKNOWN -&gt; UP</b> after {@code detectMultiplier} replies in a row (DEGRADED instead if the SLA is missed).
 *   <li><b>UP -&gt; DEGRADED</b> when the SLA is missed: RTT EWMA &gt; {@code maxLatencyMs} (the EWMA, not a percentile:
 *   it follows a change within about 8 probes but ignores single spikes; the p95 is reported alongside), or RFC 3550
 *   jitter &gt; {@code maxJitterMs}, or loss over the window &gt; {@code maxLossPct} once the window holds at least
 *   {@code minLossSamples} probes (with {@link ProbeSettings#lossConfidence()} set: the lower confidence bound of the
 *   loss &gt; {@code maxLossPct}).
 *   <li><b>DEGRADED -&gt; UP</b> after {@code recoveryProbes} good probes in a row spanning at least the hold-down, where
 *   good means answered with every metric at most {@code (1 - recoveryMargin)} of its limit (the hysteresis band:
 *   it leaves above 100 %, comes back at or below 90 %).
 *   <li><b>DOWN -&gt; UP</b> (or DEGRADED if latency or jitter then miss the SLA) after {@code recoveryProbes} replies in a
 *   row spanning at least the hold-down. Loss is not judged at that moment: the outage already counted, and the
 *   prober trims the loss window to the recovery probes (see {@link #recoveryStreak()}).
 * </ul>
 *
 * <h2>Hold-down and flaps</h2>
 * The hold-down is how long a recovering path must have been good, without a single lost or bad probe, before it is
 * UP again. It starts at {@code holdDownBase}; a fall from UP (to DOWN or DEGRADED) within {@code flapWindow} of
 * coming back UP from DOWN or DEGRADED is a flap and doubles it (the first fall after start-up is not a flap), up to {@code holdDownMax}; {@code stableAfter} of uninterrupted UP resets it to
 * the base. A link that flaps faster than the hold-down therefore stays down instead of oscillating.
 *
 * <p>Every transition carries a reason with numbers, e.g. {@code 3 probes lost in a row (seq 1041-1043, sent over 200
 * ms)} or {@code loss 12.0% over the last 100 probes > SLA 10%}.
 *
 * <p>Thread-safety: none; one path is fed by one thread. Time comes from the injected {@link ProbeClock}.
 */
public final class PathStateMachine {
    private final ProbeSettings settings;
    private final ProbeClock clock;
    private Duration interval;
    private int detectMultiplier;
    private SlaClass sla;

    private PathStatus status = PathStatus.UNKNOWN;
    private Instant since;
    private String reason = "no probe answered yet";
    private long holdDownNanos;
    private long upSince;
    private long recoveredAt;
    private boolean everRecovered;
    private int flaps;
    private int good;
    private long goodSince;
    private int recoveryStreak;

    public PathStateMachine(ProbeSettings settings, Duration interval, int detectMultiplier, SlaClass sla, ProbeClock clock) {
        this.settings = settings;
        this.clock = clock;
        this.interval = ProbeTarget.checkInterval(interval);
        this.detectMultiplier = ProbeTarget.checkDetectMultiplier(detectMultiplier);
        this.sla = sla;
        this.since = clock.instant();
        this.holdDownNanos = settings.holdDownBase().toNanos();
    }

    /**
     * Changes the probe interval, detect multiplier and SLA class of a path whose probing continues; status, streaks
     * and hold-down carry over, and the next probe is judged by the new values.
     */
    public void update(Duration interval, int detectMultiplier, SlaClass sla) {
        this.interval = ProbeTarget.checkInterval(interval);
        this.detectMultiplier = ProbeTarget.checkDetectMultiplier(detectMultiplier);
        this.sla = sla;
    }

    /** Probes lost in a row that make this path DOWN (and replies in a row that make a new path UP). */
    public int detectMultiplier() {
        return detectMultiplier;
    }

    public PathStatus status() {
        return status;
    }

    /** When the current status began. */
    public Instant since() {
        return since;
    }

    /** Why the path has its current status. */
    public String reason() {
        return reason;
    }

    /** The current hold-down. */
    public Duration holdDown() {
        return Duration.ofNanos(holdDownNanos);
    }

    /** Flaps counted since the path was added. */
    public int flaps() {
        return flaps;
    }

    /** Good probes in a row towards recovery (replies; for a DEGRADED path, replies within the SLA margin). */
    public int goodStreak() {
        return good;
    }

    /** The number of good probes in a row that ended the last DOWN or DEGRADED period (0 before any). */
    public int recoveryStreak() {
        return recoveryStreak;
    }

    /** Feeds the outcome of one probe and the path's estimates after it; returns the transition it caused, if any. */
    public Optional<StateChange> observe(ProbeOutcome outcome, PathEstimates e) {
        long now = clock.nanos();
        if (status == PathStatus.UP && holdDownNanos > settings.holdDownBase().toNanos()
                && now - upSince >= settings.stableAfter().toNanos()) {
            holdDownNanos = settings.holdDownBase().toNanos();
        }
        if (outcome == ProbeOutcome.LOST && status != PathStatus.DOWN && downRule(e)) {
            return Optional.of(transition(PathStatus.DOWN, now, String.format(Locale.ROOT, "%d probes lost in a row (seq %d-%d, sent over %s)",
                    e.consecutiveLost(), e.lossStreakFirstSeq(), e.lossStreakLastSeq(), human(e.lossStreakSpanNanos()))));
        }
        boolean isGood = outcome == ProbeOutcome.REPLIED
                && (status != PathStatus.DEGRADED || misses(e, settings.recoveryMargin(), true).isEmpty());
        if (isGood) {
            if (good == 0) {
                goodSince = now;
            }
            good++;
        } else {
            good = 0;
        }
        return switch (status) {
            case UNKNOWN -> {
                if (good < detectMultiplier) {
                    yield Optional.empty();
                }
                List<String> m = misses(e, 0, true);
                String replies = good + (good == 1 ? " reply" : " replies") + " in a row";
                yield Optional.of(m.isEmpty() ? transition(PathStatus.UP, now, replies + ", " + metrics(e))
                        : transition(PathStatus.DEGRADED, now, replies + " but " + String.join("; ", m)));
            }
            case UP -> {
                List<String> m = misses(e, 0, true);
                yield m.isEmpty() ? Optional.empty() : Optional.of(transition(PathStatus.DEGRADED, now, String.join("; ", m)));
            }
            case DEGRADED -> recovered(now) ? Optional.of(transition(PathStatus.UP, now, String.format(Locale.ROOT,
                    "SLA %s met again within a %.0f%% margin: %d good probes in a row over %s, hold-down %s elapsed (%s)",
                    sla.name(), settings.recoveryMargin() * 100, good, human(now - goodSince), human(holdDownNanos), metrics(e))))
                    : Optional.empty();
            case DOWN -> {
                if (!recovered(now)) {
                    yield Optional.empty();
                }
                String text = String.format(Locale.ROOT, "%d good probes in a row over %s and hold-down %s elapsed",
                        good, human(now - goodSince), human(holdDownNanos));
                // Loss is judged later, on the probes since recovery; latency and jitter count right away.
                List<String> m = misses(e, settings.recoveryMargin(), false);
                yield Optional.of(m.isEmpty() ? transition(PathStatus.UP, now, text + String.format(Locale.ROOT,
                        " (RTT %.1f ms, jitter %.1f ms)", e.rttMs(), e.jitterMs()))
                        : transition(PathStatus.DEGRADED, now, text + " but " + String.join("; ", m)));
            }
        };
    }

    private boolean downRule(PathEstimates e) {
        if (e.consecutiveLost() < detectMultiplier) {
            return false;
        }
        long i = interval.toNanos();
        return e.lossStreakSpanNanos() >= (detectMultiplier - 1) * i - i / 2;
    }

    private boolean recovered(long now) {
        return good >= settings.recoveryProbes() && now - goodSince >= holdDownNanos;
    }

    private StateChange transition(PathStatus to, long now, String why) {
        PathStatus from = status;
        if (from == PathStatus.UP && (to == PathStatus.DOWN || to == PathStatus.DEGRADED) && everRecovered
                && now - recoveredAt < settings.flapWindow().toNanos()) {
            flaps++;
            long doubled = Math.min(holdDownNanos * 2, settings.holdDownMax().toNanos());
            why += String.format(Locale.ROOT, "; flap %d, %s after coming back up: hold-down %s -> %s", flaps, human(now - recoveredAt),
                    human(holdDownNanos), human(doubled));
            holdDownNanos = doubled;
        }
        if (from == PathStatus.DOWN || from == PathStatus.DEGRADED) {
            recoveryStreak = good;
        }
        if (to == PathStatus.UP) {
            upSince = now;
            if (from != PathStatus.UNKNOWN) {
                recoveredAt = now;
                everRecovered = true;
            }
        }
        status = to;
        since = clock.instant();
        reason = why;
        good = 0;
        return new StateChange(from, to, since, why);
    }

    /** The SLA limits missed, each as a sentence; {@code margin} shrinks the limits (0.1: 90 % of each). */
    private List<String> misses(PathEstimates e, double margin, boolean judgeLoss) {
        List<String> out = new ArrayList<>(3);
        double f = 1 - margin;
        String within = margin == 0 ? "" : String.format(Locale.ROOT, " (%.0f%% of)", f * 100);
        if (e.hasRtt() && e.rttMs() > sla.maxLatencyMs() * f) {
            out.add(String.format(Locale.ROOT, "RTT %.1f ms (EWMA) >%s SLA %s %s ms", e.rttMs(), within, sla.name(), num(sla.maxLatencyMs())));
        }
        if (e.hasRtt() && e.jitterMs() > sla.maxJitterMs() * f) {
            out.add(String.format(Locale.ROOT, "jitter %.1f ms >%s SLA %s %s ms", e.jitterMs(), within, sla.name(), num(sla.maxJitterMs())));
        }
        if (judgeLoss && e.lossSamples() >= settings.minLossSamples() && lossBasis(e, margin) > sla.maxLossPct() * f) {
            String confident = margin == 0 && settings.lossConfidence() > 0
                    ? String.format(Locale.ROOT, " (at least %.1f%% with z = %.2f)", lossBasis(e, margin), settings.lossConfidence()) : "";
            out.add(String.format(Locale.ROOT, "loss %.1f%% over the last %d probes%s >%s SLA %s %s%%", e.lossPct(), e.lossSamples(),
                    confident, within, sla.name(), num(sla.maxLossPct())));
        }
        return out;
    }

    /**
     * The loss compared with the SLA: the window's loss, or when falling (margin 0) with a confidence z-score set,
     * the lower bound of its Wilson score interval, so that a window that is high by chance does not count.
     */
    private double lossBasis(PathEstimates e, double margin) {
        double z = settings.lossConfidence();
        if (margin > 0 || z == 0) {
            return e.lossPct();
        }
        double n = e.lossSamples();
        double p = e.lossPct() / 100;
        double centre = p + z * z / (2 * n);
        double spread = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        return Math.max(0, (centre - spread) / (1 + z * z / n)) * 100;
    }

    private static String metrics(PathEstimates e) {
        return String.format(Locale.ROOT, "RTT %.1f ms, jitter %.1f ms, loss %.1f%%", e.rttMs(), e.jitterMs(), e.lossPct());
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** "200 ms", "1.5 s", "4 s", "2 min". */
    static String human(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        double s = ms / 1000;
        if (s < 120) {
            return s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f s", s);
        }
        return String.format(Locale.ROOT, "%.1f min", s / 60);
    }
}
