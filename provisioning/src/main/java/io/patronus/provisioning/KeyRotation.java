package io.patronus.provisioning;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.patronus.model.WireGuardKey;

import java.util.Optional;

/**
 * The key rotation a bundle orders its own site to take part in (docs/FEDERATION.md, "WireGuard key rotation"):
 * {@code generate} a next key pair and report its public key, or {@code switch} every interface to the next key whose
 * public key is {@code publicKey} and report that it is active. Absent from a bundle when the site is not rotating.
 *
 * @param id        the controller's rotation id, echoed in the appliance's reports
 * @param phase     what to do now
 * @param publicKey with {@code switch}: the next public key the controller distributed, the only one to switch to
 */
public record KeyRotation(String id, Phase phase, Optional<String> publicKey) {
    /** The appliance's step of a rotation. */
    public enum Phase {
        /** Generate the next key pair (once) and report its public key. */
        @JsonProperty("generate") GENERATE,
        /** Every peer has the next key: switch to it and report it active. */
        @JsonProperty("switch") SWITCH
    }

    public KeyRotation {
        Fields.text("keyRotation.id", id, 128);
        Fields.required("keyRotation.phase", phase);
        publicKey = publicKey == null ? Optional.empty() : publicKey;
        publicKey.ifPresent(k -> Fields.model("keyRotation.publicKey", () -> WireGuardKey.check("keyRotation.publicKey", k)));
        if (phase == Phase.SWITCH && publicKey.isEmpty()) {
            throw ProvisioningException.field(Fields.CODE, "keyRotation.publicKey", "is required with phase switch");
        }
    }

    public static KeyRotation generate(String id) {
        return new KeyRotation(id, Phase.GENERATE, Optional.empty());
    }

    public static KeyRotation switchTo(String id, String publicKey) {
        return new KeyRotation(id, Phase.SWITCH, Optional.of(publicKey));
    }
}
