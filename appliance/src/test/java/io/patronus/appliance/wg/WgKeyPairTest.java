package io.patronus.appliance.wg;

import io.patronus.appliance.auth.SecretFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WgKeyPairTest {
    static String wg(String stdin, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "wg";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void publicKeys_matchWgPubkey_forManyRandomPrivateKeys() throws Exception {
        for (int i = 0; i < 200; i++) {
            WgKeyPair k = WgKeyPair.generate();
            assertEquals(wg(k.privateBase64() + "\n", "pubkey"), k.publicBase64(), "private key #" + i);
        }
    }

    @Test
    void keysFromWgGenkey_giveTheSamePublicKeyAsWg() throws Exception {
        for (int i = 0; i < 20; i++) {
            String priv = wg("", "genkey");
            assertEquals(wg(priv + "\n", "pubkey"), WgKeyPair.fromPrivateBase64(priv).publicBase64());
        }
    }

    @Test
    void loadOrCreate_writesA0600File_andReadsTheSameKeyBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("keys/wg-fiber.key");
        WgKeyPair a = WgKeyPair.loadOrCreate(f);
        assertEquals(0600, SecretFiles.mode(f));
        assertEquals(a.publicBase64(), WgKeyPair.loadOrCreate(f).publicBase64());
        assertFalse(a.toString().contains(a.privateBase64()), "toString must not reveal the private key");
    }

    @Test
    void damagedKeyFile_isAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.key");
        SecretFiles.write(f, "not base64!!".getBytes(StandardCharsets.US_ASCII));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> WgKeyPair.loadOrCreate(f));
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
        assertTrue(Files.exists(f), "a damaged key is never overwritten");
    }
}
