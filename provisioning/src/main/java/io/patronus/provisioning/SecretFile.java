package io.patronus.provisioning;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files holding private keys: written atomically (a reader or a crash sees the old or the new content, never half) and
 * readable by the owner only (0600) from the moment they exist.
 */
public final class SecretFile {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private SecretFile() {
    }

    /** Writes {@code content} (UTF-8) to {@code file} with mode 0600, creating parent directories; replaces any old file. */
    public static void write(Path file, String content) {
        writeAtomically(file, content, OWNER_ONLY);
    }

    /** Reads the whole file as UTF-8; throws {@code io_error} naming the file when it is missing or unreadable. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ProvisioningException("io_error", "cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ProvisioningException("io_error", "cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Writes through a temporary file in the same directory created with {@code permissions}, forces it, renames it
     * over the target and syncs the directory, so the rename itself survives a power cut.
     */
    static void writeAtomically(Path file, String content, Set<PosixFilePermission> permissions) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            // Created with the final mode, not chmod-ed afterwards: a key must never exist readable by others, not even briefly.
            FileAttribute<?>[] attributes = posix
                    ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(permissions)}
                    : new FileAttribute<?>[0];
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attributes);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            if (posix) {
                // The umask may have removed bits we asked for (never added any); set the exact mode.
                Files.setPosixFilePermissions(temp, permissions);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new ProvisioningException("io_error", "cannot write " + target + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed and says so; a stray temporary file is the lesser problem.
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms cannot open or fsync a directory; the file content itself is already forced.
        }
    }
}
