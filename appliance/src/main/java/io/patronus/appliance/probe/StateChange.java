package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;

import java.time.Instant;

/** A transition of a path's status, with the reason in words and numbers ("3 probes lost in a row (seq 1041-1043 ...)"). */
public record StateChange(PathStatus from, PathStatus to, Instant at, String reason) {
}
