package io.patronus.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.model.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;

/**
 * The controller's bundle signer: an Ed25519 key ({@code signing.key}, 0600) and its certificate from the CA
 * ({@code signing.pem}), which turn payloads into {@link SignedEnvelope}s. Thread-safe.
 */
public final class BundleSigner {
    static final String KEY_FILE = "signing.key";
    static final String CERTIFICATE_FILE = "signing.pem";
    static final Duration VALIDITY = Duration.ofDays(3650);
    /** Re-issued this long before it expires, so that no appliance ever sees an expired signing certificate. */
    static final Duration REISSUE_BEFORE = Duration.ofDays(30);

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final String certificatePem;

    private BundleSigner(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
        this.certificatePem = Pem.certificate(certificate);
    }

    /**
     * Loads the signing key from {@code dir}, or creates it, and makes sure its certificate is one of {@code ca}'s,
     * for this key, and not close to expiry; otherwise issues a new one (for example after the CA was replaced).
     */
    public static BundleSigner loadOrCreate(Path dir, CertificateAuthority ca) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(ca, "ca");
        Path keyFile = dir.resolve(KEY_FILE);
        Path certificateFile = dir.resolve(CERTIFICATE_FILE);
        PrivateKey key;
        PublicKey publicKey = null;
        if (Files.exists(keyFile)) {
            key = Pem.parsePrivateKey(SecretFile.read(keyFile));
            if (!"EdDSA".equals(key.getAlgorithm()) && !"Ed25519".equals(key.getAlgorithm())) {
                throw new ProvisioningException("ca_error", keyFile + " holds a " + key.getAlgorithm()
                        + " key, the bundle-signing key must be Ed25519; move it away to create a new one");
            }
        } else {
            KeyPair pair = generate();
            SecretFile.write(keyFile, Pem.privateKey(pair.getPrivate()));
            key = pair.getPrivate();
            publicKey = pair.getPublic();
        }
        X509Certificate existing = Files.exists(certificateFile) ? Pem.parseCertificate(SecretFile.read(certificateFile)) : null;
        if (existing != null && usable(existing, key, ca)) {
            return new BundleSigner(key, existing);
        }
        if (publicKey == null && existing != null && CertificateAuthority.holdsKey(existing.getPublicKey(), key)) {
            publicKey = existing.getPublicKey();
        }
        if (publicKey == null) {
            // The key is there but no certificate we can take its public key from: start over with a new key.
            KeyPair pair = generate();
            SecretFile.write(keyFile, Pem.privateKey(pair.getPrivate()));
            key = pair.getPrivate();
            publicKey = pair.getPublic();
        }
        X509Certificate issued = ca.issueSigning(publicKey, VALIDITY);
        SecretFile.writeAtomically(certificateFile, Pem.certificate(issued), SecretFile.WORLD_READABLE);
        return new BundleSigner(key, issued);
    }

    /** The signing certificate, as carried in every envelope. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Signs the exact bytes given. */
    public SignedEnvelope sign(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(payload);
            Base64.Encoder base64 = Base64.getEncoder();
            return new SignedEnvelope(base64.encodeToString(payload), base64.encodeToString(signer.sign()), certificatePem);
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException("ca_error", "cannot sign a bundle with the Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Signs the JSON of {@code payload} as written by {@link Json#mapper()} (a {@code byte[]} goes to the other overload). */
    public SignedEnvelope sign(Object payload) {
        Objects.requireNonNull(payload, "payload");
        try {
            return sign(Json.mapper().writeValueAsBytes(payload));
        } catch (JsonProcessingException e) {
            throw new ProvisioningException("ca_error", "cannot write " + payload.getClass().getSimpleName() + " as JSON to sign it: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static boolean usable(X509Certificate existing, PrivateKey key, CertificateAuthority ca) {
        if (!existing.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())) {
            return false;
        }
        try {
            existing.verify(ca.certificate().getPublicKey());
            Instant now = ca.clock().instant();
            existing.checkValidity(Date.from(now));
            existing.checkValidity(Date.from(now.plus(REISSUE_BEFORE)));
        } catch (GeneralSecurityException e) {
            return false;
        }
        return CertificateAuthority.holdsKey(existing.getPublicKey(), key);
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform since 15 has Ed25519", e);
        }
    }
}
