package io.patronus.controller.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A one-time enrolment token. Only the SHA-256 of its secret is kept: the secret is shown once, at creation.
 *
 * @param secretSha256 lower-case hex SHA-256 of the whole token text ({@code ptok_...})
 * @param organisation the organisation of its site ("" only in a record written before schema 3, until the store's
 *                     migration assigns it); kept so that the token stays in its organisation's views after the
 *                     site is deleted
 * @param serial       the device serial the token is bound to, when bound
 */
public record TokenRecord(String id, String secretSha256, String siteId, String organisation, Optional<String> serial, Instant createdAt,
                          Instant expiresAt, Optional<Instant> usedAt, Optional<String> usedBySerial, boolean revoked,
                          String createdBy) {
    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secretSha256, "secretSha256");
        Objects.requireNonNull(siteId, "siteId");
        organisation = organisation == null ? "" : organisation;
        serial = serial == null ? Optional.empty() : serial;
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        usedAt = usedAt == null ? Optional.empty() : usedAt;
        usedBySerial = usedBySerial == null ? Optional.empty() : usedBySerial;
        createdBy = createdBy == null ? "" : createdBy;
    }

    public TokenRecord used(Instant at, String bySerial) {
        return new TokenRecord(id, secretSha256, siteId, organisation, serial, createdAt, expiresAt, Optional.of(at), Optional.of(bySerial),
                revoked, createdBy);
    }

    public TokenRecord revoke() {
        return new TokenRecord(id, secretSha256, siteId, organisation, serial, createdAt, expiresAt, usedAt, usedBySerial, true, createdBy);
    }

    /** The token in {@code org}: how the schema 3 migration moves a token written before organisations. */
    public TokenRecord withOrganisation(String org) {
        return new TokenRecord(id, secretSha256, siteId, org, serial, createdAt, expiresAt, usedAt, usedBySerial, revoked,
                createdBy);
    }

    /** active, used, revoked or expired, as of {@code now}. */
    public String state(Instant now) {
        if (revoked) {
            return "revoked";
        }
        if (usedAt.isPresent()) {
            return "used";
        }
        return now.isBefore(expiresAt) ? "active" : "expired";
    }
}
