package io.patronus.controller.store;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Objects;

/**
 * One telemetry event of an appliance, unique by (site, sequence): the appliance's write-ahead log sequence.
 *
 * @param organisation the organisation of the site when it was received ("" only in a record written before schema
 *                     3, until the store's migration assigns it); kept so that the event stays in that
 *                     organisation's views, and out of every other's, after the site is deleted
 * @param at         when it happened on the appliance
 * @param receivedAt when the controller stored it
 */
public record StoredEvent(String siteId, String organisation, long sequence, Instant at, String kind, JsonNode body,
                          Instant receivedAt) {
    public StoredEvent {
        Objects.requireNonNull(siteId, "siteId");
        organisation = organisation == null ? "" : organisation;
        Objects.requireNonNull(at, "at");
        kind = kind == null ? "" : kind;
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The event in {@code org}: how the schema 3 migration moves an event received before organisations. */
    public StoredEvent withOrganisation(String org) {
        return new StoredEvent(siteId, org, sequence, at, kind, body, receivedAt);
    }

    /** The store key: site and zero-padded sequence, so keys of one site sort by sequence. */
    public static String key(String siteId, long sequence) {
        return siteId + "|" + String.format("%020d", sequence);
    }
}
