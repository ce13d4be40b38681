package io.patronus.provisioning;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;

/** PEM text for certificates and keys, the form in which they travel in JSON and sit in files. */
public final class Pem {
    private Pem() {
    }

    /** The certificate as one {@code CERTIFICATE} PEM block. */
    public static String certificate(X509Certificate certificate) {
        try {
            return write(new PemObject("CERTIFICATE", certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new ProvisioningException("invalid_certificate",
                    "cannot encode certificate " + certificate.getSubjectX500Principal() + ": " + e.getMessage(), e);
        }
    }

    /** Parses the first certificate of a PEM text; throws {@code invalid_certificate} when there is none. */
    public static X509Certificate parseCertificate(String pem) {
        Object object = readFirst(pem, "invalid_certificate", "certificate");
        if (!(object instanceof X509CertificateHolder holder)) {
            throw new ProvisioningException("invalid_certificate",
                    "expected a PEM CERTIFICATE block, found " + describe(object));
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (java.security.cert.CertificateException e) {
            throw new ProvisioningException("invalid_certificate", "the PEM certificate does not parse: " + e.getMessage(), e);
        }
    }

    /** The private key as an unencrypted PKCS#8 {@code PRIVATE KEY} PEM block; keep it in a {@link SecretFile}. */
    public static String privateKey(PrivateKey key) {
        byte[] pkcs8 = key.getEncoded();
        if (pkcs8 == null || !"PKCS#8".equals(key.getFormat())) {
            throw new ProvisioningException("invalid_key", "the " + key.getAlgorithm() + " private key cannot be exported as PKCS#8");
        }
        return write(new PemObject("PRIVATE KEY", pkcs8));
    }

    /** Parses an EC, Ed25519 or RSA private key from PKCS#8 ({@code PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}) PEM. */
    public static PrivateKey parsePrivateKey(String pem) {
        Object object = readFirst(pem, "invalid_key", "private key");
        PrivateKeyInfo info = switch (object) {
            case PrivateKeyInfo pki -> pki;
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            default -> throw new ProvisioningException("invalid_key",
                    "expected a PEM PRIVATE KEY block, found " + describe(object) + " (encrypted keys are not supported)");
        };
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm;
        if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            algorithm = "EC";
        } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
            algorithm = "Ed25519";
        } else if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            algorithm = "RSA";
        } else {
            throw new ProvisioningException("invalid_key", "unsupported private key algorithm " + oid + "; use EC P-256 or Ed25519");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new ProvisioningException("invalid_key", "the PEM " + algorithm + " private key does not parse: " + e.getMessage(), e);
        }
    }

    /** The public key as an X.509 SubjectPublicKeyInfo {@code PUBLIC KEY} PEM block. */
    public static String publicKey(PublicKey key) {
        return write(new PemObject("PUBLIC KEY", key.getEncoded()));
    }

    static Object readFirst(String pem, String code, String what) {
        if (pem == null || pem.isBlank()) {
            throw new ProvisioningException(code, "expected a PEM " + what + ", got empty text");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new ProvisioningException(code, "expected a PEM " + what + ", found no -----BEGIN block");
            }
            return object;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProvisioningException p) {
                throw p;
            }
            throw new ProvisioningException(code, "the PEM " + what + " is malformed: " + e.getMessage(), e);
        }
    }

    static String write(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException("writing PEM to memory", e);
        }
        return out.toString();
    }

    private static String describe(Object object) {
        return object.getClass().getSimpleName();
    }
}
