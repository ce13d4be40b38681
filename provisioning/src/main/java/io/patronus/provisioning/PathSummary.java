package io.patronus.provisioning;

/** How many of an appliance's paths are up, degraded and down. */
public record PathSummary(int up, int degraded, int down) {
    public PathSummary {
        Fields.atLeast("paths.up", up, 0);
        Fields.atLeast("paths.degraded", degraded, 0);
        Fields.atLeast("paths.down", down, 0);
    }

    /** No paths at all. */
    public static PathSummary none() {
        return new PathSummary(0, 0, 0);
    }
}
