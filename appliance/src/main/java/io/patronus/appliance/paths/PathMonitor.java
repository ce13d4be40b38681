package io.patronus.appliance.paths;

import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.PathStatus;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Knows every path of this appliance (each local link towards each active remote site that has an endpoint of the
 * link's colour), measures them on a fixed interval through a {@link PathProbe}, scores them and records the samples
 * in the {@link PathHistory}. The set of paths follows the site list: call {@link #refresh()} after it changes.
 */
public final class PathMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PathMonitor.class.getName());
    private final String localSiteId;
    private final List<Link> links;
    private final Supplier<List<Site>> sites;
    private final PathProbe probe;
    private volatile SlaClass sla;
    private final PathHistory history;
    private final Clock clock;
    private final Map<String, Path> current = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    public PathMonitor(String localSiteId, List<Link> links, Supplier<List<Site>> sites, PathProbe probe, SlaClass sla,
                       PathHistory history, Clock clock) {
        this.localSiteId = localSiteId;
        this.links = List.copyOf(links);
        this.sites = sites;
        this.probe = probe;
        this.sla = sla;
        this.history = history;
        this.clock = clock;
        refresh();
    }

    /** The SLA class paths are judged against. */
    public SlaClass sla() {
        return sla;
    }

    /** Judges paths against {@code newSla} from the next round on (a committed config bundle changed it). */
    public void sla(SlaClass newSla) {
        this.sla = java.util.Objects.requireNonNull(newSla, "sla");
    }

    /** Starts measuring every {@code interval}; a failed round is logged and the next one runs anyway. */
    public synchronized void start(Duration interval) {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "path-monitor");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                measureAll();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "path measurement round failed: " + e, e);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Re-derives the path set from the current sites, keeping the last measurement of paths that remain. */
    public synchronized void refresh() {
        Map<String, Path> wanted = new java.util.HashMap<>();
        for (Site s : sites.get()) {
            if (s.id().equals(localSiteId) || s.status() != SiteStatus.ACTIVE) {
                continue;
            }
            for (Link l : links) {
                if (s.endpoints().containsKey(l.colour())) {
                    // The map's key is the path's own id string (a map keeps the key it was first given).
                    Path fresh = Path.unmeasured(localSiteId, s.id(), l.colour());
                    wanted.put(fresh.id(), current.getOrDefault(fresh.id(), fresh));
                }
            }
        }
        current.keySet().retainAll(wanted.keySet());
        current.putAll(wanted);
    }

    /** Measures every path once now. */
    public synchronized void measureAll() {
        refresh();
        Instant now = clock.instant();
        Map<String, Site> byId = new java.util.HashMap<>();
        sites.get().forEach(s -> byId.put(s.id(), s));
        for (Path p : List.copyOf(current.values())) {
            Site remote = byId.get(p.destinationSite());
            Optional<Link> link = links.stream().filter(l -> l.colour().equals(p.colour())).findFirst();
            if (remote == null || link.isEmpty()) {
                continue;
            }
            Optional<PathProbe.Assessment> a = probe.assess(link.get(), remote, now);
            PathProbe.Measurement m = a.map(PathProbe.Assessment::measurement).orElseGet(() -> probe.measure(link.get(), remote, now));
            int score = a.map(PathProbe.Assessment::score).orElseGet(() -> HealthScorer.score(m, sla));
            PathStatus status = a.map(PathProbe.Assessment::status).orElseGet(() -> HealthScorer.status(m, sla));
            Path measured = new Path(p.id(), p.sourceSite(), p.destinationSite(), p.colour(), m.latencyMs(),
                    m.packetLossPct(), m.jitterMs(), score, status, Optional.of(now));
            current.put(p.id(), measured);
            history.record(p.id(), new PathSample(now, m.latencyMs(), m.packetLossPct(), m.jitterMs(), score, status));
        }
        history.prune(now);
    }

    /** Every path ordered by id. */
    public List<Path> paths() {
        List<Path> out = new ArrayList<>(current.values());
        out.sort(Comparator.comparing(Path::id));
        return out;
    }

    public Optional<Path> path(String id) {
        return Optional.ofNullable(current.get(id));
    }

    public PathHistory history() {
        return history;
    }

    public String probeKind() {
        return probe.kind();
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
        // The open minute of every path goes into its aggregate now, so the store's final checkpoint keeps it.
        history.flushOpenMinutes();
    }
}
