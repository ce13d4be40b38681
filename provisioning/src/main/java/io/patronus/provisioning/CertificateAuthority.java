package io.patronus.provisioning;

import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.util.IPAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * The controller's certificate authority: an EC P-256 key and a self-signed 10-year certificate kept in a directory,
 * which issues the device certificates, the controller's TLS server certificate and the bundle-signing certificate,
 * and decides whether a presented device certificate is one of its own. Immutable and thread-safe once loaded.
 */
public final class CertificateAuthority {
    static final String KEY_FILE = "ca.key";
    static final String CERTIFICATE_FILE = "ca.pem";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Certificates start this far in the past, so that a device whose clock is a little behind accepts them. */
    static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final String UNTRUSTED = "untrusted_certificate";

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final String certificatePem;
    private final String fingerprint;
    private final Clock clock;

    private CertificateAuthority(PrivateKey key, X509Certificate certificate, Clock clock) {
        this.key = key;
        this.certificate = certificate;
        this.certificatePem = Pem.certificate(certificate);
        this.fingerprint = Fingerprint.sha256(certificate);
        this.clock = clock;
    }

    /**
     * Loads the CA from {@code dir/ca.key} and {@code dir/ca.pem}, or creates both when neither exists, with subject
     * {@code CN=<name>}. When only the key exists (a crash between the two writes) the certificate is re-made from
     * it; when only the certificate exists the CA is refused, because a new key would orphan every enrolled device.
     */
    public static CertificateAuthority loadOrCreate(Path dir, String name, Clock clock) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        if (name == null || name.isBlank()) {
            throw new ProvisioningException("ca_error", "the CA needs a non-blank name for its subject CN");
        }
        Path keyFile = dir.resolve(KEY_FILE);
        Path certificateFile = dir.resolve(CERTIFICATE_FILE);
        boolean hasKey = Files.exists(keyFile);
        boolean hasCertificate = Files.exists(certificateFile);
        if (hasCertificate && !hasKey) {
            throw new ProvisioningException("ca_error", "CA directory " + dir + " has " + CERTIFICATE_FILE + " but no " + KEY_FILE
                    + "; restore the key from backup (a new CA would make every enrolled appliance distrust this controller)");
        }
        PrivateKey key;
        if (hasKey) {
            key = Pem.parsePrivateKey(SecretFile.read(keyFile));
        } else {
            KeyPair pair = DeviceKeys.generate();
            SecretFile.write(keyFile, Pem.privateKey(pair.getPrivate()));
            key = pair.getPrivate();
            hasCertificate = false;
        }
        X509Certificate certificate;
        if (hasCertificate) {
            certificate = Pem.parseCertificate(SecretFile.read(certificateFile));
            if (!holdsKey(certificate.getPublicKey(), key)) {
                throw new ProvisioningException("ca_error", "CA directory " + dir + ": " + CERTIFICATE_FILE
                        + " does not belong to " + KEY_FILE + "; restore the matching pair from backup");
            }
        } else {
            certificate = selfSign(key, name, clock);
            SecretFile.writeAtomically(certificateFile, Pem.certificate(certificate), SecretFile.WORLD_READABLE);
        }
        return new CertificateAuthority(key, certificate, clock);
    }

    /** The CA certificate, served at {@code GET /v1/ca} and pinned by its fingerprint. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate as PEM. */
    public String certificatePem() {
        return certificatePem;
    }

    /** The CA certificate's fingerprint, {@code sha256:<64 hex>}, as it goes into bootstrap files. */
    public String fingerprint() {
        return fingerprint;
    }

    Clock clock() {
        return clock;
    }

    /**
     * Issues a device certificate for the key in {@code csrPem}: subject {@code CN=<siteId>, SERIALNUMBER=<serial>,
     * O=Patronus appliance}, client authentication only. Throws {@code invalid_csr} when the CSR does not verify and
     * {@code serial_mismatch} when its CN is not {@code expectedSerial}.
     */
    public X509Certificate issueDevice(String csrPem, String expectedSerial, String siteId, Duration validity) {
        CsrInfo csr = DeviceKeys.verifyCsr(csrPem);
        if (expectedSerial == null || !csr.commonName().equals(expectedSerial)) {
            throw new ProvisioningException("serial_mismatch", "the CSR is for device serial '" + csr.commonName()
                    + "' but this appliance is '" + expectedSerial + "'; the CSR's subject must be CN=<own serial>");
        }
        if (siteId == null || siteId.isBlank()) {
            throw new ProvisioningException("ca_error", "a device certificate needs the site id, got a blank one");
        }
        X500Name subject = Certificates.name(Certificates.rdn(BCStyle.CN, siteId),
                Certificates.rdn(BCStyle.SERIALNUMBER, expectedSerial), Certificates.rdn(BCStyle.O, "Patronus appliance"));
        return issue(subject, csr.publicKey(), validity, "device", builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        });
    }

    /**
     * Issues the controller's TLS server certificate for {@code key} with the given DNS names and IP addresses as
     * subject alternative names (at least one in all), server authentication only.
     */
    public X509Certificate issueServer(PublicKey key, List<String> dnsNames, List<String> ipAddresses, Duration validity) {
        Objects.requireNonNull(key, "key");
        List<String> dns = dnsNames == null ? List.of() : dnsNames;
        List<String> ips = ipAddresses == null ? List.of() : ipAddresses;
        List<GeneralName> names = new ArrayList<>();
        for (String name : dns) {
            if (name == null || name.isBlank()) {
                throw new ProvisioningException("ca_error", "a server certificate DNS name must not be blank, got " + dns);
            }
            names.add(new GeneralName(GeneralName.dNSName, name));
        }
        for (String ip : ips) {
            // Checked here: GeneralName would otherwise accept text it cannot encode, and InetAddress would resolve it.
            if (ip == null || !(IPAddress.isValid(ip))) {
                throw new ProvisioningException("ca_error", "a server certificate IP address must be an IPv4 or IPv6 literal, got '" + ip + "'");
            }
            names.add(new GeneralName(GeneralName.iPAddress, ip));
        }
        if (names.isEmpty()) {
            throw new ProvisioningException("ca_error", "a server certificate needs at least one DNS name or IP address;"
                    + " appliances verify the controller's name against them");
        }
        String commonName = !dns.isEmpty() ? dns.getFirst() : ips.getFirst();
        X500Name subject = Certificates.name(Certificates.rdn(BCStyle.CN, commonName), Certificates.rdn(BCStyle.O, "Patronus controller"));
        int usage = KeyUsage.digitalSignature | ("RSA".equals(key.getAlgorithm()) ? KeyUsage.keyEncipherment : 0);
        return issue(subject, key, validity, "server", builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        });
    }

    /**
     * Issues the certificate that carries the controller's Ed25519 bundle-signing key: {@code CN=Patronus bundle
     * signing}, digital signature only. Verifiers accept bundles only from Ed25519 certificates of this CA, so a
     * device key (always EC) can never pass for it.
     */
    public X509Certificate issueSigning(PublicKey ed25519Key, Duration validity) {
        Objects.requireNonNull(ed25519Key, "ed25519Key");
        if (!isEd25519(ed25519Key)) {
            throw new ProvisioningException("ca_error", "the bundle-signing key must be Ed25519, was " + ed25519Key.getAlgorithm());
        }
        X500Name subject = Certificates.name(Certificates.rdn(BCStyle.CN, "Patronus bundle signing"), Certificates.rdn(BCStyle.O, "Patronus controller"));
        return issue(subject, ed25519Key, validity, "signing", builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        });
    }

    /**
     * Checks that the leaf of a presented chain is a device certificate signed by this CA and valid at {@code now},
     * and returns whom it identifies. Throws {@code client_certificate_required} for an empty chain and
     * {@code untrusted_certificate} saying why otherwise. Whether it is the appliance's current certificate (not a
     * revoked one) is the caller's question.
     */
    public DeviceIdentity verifyDevice(X509Certificate[] chain, Instant now) {
        Objects.requireNonNull(now, "now");
        if (chain == null || chain.length == 0 || chain[0] == null) {
            throw new ProvisioningException("client_certificate_required",
                    "this route needs the appliance's device certificate at TLS; none was presented");
        }
        X509Certificate leaf = chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        if (!leaf.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            throw new ProvisioningException(UNTRUSTED, "certificate '" + subject + "' was issued by '"
                    + leaf.getIssuerX500Principal().getName() + "', not by this controller's CA; re-enrol the appliance");
        }
        try {
            leaf.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException(UNTRUSTED, "certificate '" + subject
                    + "' names this controller's CA as issuer but its signature does not verify with the CA key; re-enrol the appliance", e);
        }
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new ProvisioningException(UNTRUSTED, "certificate '" + subject + "' expired at " + leaf.getNotAfter().toInstant()
                    + " (now " + now + "); the appliance missed its renewal and must re-enrol", e);
        } catch (CertificateNotYetValidException e) {
            throw new ProvisioningException(UNTRUSTED, "certificate '" + subject + "' is not valid before "
                    + leaf.getNotBefore().toInstant() + " (now " + now + "); check the clocks", e);
        }
        if (!hasClientAuth(leaf)) {
            throw new ProvisioningException(UNTRUSTED, "certificate '" + subject + "' is not a device certificate (no clientAuth usage)");
        }
        try {
            return DeviceIdentity.of(leaf);
        } catch (ProvisioningException e) {
            throw new ProvisioningException(UNTRUSTED, e.getMessage(), e);
        }
    }

    /** Adds one certificate's own extensions to a builder; a lambda so that the BC checked exception stays in one place. */
    @FunctionalInterface
    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws CertIOException;
    }

    private X509Certificate issue(X500Name subject, PublicKey subjectKey, Duration validity, String kind, Extensions extensions) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new ProvisioningException("ca_error", "a " + kind + " certificate needs a positive validity, got " + validity);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = now.plus(validity);
        Instant caNotAfter = certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            // A certificate cannot be trusted past its issuer; say so in the certificate rather than let it lie.
            notAfter = caNotAfter;
        }
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), Certificates.randomSerial(),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, subjectKey);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            extensions.add(builder);
        } catch (CertIOException | NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new ProvisioningException("ca_error", "cannot build the " + kind + " certificate for '" + subject + "': " + e.getMessage(), e);
        }
        return Certificates.sign(builder, key);
    }

    private static X509Certificate selfSign(PrivateKey key, String name, Clock clock) {
        PublicKey publicKey = publicKeyOf(key);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        X500Name subject = Certificates.name(Certificates.rdn(BCStyle.CN, name), Certificates.rdn(BCStyle.O, "Patronus"));
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, Certificates.randomSerial(),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), subject, publicKey);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw new ProvisioningException("ca_error", "cannot build the CA certificate '" + subject + "': " + e.getMessage(), e);
        }
        return Certificates.sign(builder, key);
    }

    /** Derives the EC public point from the private scalar, so that a CA key alone is enough to re-make its certificate. */
    private static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) {
            throw new ProvisioningException("ca_error", "the CA key must be EC P-256, was " + key.getAlgorithm());
        }
        try {
            org.bouncycastle.jce.spec.ECNamedCurveParameterSpec curve = org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("secp256r1");
            org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(ec.getS()).normalize();
            java.security.spec.ECPoint point = new java.security.spec.ECPoint(
                    q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return java.security.KeyFactory.getInstance("EC").generatePublic(new java.security.spec.ECPublicKeySpec(point, ec.getParams()));
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException("ca_error", "cannot derive the CA public key: " + e.getMessage(), e);
        }
    }

    /** True when {@code key} signs what {@code publicKey} verifies: the key and certificate files belong together. */
    static boolean holdsKey(PublicKey publicKey, PrivateKey key) {
        try {
            String algorithm = isEd25519(publicKey) ? "Ed25519" : "SHA256withECDSA";
            byte[] probe = "patronus key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static boolean isEd25519(PublicKey key) {
        return SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getAlgorithm().equals(EdECObjectIdentifiers.id_Ed25519);
    }

    private static boolean hasClientAuth(X509Certificate leaf) {
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            return usages != null && usages.contains(KeyPurposeId.id_kp_clientAuth.getId());
        } catch (CertificateParsingException e) {
            return false;
        }
    }
}
