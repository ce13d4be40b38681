package io.patronus.controller.store;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Objects;

/**
 * One telemetry event of an appliance, unique by (site, sequence): the appliance's write-ahead log sequence.
 *
 * @param at         when it happened on the appliance
 * @param receivedAt when the controller stored it
 */
public record StoredEvent(String siteId, long sequence, Instant at, String kind, JsonNode body, Instant receivedAt) {
    public StoredEvent {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(at, "at");
        kind = kind == null ? "" : kind;
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The store key: site and zero-padded sequence, so keys of one site sort by sequence. */
    public static String key(String siteId, long sequence) {
        return siteId + "|" + String.format("%020d", sequence);
    }
}
