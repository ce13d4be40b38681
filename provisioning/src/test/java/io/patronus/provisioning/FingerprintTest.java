package io.patronus.provisioning;

import io.patronus.common.testing.ManualClock;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FingerprintTest {
    private static final String HEX = "ab".repeat(16) + "0123456789abcdef".repeat(2);

    @Test
    void normalise_upperCaseWithColons_canonical() {
        assertEquals("sha256:" + HEX, Fingerprint.normalise(BootstrapTest.colons(HEX.toUpperCase())));
        assertEquals("sha256:" + HEX, Fingerprint.normalise("SHA256:" + BootstrapTest.colons(HEX)));
        assertEquals("sha256:" + HEX, Fingerprint.normalise("  " + HEX + "\n"));
        assertEquals("sha256:" + HEX, Fingerprint.normalise("sha256:" + HEX));
    }

    @Test
    void normalise_wrongLengthOrNonHex_invalidFingerprint() {
        for (String bad : new String[]{"", "sha256:", HEX.substring(2), HEX + "00", HEX.replace('a', 'g'), "sha1:" + HEX}) {
            assertEquals("invalid_fingerprint", assertThrows(ProvisioningException.class, () -> Fingerprint.normalise(bad)).code(), bad);
        }
    }

    @Property(tries = 200)
    void normalise_anySpellingOfSameBytes_sameResult(@ForAll @Size(32) byte[] digest, @ForAll boolean upper,
                                                     @ForAll boolean colons, @ForAll boolean prefix) {
        String hex = HexFormat.of().formatHex(digest);
        String spelled = upper ? hex.toUpperCase() : hex;
        spelled = colons ? BootstrapTest.colons(spelled) : spelled;
        spelled = prefix ? "sha256:" + spelled : spelled;

        String normal = Fingerprint.normalise(spelled);
        assertEquals("sha256:" + hex, normal);
        assertEquals(normal, Fingerprint.normalise(normal));
    }

    @Test
    void matches_pinnedInAnySpelling_trueOnlyForThatCertificate(@TempDir Path dir) {
        ManualClock clock = ManualClock.at("2026-03-01T00:00:00Z");
        X509Certificate ca = CertificateAuthority.loadOrCreate(dir.resolve("a"), "A", clock).certificate();
        X509Certificate other = CertificateAuthority.loadOrCreate(dir.resolve("b"), "A", clock).certificate();
        String fingerprint = Fingerprint.sha256(ca);

        assertTrue(Fingerprint.matches(fingerprint, ca));
        assertTrue(Fingerprint.matches(BootstrapTest.colons(fingerprint.substring(7).toUpperCase()), ca));
        assertFalse(Fingerprint.matches(fingerprint, other));
    }
}
