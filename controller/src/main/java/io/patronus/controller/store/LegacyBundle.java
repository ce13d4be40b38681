package io.patronus.controller.store;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A whole published bundle as the store before checkpoint schema 2 journalled and checkpointed it (configuration and signed
 * envelope). Read from old logs and checkpoints only, and kept as a {@link BundleVersion} without digest; never
 * written.
 */
public record LegacyBundle(String siteId, long version, Instant issuedAt, JsonNode config, JsonNode envelope) {
    BundleVersion asVersion() {
        return new BundleVersion(siteId, Math.max(1, version), issuedAt, "");
    }
}
