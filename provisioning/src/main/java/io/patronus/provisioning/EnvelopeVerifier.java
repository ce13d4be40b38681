package io.patronus.provisioning;

import io.patronus.model.Json;
import io.patronus.model.ValidationException;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;

/**
 * The appliance's check of a {@link SignedEnvelope}: the signing certificate must be an Ed25519 certificate of the
 * pinned CA, valid now, and the signature must verify over the raw payload bytes; only then is the payload parsed.
 * Thread-safe.
 */
public final class EnvelopeVerifier {
    private final X509Certificate pinnedCa;
    private final Clock clock;

    /** A verifier trusting signing certificates issued by {@code pinnedCa}, judging validity by {@code clock}. */
    public EnvelopeVerifier(X509Certificate pinnedCa, Clock clock) {
        this.pinnedCa = Objects.requireNonNull(pinnedCa, "pinnedCa");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns the verified payload bytes; throws {@code untrusted_signer} when the signing certificate is not one of
     * the pinned CA's valid Ed25519 certificates and {@code bad_signature} when the signature does not verify.
     */
    public byte[] verify(SignedEnvelope envelope) {
        Objects.requireNonNull(envelope, "envelope");
        X509Certificate signer = trustedSigner(envelope.signingCertificate());
        byte[] payload;
        byte[] signature;
        try {
            payload = Base64.getDecoder().decode(envelope.payload());
        } catch (IllegalArgumentException e) {
            throw ProvisioningException.field("bad_signature", "payload", "is not valid base64: " + e.getMessage());
        }
        try {
            signature = Base64.getDecoder().decode(envelope.signature());
        } catch (IllegalArgumentException e) {
            throw ProvisioningException.field("bad_signature", "signature", "is not valid base64: " + e.getMessage());
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(signer.getPublicKey());
            verifier.update(payload);
            valid = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // A malformed signature (wrong length) is reported by some providers as an exception, not as false.
            valid = false;
        }
        if (!valid) {
            throw new ProvisioningException("bad_signature",
                    "the envelope's Ed25519 signature does not verify over its payload; the bundle was altered or not signed by the controller");
        }
        return payload;
    }

    /**
     * Verifies, then parses the payload as {@code type} with {@link Json#mapper()}; a verified payload that does not
     * parse is {@code invalid_payload}.
     */
    public <T> T verify(SignedEnvelope envelope, Class<T> type) {
        byte[] payload = verify(envelope);
        try {
            return Json.mapper().readValue(payload, type);
        } catch (IOException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ProvisioningException p) {
                throw ProvisioningException.of("invalid_payload", p.field().orElse(null),
                        "signed " + type.getSimpleName() + " is invalid: " + p.getMessage(), e);
            }
            if (cause instanceof ValidationException v) {
                throw ProvisioningException.of("invalid_payload", v.field(), "signed " + type.getSimpleName() + " is invalid: " + v.getMessage(), e);
            }
            throw new ProvisioningException("invalid_payload",
                    "signed payload is not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private X509Certificate trustedSigner(String pem) {
        X509Certificate signer;
        try {
            signer = Pem.parseCertificate(pem);
        } catch (ProvisioningException e) {
            throw new ProvisioningException("untrusted_signer", "the envelope's signing certificate does not parse: " + e.getMessage(), e);
        }
        String subject = signer.getSubjectX500Principal().getName();
        if (!signer.getIssuerX500Principal().equals(pinnedCa.getSubjectX500Principal())) {
            throw new ProvisioningException("untrusted_signer", "signing certificate '" + subject + "' was issued by '"
                    + signer.getIssuerX500Principal().getName() + "', not by the pinned controller CA");
        }
        try {
            signer.verify(pinnedCa.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException("untrusted_signer", "signing certificate '" + subject
                    + "' names the pinned CA as issuer but is not signed by its key", e);
        }
        Instant now = clock.instant();
        try {
            signer.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new ProvisioningException("untrusted_signer", "signing certificate '" + subject + "' is valid from "
                    + signer.getNotBefore().toInstant() + " to " + signer.getNotAfter().toInstant() + ", not at " + now
                    + "; check the appliance clock", e);
        }
        // Only an Ed25519 certificate that is no CA can sign bundles: device and server certificates of the same CA
        // are EC, so an appliance cannot sign a bundle for another with its own device key.
        if (!CertificateAuthority.isEd25519(signer.getPublicKey()) || signer.getBasicConstraints() >= 0) {
            throw new ProvisioningException("untrusted_signer", "certificate '" + subject + "' is not a bundle-signing certificate"
                    + " (it must be an Ed25519 end-entity certificate)");
        }
        boolean[] usage = signer.getKeyUsage();
        if (usage != null && !usage[0]) {
            throw new ProvisioningException("untrusted_signer", "signing certificate '" + subject + "' does not allow digital signatures");
        }
        return signer;
    }
}
