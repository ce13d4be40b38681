package io.patronus.provisioning;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * SHA-256 fingerprints of certificates in one spelling, {@code sha256:} and 64 lower-case hex digits of the DER, as
 * pinned in the bootstrap file.
 */
public final class Fingerprint {
    private static final String PREFIX = "sha256:";

    private Fingerprint() {
    }

    /** The fingerprint of the certificate's DER encoding. */
    public static String sha256(X509Certificate certificate) {
        try {
            return PREFIX + HexFormat.of().formatHex(digest(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new ProvisioningException("invalid_certificate",
                    "cannot encode certificate " + certificate.getSubjectX500Principal() + " to fingerprint it", e);
        }
    }

    /**
     * Brings a fingerprint as people copy it ({@code AB:CD:...}, with or without {@code sha256:}, any case) to the one
     * spelling; throws {@code invalid_fingerprint} when it is not 32 bytes of hex.
     */
    public static String normalise(String text) {
        if (text == null) {
            throw new ProvisioningException("invalid_fingerprint", "a SHA-256 fingerprint is required, got none");
        }
        String hex = text.strip().toLowerCase(Locale.ROOT);
        if (hex.startsWith(PREFIX)) {
            hex = hex.substring(PREFIX.length());
        }
        hex = hex.replace(":", "");
        if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new ProvisioningException("invalid_fingerprint",
                    "must be a SHA-256 fingerprint of 64 hex digits (optionally 'sha256:' and colons), was '" + clip(text) + "'");
        }
        return PREFIX + hex;
    }

    /** True when the certificate has the pinned fingerprint; compares in constant time. */
    public static boolean matches(String pinned, X509Certificate certificate) {
        byte[] expected = normalise(pinned).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = sha256(certificate).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, actual);
    }

    static byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String clip(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}
