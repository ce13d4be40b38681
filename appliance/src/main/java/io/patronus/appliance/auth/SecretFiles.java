package io.patronus.appliance.auth;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Reads and writes secrets (signing keys, later private keys) as files only their owner can read. The file is
 * created with mode 0600 from the start (never world-readable, not even between create and chmod) and its mode is
 * re-checked with jnr-posix on every read: a secret that has become readable by others is refused, not used.
 */
public final class SecretFiles {
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

    private SecretFiles() {
    }

    /** Writes {@code content} atomically (temp file + rename) with mode 0600. */
    public static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, content, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a secret, refusing one whose mode lets group or others read or write it. */
    public static byte[] read(Path file) throws IOException {
        int mode = mode(file);
        if ((mode & 0077) != 0) {
            throw new IOException("secret file " + file + " has mode " + String.format("%04o", mode & 07777)
                    + "; it must be 0600 (run: chmod 600 " + file + ")");
        }
        return Files.readAllBytes(file);
    }

    /** The file's permission bits as reported by stat(2). */
    public static int mode(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("secret file " + file + " does not exist");
        }
        return POSIX.stat(file.toString()).mode() & 07777;
    }
}
