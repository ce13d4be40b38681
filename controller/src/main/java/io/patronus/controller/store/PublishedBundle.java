package io.patronus.controller.store;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.SignedEnvelope;

import java.time.Instant;
import java.util.Objects;

/**
 * The newest configuration bundle published for a site's appliance: its version, the rendered configuration (kept to
 * decide whether a new rendering changed anything, and to show drift) and the signed envelope served to the device.
 */
public record PublishedBundle(String siteId, long version, Instant issuedAt, BundleConfig config, SignedEnvelope envelope) {
    public PublishedBundle {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(envelope, "envelope");
    }
}
