package io.patronus.appliance.auth;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Argon2id password hashing (Bouncy Castle) in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, so the parameters travel with each hash and can be raised
 * later without invalidating stored ones. Defaults follow OWASP's minimum for Argon2id (19 MiB, 2 passes).
 */
public final class PasswordHasher {
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    private final SecureRandom random = new SecureRandom();

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
            throw new IllegalArgumentException("Argon2id parameters out of range: m=" + memoryKib + " t=" + iterations + " p=" + parallelism);
        }
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
    }

    public static PasswordHasher owaspDefaults() {
        return new PasswordHasher(19 * 1024, 2, 1);
    }

    /** Hashes a password with a fresh 16-byte salt. Thread-safe. */
    public String hash(char[] password) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] out = derive(password, salt, memoryKib, iterations, parallelism, 32);
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$" + B64.encodeToString(salt)
                + "$" + B64.encodeToString(out);
    }

    /** True when {@code password} matches {@code phc}; a malformed hash never matches. Constant-time comparison. */
    public boolean verify(char[] password, String phc) {
        String[] parts = phc.split("\\$");
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return false;
        }
        try {
            int m = 0;
            int t = 0;
            int p = 0;
            for (String kv : parts[3].split(",")) {
                String[] pair = kv.split("=", 2);
                int v = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> p = v;
                    default -> {
                        return false;
                    }
                }
            }
            if (m < 8 || m > 1 << 22 || t < 1 || t > 100 || p < 1 || p > 64) {
                return false;
            }
            byte[] salt = B64D.decode(parts[4]);
            byte[] expected = B64D.decode(parts[5]);
            byte[] actual = derive(password, salt, m, t, p, expected.length);
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int m, int t, int p, int length) {
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(m)
                .withIterations(t)
                .withParallelism(p)
                .withSalt(salt)
                .build());
        byte[] out = new byte[length];
        byte[] pw = new String(password).getBytes(StandardCharsets.UTF_8);
        gen.generateBytes(pw, out);
        java.util.Arrays.fill(pw, (byte) 0);
        return out;
    }
}
