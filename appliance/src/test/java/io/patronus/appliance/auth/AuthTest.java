package io.patronus.appliance.auth;

import io.patronus.model.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthTest {
    @Test
    void argon2id_verifiesTheRightPasswordOnly_andSaltsEachHash() {
        PasswordHasher h = new PasswordHasher(1024, 1, 1);
        String a = h.hash("correct horse".toCharArray());
        assertTrue(a.startsWith("$argon2id$v=19$m=1024,t=1,p=1$"), a);
        assertTrue(h.verify("correct horse".toCharArray(), a));
        assertFalse(h.verify("correct horsE".toCharArray(), a));
        assertNotEquals(a, h.hash("correct horse".toCharArray()), "fresh salt per hash");
        assertFalse(h.verify("x".toCharArray(), "$argon2id$v=19$m=1024,t=1,p=1$garbage"));
        assertFalse(h.verify("x".toCharArray(), "plain"));
    }

    @Test
    void verify_readsTheParametersFromTheStoredHash() {
        // Raising the cost later must not lock out users whose hashes were made with the old parameters.
        PasswordHasher strong = PasswordHasher.owaspDefaults();
        String hash = strong.hash("pw".toCharArray());
        assertTrue(new PasswordHasher(1024, 1, 1).verify("pw".toCharArray(), hash), "parameters are read from the hash");
    }

    @Test
    void tokens_roundTrip_expire_andRejectTampering() {
        byte[] key = new byte[32];
        key[0] = 7;
        Instant now = Instant.parse("2026-11-23T08:00:00Z");
        TokenService t = new TokenService(key, Duration.ofMinutes(30), Clock.fixed(now, ZoneOffset.UTC));
        String token = t.issue(new Principal("op", Role.OPERATOR)).token();
        assertEquals(new Principal("op", Role.OPERATOR), t.verify(token));
        TokenService later = new TokenService(key, Duration.ofMinutes(30), Clock.fixed(now.plus(Duration.ofMinutes(31)), ZoneOffset.UTC));
        assertTrue(assertThrows(AuthException.class, () -> later.verify(token)).getMessage().contains("expired"));
        byte[] other = key.clone();
        other[1] = 1;
        assertThrows(AuthException.class, () -> new TokenService(other, Duration.ofMinutes(30), Clock.fixed(now, ZoneOffset.UTC)).verify(token));
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"op\",\"role\":\"admin\",\"iss\":\"patronus-appliance\",\"exp\":9999999999}".getBytes()) + "." + parts[2];
        assertThrows(AuthException.class, () -> t.verify(forged));
        assertThrows(AuthException.class, () -> t.verify("not-a-jwt"));
    }

    @Test
    void secretFiles_areCreated0600_andRefusedWhenWorldReadable(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("secrets/key");
        SecretFiles.write(f, new byte[]{1, 2, 3});
        assertEquals(0600, SecretFiles.mode(f));
        assertEquals(3, SecretFiles.read(f).length);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(assertThrows(java.io.IOException.class, () -> SecretFiles.read(f)).getMessage().contains("0644"));
    }
}
