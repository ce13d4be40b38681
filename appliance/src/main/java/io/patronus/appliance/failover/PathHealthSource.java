package io.patronus.appliance.failover;

import io.patronus.model.Path;
import io.patronus.model.PathStatus;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Adapts a source of {@link Path} snapshots (which carry no "since") to {@link PathHealth}, remembering when each
 * path's status last changed as seen through this adapter. Used where paths are measured without a state machine of
 * their own (the in-memory data plane's emulated paths). Thread-safe.
 */
public final class PathHealthSource implements Function<String, Optional<PathHealth>> {
    private final Function<String, Optional<Path>> paths;
    private final Clock clock;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    private record Seen(PathStatus status, Instant since) {
    }

    public PathHealthSource(Function<String, Optional<Path>> paths, Clock clock) {
        this.paths = paths;
        this.clock = clock;
    }

    @Override
    public Optional<PathHealth> apply(String pathId) {
        return paths.apply(pathId).map(p -> {
            // Keyed by the path's own id, not the caller's copy: one string per path however often it is asked.
            Seen s = seen.compute(p.id(), (k, old) -> old != null && old.status() == p.status() ? old : new Seen(p.status(), clock.instant()));
            return new PathHealth(p.status(), p.healthScore(), s.since(), String.format(java.util.Locale.ROOT,
                    "latency %.1f ms, loss %.1f%%, jitter %.1f ms", p.latencyMs(), p.packetLossPct(), p.jitterMs()));
        });
    }
}
