package io.patronus.appliance.failover;

import io.patronus.model.Link;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Chooses, for every (policy, remote site) and for every site's default traffic, the colour its packets use, from
 * the paths' health alone: no controller is involved. {@link #evaluate()} is called on every path state change and
 * on a short tick (for failback holds to expire); it returns only the changes, which the caller applies to the
 * steering map in one batch and journals.
 *
 * <p>Manual choices ({@link #trigger}) win over health until {@link #clear}ed. Thread-safe (one lock).
 */
public final class FailoverEngine {
    private final String localSiteId;
    private final List<Link> links;
    private final Supplier<List<Site>> sites;
    private final Supplier<List<Policy>> policies;
    private final Function<String, Optional<PathHealth>> health;
    private final Duration failbackHold;
    private final Clock clock;
    private final Overrides overrides;
    private final Map<Target, Choice> current = new HashMap<>();
    /** The route each policy target was decided under: an edited policy starts afresh (no failback hold). */
    private final Map<Target, PolicyAction.Route> routes = new HashMap<>();
    /**
     * Per (site, colour, threshold) ever evaluated: since when the path has been continuously healthy at that
     * threshold, or {@link #NOT_HEALTHY}. One entry per path and threshold in use, so its key shares the site's and
     * the link's strings rather than building one (about 60 bytes more per entry, 4 entries per site with one route
     * policy: measured by SiteMemoryBenchmark).
     */
    private final Map<HoldKey, Instant> healthySince = new HashMap<>();
    /**
     * Marks a path seen, but not healthy at the threshold, in {@link #healthySince}. Compared by identity: an instance
     * of its own, so that no health's "since" can be mistaken for it.
     */
    private static final Instant NOT_HEALTHY = Instant.ofEpochSecond(Instant.MIN.getEpochSecond(), 0);

    private record HoldKey(String siteId, String colour, int threshold) {
    }

    public FailoverEngine(String localSiteId, List<Link> links, Supplier<List<Site>> sites, Supplier<List<Policy>> policies,
                          Function<String, Optional<PathHealth>> health, Duration failbackHold, Overrides overrides, Clock clock) {
        this.localSiteId = localSiteId;
        this.links = List.copyOf(links);
        this.sites = sites;
        this.policies = policies;
        this.health = health;
        this.failbackHold = failbackHold;
        this.overrides = overrides;
        this.clock = clock;
    }

    public Duration failbackHold() {
        return failbackHold;
    }

    /** Recomputes every target's choice; returns the changes (the first evaluation returns every target). */
    public synchronized List<Decision> evaluate() {
        Instant now = clock.instant();
        List<Decision> changes = new ArrayList<>();
        Map<Target, Choice> seen = new HashMap<>();
        java.util.Set<String> evaluated = new java.util.HashSet<>();
        for (Site s : sites.get()) {
            if (s.id().equals(localSiteId) || s.status() != SiteStatus.ACTIVE) {
                continue;
            }
            evaluated.add(s.id());
            Map<String, PathHealth> raw = paths(s, now);
            Target def = new Target(Target.DEFAULT, s.id());
            Choice d = overrides.get(def).map(c -> manual(c, raw))
                    .orElseGet(() -> FailoverRules.defaultTraffic(held(raw, FailoverRules.DEFAULT_THRESHOLD, s.id(), now), links,
                            currentColour(def), failbackHold, now));
            record(def, d, raw, now, seen, changes);
            for (Policy p : policies.get()) {
                if (!(p.action() instanceof PolicyAction.Route r)) {
                    continue;
                }
                Target t = new Target(p.id(), s.id());
                if (!r.equals(routes.put(t, r))) {
                    current.remove(t); // a new or edited policy: its choice is a plan, not a failover to hold against
                }
                Choice c = overrides.get(t).map(col -> manual(col, raw))
                        .orElseGet(() -> FailoverRules.route(r.primary(), r.backup(), r.failoverThreshold(),
                                held(raw, r.failoverThreshold(), s.id(), now), links, currentColour(t), failbackHold, now));
                record(t, c, raw, now, seen, changes);
            }
        }
        current.keySet().retainAll(seen.keySet());
        routes.keySet().retainAll(seen.keySet());
        // A site that left the list (or is no longer active) takes its failback holds along: an appliance runs for
        // years while sites come and go. Back again, its paths are judged as at a first sighting.
        healthySince.keySet().removeIf(k -> !evaluated.contains(k.siteId()));
        return changes;
    }

    /** How many (site, colour, threshold) failback-hold entries the engine keeps; for tests. */
    synchronized int holdEntries() {
        return healthySince.size();
    }

    private static Choice manual(String colour, Map<String, PathHealth> paths) {
        PathHealth h = paths.get(colour);
        return new Choice(colour, Choice.Cause.MANUAL, "pinned by an operator (patronus failover trigger); " + colour + " is "
                + (h == null ? "not a path to this site" : h.describe()));
    }

    private void record(Target t, Choice c, Map<String, PathHealth> raw, Instant now, Map<Target, Choice> seen, List<Decision> changes) {
        seen.put(t, c);
        Choice before = current.put(t, c);
        if (c.colour().isEmpty()) {
            return;
        }
        if (before == null || !before.colour().equals(c.colour())) {
            Map<String, String> evidence = new LinkedHashMap<>();
            raw.forEach((colour, h) -> evidence.put(colour, h.describe()));
            changes.add(new Decision(now, t, Optional.ofNullable(before).map(Choice::colour).filter(x -> !x.isEmpty()), c.colour(),
                    c.cause(), c.reason(), evidence));
        }
    }

    private Optional<String> currentColour(Target t) {
        return Optional.ofNullable(current.get(t)).map(Choice::colour).filter(c -> !c.isEmpty());
    }

    /** The health of this site's paths per local colour that has an endpoint at the site. */
    private Map<String, PathHealth> paths(Site s, Instant now) {
        Map<String, PathHealth> out = new LinkedHashMap<>();
        for (Link l : links) {
            if (!s.endpoints().containsKey(l.colour())) {
                continue;
            }
            String pathId = io.patronus.model.Path.id(localSiteId, s.id(), l.colour());
            out.put(l.colour(), health.apply(pathId).orElse(PathHealth.unknown(now)));
        }
        return out;
    }

    /** The same paths with {@code since} replaced by "healthy at this threshold since", tracked across evaluations. */
    private Map<String, PathHealth> held(Map<String, PathHealth> raw, int threshold, String siteId, Instant now) {
        Map<String, PathHealth> out = new LinkedHashMap<>();
        raw.forEach((colour, h) -> {
            HoldKey key = new HoldKey(siteId, colour, threshold);
            Instant since;
            Instant before = healthySince.get(key);
            if (h.healthy(threshold)) {
                // Seen healthy from the very first evaluation (an appliance restart): trust its state's age. Seen
                // unhealthy before: the hold starts now, not when its current state (e.g. degraded) began.
                if (before == null || before == NOT_HEALTHY) {
                    since = before == null && h.since().isBefore(now) ? h.since() : now;
                    healthySince.put(key, since);
                } else {
                    since = before;
                }
            } else {
                healthySince.put(key, NOT_HEALTHY);
                since = h.since(); // the rules read an unhealthy path's age only for "not measured yet"
            }
            out.put(colour, new PathHealth(h.status(), h.score(), since, h.detail()));
        });
        return out;
    }

    /** The colour in use for a target now. */
    public synchronized Optional<Choice> choice(Target t) {
        return Optional.ofNullable(current.get(t));
    }

    public synchronized Map<Target, Choice> choices() {
        return Map.copyOf(current);
    }

    /** Pins a target to a colour until {@link #clear}; takes effect at the next {@link #evaluate()}. */
    public void trigger(Target t, String colour) {
        overrides.put(t, colour);
    }

    /** Removes a pin; returns whether there was one. */
    public boolean clear(Target t) {
        return overrides.remove(t);
    }

    public Overrides overrides() {
        return overrides;
    }
}
