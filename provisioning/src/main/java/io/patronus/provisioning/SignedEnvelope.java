package io.patronus.provisioning;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Base64;

/**
 * A payload with the controller's Ed25519 signature over its exact bytes and the certificate of the signing key; the
 * wire form of onboarding answers and config bundles. Signing raw bytes sidesteps JSON canonicalisation.
 */
public record SignedEnvelope(String payload, String signature, String signingCertificate) {
    public SignedEnvelope {
        Fields.text("payload", payload, 16 * 1024 * 1024);
        Fields.text("signature", signature, 1024);
        Fields.pem("signingCertificate", signingCertificate, 16 * 1024);
    }

    /** The payload bytes, decoded but not verified: use {@link EnvelopeVerifier#verify} before trusting them. */
    @JsonIgnore
    public byte[] payloadBytes() {
        try {
            return Base64.getDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            throw ProvisioningException.field("bad_signature", "payload", "is not valid base64: " + e.getMessage());
        }
    }
}
