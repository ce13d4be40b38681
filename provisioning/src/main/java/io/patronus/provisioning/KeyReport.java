package io.patronus.provisioning;

import io.patronus.model.WireGuardKey;

/**
 * Body of {@code POST /v1/device/keys}: the appliance's step of a key rotation. With {@code active} false, the public
 * key of the next key pair it generated for rotation {@code rotationId}; with {@code active} true, that its interfaces
 * now use {@code publicKey}.
 */
public record KeyReport(String rotationId, String publicKey, boolean active) {
    public KeyReport {
        Fields.text("rotationId", rotationId, 128);
        Fields.model("publicKey", () -> WireGuardKey.check("publicKey", publicKey));
    }
}
