package io.patronus.provisioning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecretFileTest {
    @TempDir
    Path dir;

    @Test
    void write_newFileInMissingDirectory_mode0600AndContent() throws Exception {
        Path file = dir.resolve("a/b/device.key");

        SecretFile.write(file, "secret\n");

        assertEquals("secret\n", SecretFile.read(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void write_overWorldReadableFile_replacesWithMode0600AndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("device.key");
        Files.writeString(file, "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        SecretFile.write(file, "new");

        assertEquals("new", SecretFile.read(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void read_missingFile_ioErrorNamingFile() {
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> SecretFile.read(dir.resolve("none.key")));

        assertEquals("io_error", e.code());
        assertEquals(true, e.getMessage().contains("none.key"));
    }
}
