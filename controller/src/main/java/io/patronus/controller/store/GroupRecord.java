package io.patronus.controller.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A group of sites sharing a configuration. Every change makes a new revision; older revisions are kept while a site
 * still runs them (a rollout releases the new one wave by wave). A group belongs to one organisation, and its name is
 * unique within that organisation only: two organisations may both have a group {@code default}.
 *
 * @param organisation "" only in a record written before schema 3, until the store's migration assigns it
 * @param revisions revision number to configuration; holds at least {@code currentRevision}
 */
public record GroupRecord(String organisation, String name, long currentRevision, Map<Long, GroupConfig> revisions, Instant updatedAt) {
    public GroupRecord {
        organisation = organisation == null ? "" : organisation;
        Objects.requireNonNull(name, "name");
        revisions = revisions == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(revisions));
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** A group nobody configured yet: revision 0, no policies, no SLA classes. */
    public static GroupRecord initial(String organisation, String name, Instant at) {
        return new GroupRecord(organisation, name, 0, Map.of(0L, GroupConfig.empty()), at);
    }

    /** The store's key of a group: organisation and name (ids cannot hold a slash). */
    public static String key(String organisation, String name) {
        return organisation + "/" + name;
    }

    /** The group in {@code org}: how the schema 3 migration moves a group written before organisations. */
    public GroupRecord withOrganisation(String org) {
        return new GroupRecord(org, name, currentRevision, revisions, updatedAt);
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
