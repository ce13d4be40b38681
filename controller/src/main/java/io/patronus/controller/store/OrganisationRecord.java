package io.patronus.controller.store;

import io.patronus.model.Check;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant of the controller: the sites and groups of one organisation form their own mesh, and its administrators
 * (an organisation admin token) see nothing of the others.
 *
 * <p>Deleting an organisation keeps its record with {@code deletedAt}: its history (spent enrolment tokens, rollouts,
 * telemetry events, audit records) stays stored under its id, so the id is never given to another organisation that
 * would then see that history.
 *
 * @param id        lower-case letters, digits and dashes, like every other id
 * @param name      display name
 * @param createdBy the actor that created it ({@code system} for the first one)
 * @param deletedAt when it was deleted; empty while it is live
 */
public record OrganisationRecord(String id, String name, Instant createdAt, String createdBy, Optional<Instant> deletedAt) {
    /** The id of the organisation a controller starts with, and that a schema 2 store's data moves into. */
    public static final String FIRST = "default";

    public OrganisationRecord {
        Check.id("id", id);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        createdBy = createdBy == null ? "" : createdBy;
        deletedAt = deletedAt == null ? Optional.empty() : deletedAt;
    }

    /** Not deleted. */
    public boolean live() {
        return deletedAt.isEmpty();
    }

    public OrganisationRecord deleted(Instant at) {
        return new OrganisationRecord(id, name, createdAt, createdBy, Optional.of(at));
    }
}
