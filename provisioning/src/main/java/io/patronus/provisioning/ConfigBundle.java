package io.patronus.provisioning;

import io.patronus.model.Check;

import java.time.Instant;

/** Payload of a signed config bundle: one appliance's configuration at a version that only ever increases. */
public record ConfigBundle(String siteId, long version, Instant issuedAt, BundleConfig config) {
    public ConfigBundle {
        Fields.model("siteId", () -> Check.id("siteId", siteId));
        Fields.atLeast("version", version, 1);
        Fields.required("issuedAt", issuedAt);
        Fields.required("config", config);
    }
}
