package io.patronus.controller.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An organisation admin token: a bearer token for the admin API that sees and changes one organisation only (the
 * fleet token in {@code secrets/admin.token} sees all of them). Only the SHA-256 of its secret is kept: the secret is
 * shown once, at creation.
 *
 * @param secretSha256 lower-case hex SHA-256 of the whole token text ({@code porg_...})
 * @param description  what the operator said it is for, "" when nothing
 * @param revokedAt    when it was revoked (by the operator, or with its organisation); empty while it is valid
 */
public record AdminTokenRecord(String id, String organisation, String secretSha256, String description, Instant createdAt,
                               String createdBy, Optional<Instant> revokedAt) {
    public AdminTokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(organisation, "organisation");
        Objects.requireNonNull(secretSha256, "secretSha256");
        description = description == null ? "" : description;
        Objects.requireNonNull(createdAt, "createdAt");
        createdBy = createdBy == null ? "" : createdBy;
        revokedAt = revokedAt == null ? Optional.empty() : revokedAt;
    }

    public boolean active() {
        return revokedAt.isEmpty();
    }

    public AdminTokenRecord revoked(Instant at) {
        return new AdminTokenRecord(id, organisation, secretSha256, description, createdAt, createdBy, Optional.of(at));
    }
}
