package io.patronus.model;

import java.time.Instant;
import java.util.Optional;

/**
 * One way from this site to another over one link colour, with its latest measured health.
 * Its id is {@code source:destination:colour}.
 */
public record Path(String id, String sourceSite, String destinationSite, String colour, double latencyMs,
                   double packetLossPct, double jitterMs, int healthScore, PathStatus status, Optional<Instant> lastCheck) {
    public Path {
        Check.id("sourceSite", sourceSite);
        Check.id("destinationSite", destinationSite);
        Check.colour("colour", colour);
        String expected = id(sourceSite, destinationSite, colour);
        if (id == null) {
            id = expected;
        } else if (!id.equals(expected)) {
            throw new ValidationException("id", "format", "must be " + expected + ", was '" + Check.clip(id) + "'");
        }
        Check.range("latencyMs", latencyMs, 0, 600_000);
        Check.range("packetLossPct", packetLossPct, 0, 100);
        Check.range("jitterMs", jitterMs, 0, 600_000);
        Check.range("healthScore", healthScore, 0, 100);
        Check.required("status", status);
        lastCheck = lastCheck == null ? Optional.empty() : lastCheck;
    }

    public static String id(String sourceSite, String destinationSite, String colour) {
        return sourceSite + ":" + destinationSite + ":" + colour;
    }

    /** A path that has not been measured yet. */
    public static Path unmeasured(String sourceSite, String destinationSite, String colour) {
        return new Path(null, sourceSite, destinationSite, colour, 0, 0, 0, 0, PathStatus.UNKNOWN, Optional.empty());
    }
}
