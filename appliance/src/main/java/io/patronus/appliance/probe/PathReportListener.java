package io.patronus.appliance.probe;

/**
 * Told about every status change of a path, on the prober's event thread (never the probe loop, so a slow listener
 * delays nothing but other listeners' events). {@code before} is the report just before the change.
 */
@FunctionalInterface
public interface PathReportListener {
    void pathChanged(PathReport before, PathReport after);
}
