package io.patronus.appliance.paths;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NavigableMap;

/**
 * Health samples per path, kept in the store's MapDB tree ordered by {@code pathId|epochMillis} so that a time range of
 * one path is one contiguous range scan. Samples are measurements, not configuration: they are committed with each
 * store checkpoint and not written to the write-ahead log, so a crash may lose the samples since the last checkpoint
 * (seconds), which is acceptable for history and keeps the log for state.
 */
public final class PathHistory {
    private final NavigableMap<String, byte[]> map;
    private final Duration retention;

    public PathHistory(NavigableMap<String, byte[]> map, Duration retention) {
        this.map = map;
        this.retention = retention;
    }

    private static String key(String pathId, Instant at) {
        return pathId + "|" + String.format("%015d", Math.max(0, at.toEpochMilli()));
    }

    public void record(String pathId, PathSample sample) {
        map.put(key(pathId, sample.at()), sample.encode());
    }

    /** Samples of {@code pathId} with {@code since <= at <= until}, oldest first. */
    public List<PathSample> range(String pathId, Instant since, Instant until) {
        if (until.isBefore(since)) {
            return List.of();
        }
        return map.subMap(key(pathId, since), true, key(pathId, until), true).values().stream()
                .map(PathSample::decode).toList();
    }

    /** Drops samples older than the retention; returns how many. */
    public int prune(Instant now) {
        Instant cutoff = now.minus(retention);
        int removed = 0;
        var it = map.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            String k = e.getKey();
            long at = Long.parseLong(k.substring(k.lastIndexOf('|') + 1));
            if (at < cutoff.toEpochMilli()) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    public long size() {
        return map.size();
    }
}
