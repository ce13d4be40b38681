package io.patronus.appliance.paths;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link PathHistory#query}: the points of one path in {@code [since, until]}, oldest first.
 *
 * @param resolution the widest point width: zero when every point is a raw sample, one minute for stored
 *                   aggregates (possibly followed by the raw samples of the minute not yet closed), more when the
 *                   points were folded to stay within {@code maxPoints}
 * @param folded     whether points were merged into buckets wider than they are stored, to respect {@code maxPoints}
 */
public record HistoryWindow(String pathId, Instant since, Instant until, Duration resolution, boolean folded,
                            int maxPoints, List<HistoryPoint> points) {
    public HistoryWindow {
        Objects.requireNonNull(pathId, "pathId");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        Objects.requireNonNull(resolution, "resolution");
        points = List.copyOf(points);
    }

    /** "raw", "1m", "10m", "2h"... as {@link HistoryPoint#label}. */
    public String resolutionLabel() {
        return HistoryPoint.label(resolution);
    }
}
