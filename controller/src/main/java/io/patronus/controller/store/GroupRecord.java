package io.patronus.controller.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A group of sites sharing a configuration. Every change makes a new revision; older revisions are kept while a site
 * still runs them (a rollout releases the new one wave by wave).
 *
 * @param revisions revision number to configuration; holds at least {@code currentRevision}
 */
public record GroupRecord(String name, long currentRevision, Map<Long, GroupConfig> revisions, Instant updatedAt) {
    public GroupRecord {
        Objects.requireNonNull(name, "name");
        revisions = revisions == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(revisions));
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** A group nobody configured yet: revision 0, no policies, no SLA classes. */
    public static GroupRecord initial(String name, Instant at) {
        return new GroupRecord(name, 0, Map.of(0L, GroupConfig.empty()), at);
    }

    public GroupConfig current() {
        return revision(currentRevision);
    }

    /** The configuration of a revision; the current one when that revision was pruned. */
    public GroupConfig revision(long revision) {
        GroupConfig c = revisions.get(revision);
        if (c != null) {
            return c;
        }
        return revisions.getOrDefault(currentRevision, GroupConfig.empty());
    }
}
