package io.patronus.appliance.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The ordered schema history of the state snapshot. A snapshot records the version it was written at; loading an
 * older one runs the missing steps on its documents before they are decoded, and the next checkpoint writes them at
 * the latest version. A snapshot newer than this build is refused, because a downgrade could silently drop fields.
 * Append new steps at the end; never edit a released one.
 */
public final class SchemaMigrations {
    static final List<Migration> ALL = List.of(
            new Migration(1, "configuration maps (sites, policies, users) and snapshot metadata", maps -> {
                for (String name : List.of(StateStore.SITES, StateStore.POLICIES, StateStore.USERS)) {
                    maps.computeIfAbsent(name, k -> new java.util.HashMap<>());
                }
            }),
            new Migration(2, "site documents state their status explicitly (documents without one were active)", maps ->
                    maps.get(StateStore.SITES).replaceAll((id, json) -> {
                        try {
                            ObjectNode site = (ObjectNode) Json.mapper().readTree(json);
                            if (!site.has("status")) {
                                site.put("status", "active");
                            }
                            return Json.mapper().writeValueAsString(site);
                        } catch (IOException e) {
                            throw new UncheckedIOException("site " + id + " cannot be migrated: " + e.getMessage(), e);
                        }
                    })));

    /** The schema version this build writes. */
    public static final int LATEST = ALL.getLast().version();

    private SchemaMigrations() {
    }

    /** Every known migration, oldest first. */
    public static List<Migration> all() {
        return ALL;
    }

    static List<Migration> pending(int from) {
        return ALL.stream().filter(m -> m.version() > from).toList();
    }

    /** Runs the steps after {@code from} up to {@code target} on the documents; returns the version reached. {@code log} may be null for a new store. */
    static int migrate(Map<String, Map<String, String>> maps, int from, int target, System.Logger log) {
        int version = from;
        for (Migration m : pending(from)) {
            if (m.version() > target) {
                break;
            }
            m.step().accept(maps);
            version = m.version();
            if (log != null) {
                log.log(System.Logger.Level.INFO, "store migrated to schema " + m.version() + ": " + m.description());
            }
        }
        return version;
    }
}
