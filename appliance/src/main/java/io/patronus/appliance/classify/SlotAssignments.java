package io.patronus.appliance.classify;

import com.fasterxml.jackson.core.type.TypeReference;
import io.patronus.model.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Stable small integers for policies (slots 0-255: counters, rate state and steering keys in the kernel) and for
 * sites (steering keys). Kept in a file next to the pinned maps' owner, so a restarted appliance that adopts the
 * running classifier gives every policy back the slot whose counters it already has. Thread-safe.
 */
public final class SlotAssignments {
    private final Optional<Path> file;
    private final Map<String, Integer> policies = new HashMap<>();
    private final Map<String, Integer> sites = new HashMap<>();
    private final Set<Integer> fresh = new java.util.TreeSet<>();

    private SlotAssignments(Optional<Path> file) {
        this.file = file;
    }

    public static SlotAssignments inMemory() {
        return new SlotAssignments(Optional.empty());
    }

    /** Loads the assignments from {@code file}; a missing or unreadable file starts afresh (counters restart at 0). */
    public static SlotAssignments open(Path file) {
        SlotAssignments s = new SlotAssignments(Optional.of(file));
        if (Files.exists(file)) {
            try {
                Map<String, Map<String, Integer>> m = Json.mapper().readValue(file.toFile(), new TypeReference<>() {
                });
                m.getOrDefault("policies", Map.of()).forEach((k, v) -> {
                    if (v >= 0 && v < ClassifierRules.MAX_RULES) {
                        s.policies.put(k, v);
                    }
                });
                m.getOrDefault("sites", Map.of()).forEach((k, v) -> {
                    if (v >= 0 && v < 0xffff) {
                        s.sites.put(k, v);
                    }
                });
            } catch (IOException | RuntimeException e) {
                System.getLogger(SlotAssignments.class.getName()).log(System.Logger.Level.WARNING,
                        "ignoring unreadable classifier slot file " + file + ": " + e.getMessage());
            }
        }
        return s;
    }

    /**
     * Gives every policy in {@code live} a slot, keeping existing ones and freeing those of removed policies.
     * Returns the slots that are new (their counters and rate state must be cleared before use).
     */
    public synchronized Set<Integer> assignPolicies(Set<String> live) {
        policies.keySet().retainAll(live);
        Set<Integer> fresh = new java.util.TreeSet<>();
        for (String id : new java.util.TreeSet<>(live)) {
            if (!policies.containsKey(id)) {
                int slot = free(policies, ClassifierRules.MAX_RULES);
                if (slot < 0) {
                    throw new ClassifierException(live.size() + " policies, but the classifier holds at most " + ClassifierRules.MAX_RULES);
                }
                policies.put(id, slot);
                fresh.add(slot);
                this.fresh.add(slot);
            }
        }
        save();
        return fresh;
    }

    /** Slots handed out since the last call whose kernel counters and rate state have not been cleared yet. */
    public synchronized Set<Integer> takeFresh() {
        Set<Integer> out = Set.copyOf(fresh);
        fresh.clear();
        return out;
    }

    /** Puts slots back on the to-clear list after a failed apply. */
    public synchronized void returnFresh(Set<Integer> slots) {
        fresh.addAll(slots);
    }

    public synchronized void assignSites(Set<String> live) {
        sites.keySet().retainAll(live);
        for (String id : new java.util.TreeSet<>(live)) {
            if (!sites.containsKey(id)) {
                int index = free(sites, 0xffff);
                if (index < 0) {
                    throw new ClassifierException("more than 65,535 sites");
                }
                sites.put(id, index);
            }
        }
        save();
    }

    public synchronized int policySlot(String policyId) {
        Integer s = policies.get(policyId);
        if (s == null) {
            throw new ClassifierException("policy " + policyId + " has no classifier slot");
        }
        return s;
    }

    public synchronized Optional<Integer> policySlotIfAssigned(String policyId) {
        return Optional.ofNullable(policies.get(policyId));
    }

    public synchronized Optional<Integer> siteIndexIfAssigned(String siteId) {
        return Optional.ofNullable(sites.get(siteId));
    }

    public synchronized int siteIndex(String siteId) {
        Integer s = sites.get(siteId);
        if (s == null) {
            throw new ClassifierException("site " + siteId + " has no classifier index");
        }
        return s;
    }

    private static int free(Map<String, Integer> used, int limit) {
        boolean[] taken = new boolean[limit];
        used.values().forEach(v -> taken[v] = true);
        for (int i = 0; i < limit; i++) {
            if (!taken[i]) {
                return i;
            }
        }
        return -1;
    }

    private void save() {
        if (file.isEmpty()) {
            return;
        }
        Path f = file.get();
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("policies", new TreeMap<>(policies));
            doc.put("sites", new TreeMap<>(sites));
            Files.write(tmp, Json.mapper().writeValueAsBytes(doc));
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write classifier slot file " + f + ": " + e.getMessage(), e);
        }
    }
}
