package io.patronus.appliance.failover;

import io.patronus.model.Link;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decision rules, as pure functions of the paths' health, so that every combination can be tested.
 *
 * <p>A route policy uses its primary colour while that path is usable with a score at or above the policy's
 * threshold, else its backup if that is healthy by the same measure, else the best usable path (highest score,
 * then link priority; traffic already on a usable path stays there unless the best is {@link #BEST_AVAILABLE_MARGIN}
 * points better). Default traffic prefers the best-priority link whose path is healthy against
 * {@link #DEFAULT_THRESHOLD}, else the best usable path. Moving back to the preferred colour (failback) waits until
 * it has been healthy for the hold time, measured from the start of its current state, so a path that just came back
 * does not pull traffic at once; moving away from a failing colour never waits.
 */
public final class FailoverRules {
    /** The score default traffic wants from its preferred link before using it. */
    public static final int DEFAULT_THRESHOLD = 50;
    /**
     * How long a preferred path that has not been measured yet (tunnel still handshaking after a start) keeps its
     * traffic: not being measured is not a failure, and moving away would mean a failback hold later.
     */
    public static final Duration STARTUP_GRACE = Duration.ofSeconds(10);
    /** How much better (in score points) another unhealthy path must be before traffic leaves the unhealthy one it is on. */
    public static final int BEST_AVAILABLE_MARGIN = 10;

    private FailoverRules() {
    }

    /**
     * Chooses for a route policy.
     *
     * @param current the colour in use now, if any (for failback hold)
     */
    public static Choice route(String primary, String backup, int threshold, Map<String, PathHealth> paths, List<Link> links,
                               Optional<String> current, Duration hold, Instant now) {
        PathHealth p = paths.get(primary);
        PathHealth b = paths.get(backup);
        if (p != null && notMeasuredYet(p, now) && current.map(primary::equals).orElse(true)) {
            return new Choice(primary, Choice.Cause.PRIMARY, "primary " + primary + " is not measured yet; keeping it for up to "
                    + seconds(STARTUP_GRACE));
        }
        if (p != null && p.healthy(threshold)) {
            if (current.isPresent() && !current.get().equals(primary) && heldFor(p, now).compareTo(hold) < 0) {
                PathHealth cur = paths.get(current.get());
                if (cur != null && cur.usable()) {
                    return new Choice(current.get(), Choice.Cause.HOLD, "primary " + primary + " is healthy again (" + p.describe()
                            + ") but only for " + seconds(heldFor(p, now)) + " of the " + seconds(hold) + " failback hold; staying on "
                            + current.get());
                }
            }
            return new Choice(primary, Choice.Cause.PRIMARY, "primary " + primary + " " + p.describe() + " >= threshold " + threshold);
        }
        String whyNotPrimary = "primary " + primary + " " + (p == null ? "has no path to this site" : p.describe()
                + (p.usable() ? " < threshold " + threshold : ""));
        if (b != null && b.healthy(threshold)) {
            return new Choice(backup, Choice.Cause.BACKUP, whyNotPrimary + "; backup " + backup + " " + b.describe());
        }
        String whyNotBackup = "backup " + backup + " " + (b == null ? "has no path to this site" : b.describe());
        return bestOrCurrent(paths, links, current).map(c -> new Choice(c.colour(), Choice.Cause.BEST_AVAILABLE, whyNotPrimary
                        + "; " + whyNotBackup + "; " + c.why()))
                .orElseGet(() -> new Choice(primary, Choice.Cause.NO_USABLE_PATH, whyNotPrimary + "; " + whyNotBackup
                        + "; no usable path at all, keeping the primary"));
    }

    /** Chooses for default traffic (no policy): the best-priority healthy link, else the best usable path. */
    public static Choice defaultTraffic(Map<String, PathHealth> paths, List<Link> links, Optional<String> current, Duration hold,
                                        Instant now) {
        List<Link> byPriority = links.stream().filter(l -> paths.containsKey(l.colour()))
                .sorted(Comparator.comparingInt(Link::priority)).toList();
        if (byPriority.isEmpty()) {
            return new Choice("", Choice.Cause.NO_USABLE_PATH, "no link reaches this site");
        }
        Link preferred = byPriority.getFirst();
        PathHealth ph = paths.get(preferred.colour());
        if (notMeasuredYet(ph, now) && current.map(preferred.colour()::equals).orElse(true)) {
            return new Choice(preferred.colour(), Choice.Cause.PRIMARY, preferred.colour() + " is not measured yet; keeping it for up to "
                    + seconds(STARTUP_GRACE));
        }
        for (Link l : byPriority) {
            PathHealth h = paths.get(l.colour());
            if (h.healthy(DEFAULT_THRESHOLD)) {
                if (current.isPresent() && !current.get().equals(l.colour()) && isBetterPriority(l, current.get(), links)
                        && heldFor(h, now).compareTo(hold) < 0) {
                    PathHealth cur = paths.get(current.get());
                    if (cur != null && cur.healthy(DEFAULT_THRESHOLD)) {
                        return new Choice(current.get(), Choice.Cause.HOLD, l.colour() + " is healthy again (" + h.describe()
                                + ") but only for " + seconds(heldFor(h, now)) + " of the " + seconds(hold)
                                + " failback hold; staying on " + current.get());
                    }
                }
                Choice.Cause cause = l == byPriority.getFirst() ? Choice.Cause.PRIMARY : Choice.Cause.BACKUP;
                return new Choice(l.colour(), cause, l.colour() + " is the best-priority healthy link: " + h.describe());
            }
        }
        Link first = byPriority.getFirst();
        return bestOrCurrent(paths, links, current).map(c -> new Choice(c.colour(), Choice.Cause.BEST_AVAILABLE,
                        "no link is healthy (score >= " + DEFAULT_THRESHOLD + "); " + c.why()))
                .orElseGet(() -> new Choice(first.colour(), Choice.Cause.NO_USABLE_PATH, "no usable path; keeping " + first.colour()));
    }

    private static boolean notMeasuredYet(PathHealth h, Instant now) {
        return h.status() == io.patronus.model.PathStatus.UNKNOWN && Duration.between(h.since(), now).compareTo(STARTUP_GRACE) < 0;
    }

    private record Pick(String colour, String why) {
    }

    /**
     * Among paths none of which is healthy, the best usable one; but traffic stays on the usable path it is on unless
     * the best scores at least {@link #BEST_AVAILABLE_MARGIN} more. Moving between two failing paths gains little
     * and costs a move now and a failback later; and when every path degrades at the same moment (a stalled host
     * delays every probe alike, or the uplinks share a congested segment) the scores differ by noise, so without the
     * margin traffic would follow the noise.
     */
    private static Optional<Pick> bestOrCurrent(Map<String, PathHealth> paths, List<Link> links, Optional<String> current) {
        Optional<String> best = best(paths, links);
        if (best.isEmpty()) {
            return Optional.empty();
        }
        String b = best.get();
        PathHealth cur = current.map(paths::get).orElse(null);
        if (cur != null && cur.usable() && !current.get().equals(b) && paths.get(b).score() < cur.score() + BEST_AVAILABLE_MARGIN) {
            return Optional.of(new Pick(current.get(), "staying on " + current.get() + " " + cur.describe() + ": the best available, "
                    + b + " " + paths.get(b).describe() + ", is not " + BEST_AVAILABLE_MARGIN + " points better"));
        }
        return Optional.of(new Pick(b, "best available is " + b + " " + paths.get(b).describe()));
    }

    /** The usable path with the highest score, ties to the better link priority. */
    static Optional<String> best(Map<String, PathHealth> paths, List<Link> links) {
        return links.stream().filter(l -> paths.containsKey(l.colour()) && paths.get(l.colour()).usable())
                .sorted(Comparator.comparingInt((Link l) -> -paths.get(l.colour()).score()).thenComparingInt(Link::priority))
                .map(Link::colour).findFirst();
    }

    private static boolean isBetterPriority(Link candidate, String currentColour, List<Link> links) {
        return links.stream().filter(l -> l.colour().equals(currentColour)).findFirst()
                .map(cur -> candidate.priority() < cur.priority()).orElse(true);
    }

    private static Duration heldFor(PathHealth h, Instant now) {
        Duration d = Duration.between(h.since(), now);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
