package io.patronus.appliance.failover;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A change of colour for a target, with the evidence: the health of every path to the site at that moment.
 * Journalled in the write-ahead log and served as an event.
 */
public record Decision(Instant at, Target target, Optional<String> from, String to, Choice.Cause cause, String reason,
                       Map<String, String> paths) {
}
