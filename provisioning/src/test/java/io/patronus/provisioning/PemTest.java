package io.patronus.provisioning;

import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PemTest {
    @Test
    void privateKey_ecRoundTrip_signsForSamePublicKey() throws Exception {
        KeyPair keys = DeviceKeys.generate();

        String pem = Pem.privateKey(keys.getPrivate());
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), pem);
        assertSignsFor(keys, Pem.parsePrivateKey(pem), "SHA256withECDSA");
    }

    @Test
    void privateKey_ed25519RoundTrip_signsForSamePublicKey() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        assertSignsFor(keys, Pem.parsePrivateKey(Pem.privateKey(keys.getPrivate())), "Ed25519");
    }

    @Test
    void publicKey_pemBlock() {
        assertTrue(Pem.publicKey(DeviceKeys.generate().getPublic()).startsWith("-----BEGIN PUBLIC KEY-----"));
    }

    @Test
    void parseCertificate_garbage_invalidCertificate() {
        for (String bad : new String[]{"", "not pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                Pem.publicKey(DeviceKeys.generate().getPublic())}) {
            assertEquals("invalid_certificate", assertThrows(ProvisioningException.class, () -> Pem.parseCertificate(bad)).code(), bad);
        }
    }

    @Test
    void parsePrivateKey_certificatePem_invalidKey() {
        assertEquals("invalid_key", assertThrows(ProvisioningException.class,
                () -> Pem.parsePrivateKey(Pem.publicKey(DeviceKeys.generate().getPublic()))).code());
    }

    private static void assertSignsFor(KeyPair original, PrivateKey parsed, String algorithm) throws Exception {
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(parsed);
        signer.update(new byte[]{1, 2, 3});
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(original.getPublic());
        verifier.update(new byte[]{1, 2, 3});
        assertTrue(verifier.verify(signer.sign()));
    }
}
