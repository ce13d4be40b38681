package io.patronus.provisioning;

import io.patronus.common.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertificateAuthorityTest {
    private final ManualClock clock = ManualClock.at("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void loadOrCreate_reloadFromDisk_sameFingerprint() {
        CertificateAuthority created = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        CertificateAuthority reloaded = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        assertEquals(created.fingerprint(), reloaded.fingerprint());
        assertEquals(created.certificatePem(), reloaded.certificatePem());
        assertEquals(created.fingerprint(), Fingerprint.sha256(Pem.parseCertificate(reloaded.certificatePem())));
        assertTrue(created.fingerprint().matches("sha256:[0-9a-f]{64}"));
    }

    @Test
    void loadOrCreate_newCa_isSelfSignedTenYearCa() throws Exception {
        X509Certificate ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock).certificate();

        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "basicConstraints CA");
        assertEquals("EC", ca.getPublicKey().getAlgorithm());
        assertTrue(ca.getNotAfter().toInstant().isAfter(clock.instant().plus(Duration.ofDays(3649))));
        assertTrue(ca.getSubjectX500Principal().getName().contains("CN=Patronus CA"));
    }

    @Test
    void loadOrCreate_privateKeyFile_isMode0600() throws Exception {
        CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
        assertTrue(Files.readString(dir.resolve("ca.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
    }

    @Test
    void loadOrCreate_certificateWithoutKey_refusedRatherThanReplaced() throws Exception {
        CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        Files.delete(dir.resolve("ca.key"));

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock));
        assertEquals("ca_error", e.code());
        assertTrue(e.getMessage().contains("ca.key"), e.getMessage());
    }

    @Test
    void loadOrCreate_keyWithoutCertificate_remakesCertificateForSameKey() throws Exception {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        Files.delete(dir.resolve("ca.pem"));

        CertificateAuthority second = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        assertEquals(first.certificate().getPublicKey(), second.certificate().getPublicKey());
    }

    @Test
    void loadOrCreate_certificateOfAnotherKey_refused(@TempDir Path other) throws Exception {
        CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        CertificateAuthority.loadOrCreate(other, "Patronus CA", clock);
        Files.copy(other.resolve("ca.pem"), dir.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock));
        assertEquals("ca_error", e.code());
    }

    @Test
    void issueDevice_fromCsr_carriesSiteAndSerialAndVerifies() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        KeyPair device = DeviceKeys.generate();

        X509Certificate cert = ca.issueDevice(DeviceKeys.csr(device, "PAT-000123"), "PAT-000123", "branch-12", Duration.ofDays(7));

        assertEquals(device.getPublic(), cert.getPublicKey());
        cert.verify(ca.certificate().getPublicKey());
        assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "clientAuth");
        assertEquals(-1, cert.getBasicConstraints());
        assertTrue(cert.getSerialNumber().bitLength() > 64, "random 128-bit serial");
        DeviceIdentity identity = DeviceIdentity.of(cert);
        assertEquals("branch-12", identity.siteId());
        assertEquals("PAT-000123", identity.serial());
        assertEquals(cert.getSerialNumber().toString(16), identity.certificateSerial());
        assertEquals(clock.instant().plus(Duration.ofDays(7)), identity.notAfter());
        assertTrue(cert.getSubjectX500Principal().getName().contains("O=Patronus appliance"));

        DeviceIdentity verified = ca.verifyDevice(new X509Certificate[]{cert, ca.certificate()}, clock.instant());
        assertEquals(identity, verified);
    }

    @Test
    void issueDevice_twice_differentCertificateSerials() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        String csr = DeviceKeys.csr(DeviceKeys.generate(), "PAT-1");

        assertNotEquals(ca.issueDevice(csr, "PAT-1", "a", Duration.ofDays(1)).getSerialNumber(),
                ca.issueDevice(csr, "PAT-1", "a", Duration.ofDays(1)).getSerialNumber());
    }

    @Test
    void issueDevice_tamperedCsrSignature_invalidCsr() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        String csr = tamperLastSignatureByte(DeviceKeys.csr(DeviceKeys.generate(), "PAT-000123"));

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> ca.issueDevice(csr, "PAT-000123", "branch-12", Duration.ofDays(7)));
        assertEquals("invalid_csr", e.code());
        assertTrue(e.getMessage().contains("signature does not verify"), e.getMessage());
    }

    @Test
    void issueDevice_csrCommonNameNotExpectedSerial_serialMismatch() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        String csr = DeviceKeys.csr(DeviceKeys.generate(), "PAT-999");

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> ca.issueDevice(csr, "PAT-000123", "branch-12", Duration.ofDays(7)));
        assertEquals("serial_mismatch", e.code());
        assertTrue(e.getMessage().contains("PAT-999") && e.getMessage().contains("PAT-000123"), e.getMessage());
    }

    @Test
    void verifyCsr_notPem_invalidCsr() {
        assertEquals("invalid_csr", assertThrows(ProvisioningException.class, () -> DeviceKeys.verifyCsr("hello")).code());
        assertEquals("invalid_csr", assertThrows(ProvisioningException.class,
                () -> DeviceKeys.verifyCsr(CertificateAuthority.loadOrCreate(dir, "X", clock).certificatePem())).code());
    }

    @Test
    void verifyCsr_validCsr_returnsSerialAndKey() {
        KeyPair device = DeviceKeys.generate();

        CsrInfo info = DeviceKeys.verifyCsr(DeviceKeys.csr(device, "PAT-000123"));
        assertEquals("PAT-000123", info.commonName());
        assertEquals(device.getPublic(), info.publicKey());
    }

    @Test
    void verifyDevice_certificateFromAnotherCa_untrusted(@TempDir Path otherDir) {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        CertificateAuthority other = CertificateAuthority.loadOrCreate(otherDir, "Patronus CA", clock);
        X509Certificate foreign = other.issueDevice(DeviceKeys.csr(DeviceKeys.generate(), "PAT-1"), "PAT-1", "branch-1", Duration.ofDays(7));

        // Same subject name on both CAs: only the signature check can tell them apart.
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> ca.verifyDevice(new X509Certificate[]{foreign}, clock.instant()));
        assertEquals("untrusted_certificate", e.code());
    }

    @Test
    void verifyDevice_expiredCertificate_untrusted() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        X509Certificate cert = ca.issueDevice(DeviceKeys.csr(DeviceKeys.generate(), "PAT-1"), "PAT-1", "branch-1", Duration.ofDays(7));

        Instant later = clock.instant().plus(Duration.ofDays(7)).plusSeconds(1);
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> ca.verifyDevice(new X509Certificate[]{cert}, later));
        assertEquals("untrusted_certificate", e.code());
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        ca.verifyDevice(new X509Certificate[]{cert}, later.minusSeconds(2));
    }

    @Test
    void verifyDevice_serverCertificateOfSameCa_untrusted() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);
        X509Certificate server = ca.issueServer(DeviceKeys.generate().getPublic(), List.of("controller.example"), List.of(), Duration.ofDays(30));

        assertEquals("untrusted_certificate", assertThrows(ProvisioningException.class,
                () -> ca.verifyDevice(new X509Certificate[]{server}, clock.instant())).code());
    }

    @Test
    void verifyDevice_noCertificate_clientCertificateRequired() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        assertEquals("client_certificate_required", assertThrows(ProvisioningException.class,
                () -> ca.verifyDevice(new X509Certificate[0], clock.instant())).code());
    }

    @Test
    void issueServer_namesAndAddresses_becomeSubjectAlternativeNames() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        X509Certificate cert = ca.issueServer(DeviceKeys.generate().getPublic(), List.of("controller.example"),
                List.of("192.0.2.250", "2001:db8::1"), Duration.ofDays(365));

        List<String> sans = cert.getSubjectAlternativeNames().stream().map(san -> san.get(1).toString()).toList();
        assertTrue(sans.contains("controller.example"), sans.toString());
        assertTrue(sans.contains("192.0.2.250"), sans.toString());
        assertTrue(sans.stream().anyMatch(s -> s.startsWith("2001:db8:")), sans.toString());
        assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
        assertFalse(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"));
    }

    @Test
    void issueServer_hostNameAsIpAddress_refused() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        assertEquals("ca_error", assertThrows(ProvisioningException.class, () -> ca.issueServer(
                DeviceKeys.generate().getPublic(), List.of(), List.of("controller.example"), Duration.ofDays(1))).code());
    }

    @Test
    void issue_validityBeyondCa_clampedToCaExpiry() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        X509Certificate cert = ca.issueServer(DeviceKeys.generate().getPublic(), List.of("c"), List.of(), Duration.ofDays(20_000));
        assertEquals(ca.certificate().getNotAfter(), cert.getNotAfter());
    }

    @Test
    void issueSigning_ecKey_refused() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "Patronus CA", clock);

        assertThrows(ProvisioningException.class, () -> ca.issueSigning(DeviceKeys.generate().getPublic(), Duration.ofDays(1)));
    }

    /** Flips the last byte of the DER, which is inside the ECDSA signature, and re-wraps it as PEM. */
    static String tamperLastSignatureByte(String pem) {
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(body);
        der[der.length - 1] ^= 0x01;
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }
}
