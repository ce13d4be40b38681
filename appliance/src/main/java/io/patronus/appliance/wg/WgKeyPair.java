package io.patronus.appliance.wg;

import io.patronus.appliance.auth.SecretFiles;
import org.bouncycastle.math.ec.rfc7748.X25519;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A WireGuard X25519 key pair (Bouncy Castle's RFC 7748 implementation) in WireGuard's base64 text form. The private
 * key never appears in {@link #toString()}, logs or API answers; on disk it lives in a 0600 file written by
 * {@link SecretFiles}.
 */
public final class WgKeyPair {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] privateKey;
    private final byte[] publicKey;

    private WgKeyPair(byte[] privateKey) {
        this.privateKey = clamp(privateKey.clone());
        this.publicKey = new byte[32];
        X25519.scalarMultBase(this.privateKey, 0, publicKey, 0);
    }

    /** A fresh random key pair. Thread-safe. */
    public static WgKeyPair generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new WgKeyPair(k);
    }

    /** The key pair of a base64 private key, as {@code wg genkey} prints it. */
    public static WgKeyPair fromPrivateBase64(String base64) {
        byte[] k;
        try {
            k = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a WireGuard private key: invalid base64");
        }
        if (k.length != 32) {
            throw new IllegalArgumentException("not a WireGuard private key: " + k.length + " bytes, expected 32");
        }
        return new WgKeyPair(k);
    }

    /** Loads the private key from {@code file} (refused unless mode 0600), creating a new pair there the first time. */
    public static WgKeyPair loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            WgKeyPair fresh = generate();
            SecretFiles.write(file, (fresh.privateBase64() + "\n").getBytes(StandardCharsets.US_ASCII));
            return fresh;
        }
        byte[] content = SecretFiles.read(file);
        try {
            return fromPrivateBase64(new String(content, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException("private key file " + file + " is damaged: " + e.getMessage());
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /** Curve25519 clamping, as WireGuard applies it to every private key. */
    private static byte[] clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
        return k;
    }

    public String publicBase64() {
        return Base64.getEncoder().encodeToString(publicKey);
    }

    /** The private key in base64; only for writing the key file or configuring the device, never for output. */
    public String privateBase64() {
        return Base64.getEncoder().encodeToString(privateKey);
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public byte[] privateKey() {
        return privateKey.clone();
    }

    @Override
    public String toString() {
        return "WgKeyPair[public=" + publicBase64() + ", private=(hidden)]";
    }
}
