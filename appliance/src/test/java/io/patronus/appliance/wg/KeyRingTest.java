package io.patronus.appliance.wg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRingTest {
    @TempDir
    Path dir;

    @Test
    void nextOrCreate_writesA0600FileOnce_andOpenFindsItAgain() throws Exception {
        KeyRing ring = KeyRing.open(dir);
        String current = ring.current().publicBase64();
        assertEquals(Optional.empty(), ring.next());

        String next = ring.nextOrCreate().publicBase64();

        assertNotEquals(current, next);
        assertEquals(next, ring.nextOrCreate().publicBase64(), "generated once");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("wg.next.key"))));
        KeyRing reopened = KeyRing.open(dir);
        assertEquals(current, reopened.current().publicBase64());
        assertEquals(Optional.of(next), reopened.next().map(WgKeyPair::publicBase64));
    }

    @Test
    void promoteNext_replacesTheKeyFile_andLeavesNoNextKey() throws Exception {
        KeyRing ring = KeyRing.open(dir);
        String next = ring.nextOrCreate().publicBase64();

        assertEquals(next, ring.promoteNext().publicBase64());

        assertEquals(next, ring.current().publicBase64());
        assertFalse(Files.exists(dir.resolve("wg.next.key")));
        assertEquals(next, KeyRing.open(dir).current().publicBase64(), "a restart uses the new key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("wg.key"))));
        assertThrows(IllegalStateException.class, ring::promoteNext);
    }

    @Test
    void crashBeforeTheRename_keepsTheOldKeyAndTheNext_crashAfterIt_hasOnlyTheNew() throws Exception {
        KeyRing ring = KeyRing.open(dir);
        String old = ring.current().publicBase64();
        String next = ring.nextOrCreate().publicBase64();
        // "Crash" before the rename: the files as they are.
        KeyRing before = KeyRing.open(dir);
        assertEquals(old, before.current().publicBase64());
        assertEquals(Optional.of(next), before.next().map(WgKeyPair::publicBase64));
        // "Crash" right after the rename: what a restart finds is one key, the new one.
        Files.move(dir.resolve("wg.next.key"), dir.resolve("wg.key"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        KeyRing after = KeyRing.open(dir);
        assertEquals(next, after.current().publicBase64());
        assertTrue(after.next().isEmpty());
    }
}
