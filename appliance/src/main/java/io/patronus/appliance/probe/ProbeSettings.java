package io.patronus.appliance.probe;

import java.time.Duration;

/**
 * How paths are judged; the same for every path of a {@link Prober} (the probe interval, the detect multiplier and the
 * SLA are per path, in {@link ProbeTarget}, because each path follows the SLA class it is judged against).
 *
 * @param recoveryProbes   good probes in a row a DOWN or DEGRADED path needs before it is UP again; default 10
 * @param holdDownBase     the shortest time a recovering path must stay good before it is UP again; default 1 s
 * @param holdDownMax      the cap of the hold-down, which doubles on every flap; default 60 s
 * @param flapWindow       a fall from UP within this time of coming back UP (from DOWN or DEGRADED) is a flap; default 60 s
 * @param stableAfter      a path UP this long gets its hold-down reset to the base; default 5 min
 * @param lossWindow       probes the loss percentage is measured over; default 100
 * @param rttWindow        RTT samples the percentiles are taken over; default 100
 * @param minLossSamples   decided probes needed before loss can break the SLA; default 20
 * @param recoveryMargin   a DEGRADED path is good again only with every metric at most (1 - margin) of its SLA limit;
 *                         default 0.1
 * @param lossConfidence   0 (default): loss misses the SLA when the window's loss exceeds the limit. A z-score such as
 *                         1.645 instead requires the lower bound of the loss's Wilson confidence interval (one-sided,
 *                         95 % for 1.645) to exceed it: fewer false DEGRADED on a noisy window, slower on small misses
 * @param bursts           send extra probes (every interval / 4) while a reply is overdue, so that DOWN needs all of
 *                         them lost too; default true
 * @param maxProbesPerSecond the most probes the prober sends per second, all paths together; default 50,000
 */
public record ProbeSettings(int recoveryProbes, Duration holdDownBase, Duration holdDownMax,
                            Duration flapWindow, Duration stableAfter, int lossWindow, int rttWindow, int minLossSamples,
                            double recoveryMargin, double lossConfidence, boolean bursts, int maxProbesPerSecond) {
    public ProbeSettings {
        range("recoveryProbes", recoveryProbes, 1, 10_000);
        positive("holdDownBase", holdDownBase);
        positive("holdDownMax", holdDownMax);
        if (holdDownMax.compareTo(holdDownBase) < 0) {
            throw new ProbeException("holdDownMax (" + holdDownMax + ") must not be shorter than holdDownBase (" + holdDownBase + ")");
        }
        positive("flapWindow", flapWindow);
        positive("stableAfter", stableAfter);
        range("lossWindow", lossWindow, 1, 100_000);
        range("rttWindow", rttWindow, 1, 100_000);
        range("minLossSamples", minLossSamples, 1, lossWindow);
        if (!(recoveryMargin >= 0 && recoveryMargin < 1)) {
            throw new ProbeException("recoveryMargin must be at least 0 and below 1, was " + recoveryMargin);
        }
        if (!(lossConfidence >= 0 && lossConfidence <= 5)) {
            throw new ProbeException("lossConfidence must be a z-score between 0 and 5, was " + lossConfidence);
        }
        range("maxProbesPerSecond", maxProbesPerSecond, 1, 1_000_000);
    }

    /** All but {@code lossConfidence}, which is 0 (the window's loss against the limit). */
    public ProbeSettings(int recoveryProbes, Duration holdDownBase, Duration holdDownMax,
                         Duration flapWindow, Duration stableAfter, int lossWindow, int rttWindow, int minLossSamples,
                         double recoveryMargin, boolean bursts, int maxProbesPerSecond) {
        this(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter, lossWindow, rttWindow,
                minLossSamples, recoveryMargin, 0, bursts, maxProbesPerSecond);
    }

    /** The defaults listed on the record. */
    public static ProbeSettings defaults() {
        return new ProbeSettings(10, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofMinutes(5), 100, 100, 20, 0.1, 0, true, 50_000);
    }

    public ProbeSettings withRecoveryProbes(int recoveryProbes) {
        return new ProbeSettings(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    public ProbeSettings withHoldDown(Duration base, Duration max) {
        return new ProbeSettings(recoveryProbes, base, max, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    public ProbeSettings withLossConfidence(double lossConfidence) {
        return new ProbeSettings(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    public ProbeSettings withLossWindow(int lossWindow) {
        return new ProbeSettings(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    public ProbeSettings withBursts(boolean bursts) {
        return new ProbeSettings(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    public ProbeSettings withMaxProbesPerSecond(int maxProbesPerSecond) {
        return new ProbeSettings(recoveryProbes, holdDownBase, holdDownMax, flapWindow, stableAfter,
                lossWindow, rttWindow, minLossSamples, recoveryMargin, lossConfidence, bursts, maxProbesPerSecond);
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ProbeException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ProbeException(name + " must be a positive duration, was " + d);
        }
    }
}
