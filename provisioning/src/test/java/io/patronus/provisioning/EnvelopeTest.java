package io.patronus.provisioning;

import io.patronus.common.testing.ManualClock;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeTest {
    private final ManualClock clock = ManualClock.at("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private BundleSigner signer;
    private EnvelopeVerifier verifier;

    @BeforeEach
    void setUp() {
        ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "Patronus CA", clock);
        signer = BundleSigner.loadOrCreate(dir.resolve("ca"), ca);
        verifier = new EnvelopeVerifier(ca.certificate(), clock);
    }

    @Test
    void verify_signedBytes_returnsExactBytes() {
        byte[] payload = "{\"b\": 1, \"a\": 2}".getBytes(StandardCharsets.UTF_8);

        assertArrayEquals(payload, verifier.verify(signer.sign(payload)));
    }

    @Test
    void verify_signedRecord_parsesBackEqual() {
        ConfigBundle bundle = new ConfigBundle("branch-12", 7, Instant.parse("2026-03-01T10:00:00Z"),
                new BundleConfig(List.of(), List.of(policy("voice", "lte")), List.of()));

        SignedEnvelope envelope = signer.sign(bundle);
        assertEquals(bundle, verifier.verify(envelope, ConfigBundle.class));
    }

    @Test
    void verify_envelopeThroughJson_stillVerifies() throws Exception {
        SignedEnvelope envelope = signer.sign((Object) java.util.Map.of("x", 1));
        String json = io.patronus.model.Json.mapper().writeValueAsString(envelope);

        assertTrue(!json.contains("payloadBytes"), json);
        SignedEnvelope back = io.patronus.model.Json.mapper().readValue(json, SignedEnvelope.class);
        assertEquals(envelope, back);
        verifier.verify(back);
    }

    @Test
    void verify_flippedPayloadByte_badSignature() {
        SignedEnvelope envelope = signer.sign("{\"version\":7}".getBytes(StandardCharsets.UTF_8));
        byte[] payload = envelope.payloadBytes();
        payload[10] ^= 0x01;
        SignedEnvelope tampered = new SignedEnvelope(Base64.getEncoder().encodeToString(payload), envelope.signature(),
                envelope.signingCertificate());

        assertEquals("bad_signature", assertThrows(ProvisioningException.class, () -> verifier.verify(tampered)).code());
    }

    @Test
    void verify_flippedSignatureByte_badSignature() {
        SignedEnvelope envelope = signer.sign("{\"version\":7}".getBytes(StandardCharsets.UTF_8));
        byte[] signature = Base64.getDecoder().decode(envelope.signature());
        signature[3] ^= 0x40;
        SignedEnvelope tampered = new SignedEnvelope(envelope.payload(), Base64.getEncoder().encodeToString(signature),
                envelope.signingCertificate());

        assertEquals("bad_signature", assertThrows(ProvisioningException.class, () -> verifier.verify(tampered)).code());
    }

    @Test
    void verify_truncatedSignature_badSignature() {
        SignedEnvelope envelope = signer.sign(new byte[]{1, 2, 3});
        SignedEnvelope tampered = new SignedEnvelope(envelope.payload(), Base64.getEncoder().encodeToString(new byte[10]),
                envelope.signingCertificate());

        assertEquals("bad_signature", assertThrows(ProvisioningException.class, () -> verifier.verify(tampered)).code());
    }

    @Test
    void verify_signerFromAnotherCa_untrustedSigner() {
        CertificateAuthority otherCa = CertificateAuthority.loadOrCreate(dir.resolve("other"), "Patronus CA", clock);
        BundleSigner otherSigner = BundleSigner.loadOrCreate(dir.resolve("other"), otherCa);

        ProvisioningException e = assertThrows(ProvisioningException.class, () -> verifier.verify(otherSigner.sign(new byte[]{1})));
        assertEquals("untrusted_signer", e.code());
    }

    @Test
    void verify_expiredSigningCertificate_untrustedSigner() {
        SignedEnvelope envelope = signer.sign(new byte[]{1});
        clock.advance(Duration.ofDays(3651));

        assertEquals("untrusted_signer", assertThrows(ProvisioningException.class, () -> verifier.verify(envelope)).code());
    }

    @Test
    void verify_deviceCertificateAsSigner_untrustedSigner() throws Exception {
        // An appliance holds a key certified by the same CA; it must not be able to sign bundles with it.
        var device = DeviceKeys.generate();
        X509Certificate deviceCert = ca.issueDevice(DeviceKeys.csr(device, "PAT-1"), "PAT-1", "branch-1", Duration.ofDays(7));
        byte[] payload = {1, 2};
        java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
        s.initSign(device.getPrivate());
        s.update(payload);
        SignedEnvelope forged = new SignedEnvelope(Base64.getEncoder().encodeToString(payload),
                Base64.getEncoder().encodeToString(s.sign()), Pem.certificate(deviceCert));

        assertEquals("untrusted_signer", assertThrows(ProvisioningException.class, () -> verifier.verify(forged)).code());
    }

    @Test
    void verify_validSignatureButWrongShape_invalidPayload() {
        SignedEnvelope envelope = signer.sign((Object) java.util.Map.of("siteId", "Not An Id", "version", 1));

        assertEquals("invalid_payload", assertThrows(ProvisioningException.class,
                () -> verifier.verify(envelope, ConfigBundle.class)).code());
    }

    @Test
    void loadOrCreate_reload_keepsKeyAndCertificate() throws Exception {
        BundleSigner again = BundleSigner.loadOrCreate(dir.resolve("ca"), ca);

        assertEquals(signer.certificate(), again.certificate());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca/signing.key"))));
        verifier.verify(again.sign(new byte[]{9}));
    }

    @Test
    void loadOrCreate_caReplaced_reissuesSigningCertificate() {
        CertificateAuthority newCa = CertificateAuthority.loadOrCreate(dir.resolve("new-ca"), "Patronus CA", clock);

        BundleSigner reissued = BundleSigner.loadOrCreate(dir.resolve("ca"), newCa);
        assertNotEquals(signer.certificate(), reissued.certificate());
        assertEquals(signer.certificate().getPublicKey(), reissued.certificate().getPublicKey());
        new EnvelopeVerifier(newCa.certificate(), clock).verify(reissued.sign(new byte[]{1}));
        assertEquals("untrusted_signer", assertThrows(ProvisioningException.class,
                () -> verifier.verify(reissued.sign(new byte[]{1}))).code());
    }

    private static Policy policy(String id, String primary) {
        return new Policy(id, id, 10, PolicyMatch.any(), new PolicyAction.Route(primary, "fiber".equals(primary) ? "lte" : "fiber", 60));
    }
}
