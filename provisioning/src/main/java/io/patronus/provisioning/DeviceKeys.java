package io.patronus.provisioning;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;

/** The appliance's device key (EC P-256, generated on the appliance, never sent) and the CSRs it signs. */
public final class DeviceKeys {
    private static final String CODE = "invalid_csr";

    private DeviceKeys() {
    }

    /** A fresh EC P-256 key pair. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has EC P-256", e);
        }
    }

    /** A PKCS#10 request in PEM, subject {@code CN=<serial>}, signed SHA256withECDSA by the pair's private key. */
    public static String csr(KeyPair keys, String serial) {
        if (serial == null || serial.isBlank()) {
            throw new ProvisioningException(CODE, "a CSR needs the device serial as its common name, got a blank one");
        }
        X500Name subject = Certificates.name(Certificates.rdn(BCStyle.CN, serial));
        try {
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            return Pem.write(request);
        } catch (OperatorCreationException e) {
            throw new ProvisioningException(CODE, "cannot sign a CSR with the " + keys.getPrivate().getAlgorithm()
                    + " device key (it must be EC P-256): " + e.getMessage(), e);
        }
    }

    /**
     * Parses a PEM CSR and checks its self-signature, which proves the requester holds the private key; the key must
     * be EC P-256 and the subject a single common name. Throws {@code invalid_csr} saying which check failed.
     */
    public static CsrInfo verifyCsr(String csrPem) {
        Object object;
        try {
            object = Pem.readFirst(csrPem, CODE, "certificate request");
        } catch (ProvisioningException e) {
            throw new ProvisioningException(CODE, e.getMessage(), e);
        }
        if (!(object instanceof PKCS10CertificationRequest request)) {
            throw new ProvisioningException(CODE, "expected a PEM CERTIFICATE REQUEST, found " + object.getClass().getSimpleName());
        }
        AlgorithmIdentifier keyAlgorithm = request.getSubjectPublicKeyInfo().getAlgorithm();
        if (!keyAlgorithm.getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
                || !SECObjectIdentifiers.secp256r1.equals(keyAlgorithm.getParameters())) {
            throw new ProvisioningException(CODE, "the CSR's key must be EC P-256, was " + keyAlgorithm.getAlgorithm()
                    + "; generate the device key with DeviceKeys.generate()");
        }
        try {
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getSubjectPublicKeyInfo()))) {
                throw new ProvisioningException(CODE, "the CSR's signature does not verify with its own public key;"
                        + " the request was altered or signed with another key");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new ProvisioningException(CODE, "the CSR's signature cannot be checked: " + e.getMessage(), e);
        }
        String commonName = Certificates.single(request.getSubject(), BCStyle.CN)
                .orElseThrow(() -> new ProvisioningException(CODE,
                        "the CSR's subject must be exactly one CN=<device serial>, was '" + request.getSubject() + "'"));
        if (request.getSubject().getRDNs().length != 1) {
            throw new ProvisioningException(CODE, "the CSR's subject must be only CN=<device serial>, was '" + request.getSubject() + "'");
        }
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException(CODE, "the CSR's public key does not parse: " + e.getMessage(), e);
        }
        return new CsrInfo(commonName, key);
    }

}
