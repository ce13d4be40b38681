package io.patronus.controller.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A group configuration change being released wave by wave, each wave gated on the health of its appliances.
 *
 * @param organisation the organisation of the group ("" only in a record written before schema 3, until the store's
 *                     migration assigns it)
 * @param state       {@code RUNNING}, {@code COMPLETED}, {@code HALTED} (rollback or gate timeout) or
 *                    {@code SUPERSEDED} (a newer change to the group replaced it)
 * @param currentWave index of the wave released last (-1 before the first)
 * @param gateTimeout how long a released wave may take to become healthy before the rollout halts
 */
public record RolloutRecord(String id, String organisation, String group, long fromRevision, long toRevision, String state,
                            String reason, int currentWave, List<Wave> waves, Duration gateTimeout, Instant createdAt,
                            Instant updatedAt, String createdBy) {
    public RolloutRecord {
        Objects.requireNonNull(id, "id");
        organisation = organisation == null ? "" : organisation;
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
        waves = waves == null ? List.of() : List.copyOf(waves);
        Objects.requireNonNull(gateTimeout, "gateTimeout");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        createdBy = createdBy == null ? "" : createdBy;
    }

    /** The rollout in {@code org}: how the schema 3 migration moves a rollout written before organisations. */
    public RolloutRecord withOrganisation(String org) {
        return new RolloutRecord(id, org, group, fromRevision, toRevision, state, reason, currentWave, waves, gateTimeout,
                createdAt, updatedAt, createdBy);
    }

    public boolean running() {
        return state.equals("RUNNING");
    }

    public RolloutRecord with(String newState, String newReason, int newCurrentWave, List<Wave> newWaves, Instant at) {
        return new RolloutRecord(id, organisation, group, fromRevision, toRevision, newState, newReason, newCurrentWave, newWaves,
                gateTimeout, createdAt, at, createdBy);
    }

    /**
     * One wave: its sites and, once released, the bundle version each site must report applied.
     *
     * @param organisation the organisation of the group ("" only in a record written before schema 3, until the store's
 *                     migration assigns it)
 * @param state          {@code PENDING}, {@code RELEASED}, {@code HEALTHY} or {@code FAILED}
     * @param targetVersions site id to the version published to it at release
     */
    public record Wave(List<String> sites, String state, Optional<Instant> releasedAt, Optional<Instant> completedAt,
                       Map<String, Long> targetVersions, String detail) {
        public Wave {
            sites = sites == null ? List.of() : List.copyOf(sites);
            Objects.requireNonNull(state, "state");
            releasedAt = releasedAt == null ? Optional.empty() : releasedAt;
            completedAt = completedAt == null ? Optional.empty() : completedAt;
            targetVersions = targetVersions == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new TreeMap<>(targetVersions));
            detail = detail == null ? "" : detail;
        }

        public Wave with(String newState, Optional<Instant> released, Optional<Instant> completed, Map<String, Long> targets,
                         String newDetail) {
            return new Wave(sites, newState, released, completed, targets, newDetail);
        }
    }
}
