package io.patronus.appliance.wg;

import io.patronus.appliance.auth.SecretFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The site's WireGuard key pair and, during a key rotation, the next one, as 0600 files in the secrets directory:
 * {@code wg.key} (in use) and {@code wg.next.key} (generated for a rotation, not used yet).
 *
 * <p>Crash safety: the switch renames {@code wg.next.key} over {@code wg.key} (an atomic rename, then the directory is
 * forced) before any interface is given the new key. A crash before the rename leaves the old key in use and the next
 * one beside it, so the switch is simply repeated; a crash after it leaves the new key alone, and the next start
 * configures the interfaces with it. There is never a moment at which the file and a restarted appliance disagree
 * about which key is the site's.
 *
 * <p>Thread-safety: every method is synchronized.
 */
public final class KeyRing {
    static final String CURRENT = "wg.key";
    static final String NEXT = "wg.next.key";
    private final Path dir;
    private WgKeyPair current;
    private Optional<WgKeyPair> next;

    private KeyRing(Path dir, WgKeyPair current, Optional<WgKeyPair> next) {
        this.dir = dir;
        this.current = current;
        this.next = next;
    }

    /** Loads {@code dir/wg.key} (creating it the first time) and {@code dir/wg.next.key} when present. */
    public static KeyRing open(Path dir) throws IOException {
        WgKeyPair current = WgKeyPair.loadOrCreate(dir.resolve(CURRENT));
        Optional<WgKeyPair> next = Files.exists(dir.resolve(NEXT)) ? Optional.of(WgKeyPair.loadOrCreate(dir.resolve(NEXT)))
                : Optional.empty();
        if (next.isPresent() && next.get().publicBase64().equals(current.publicBase64())) {
            Files.delete(dir.resolve(NEXT)); // cannot happen with the rename, but a copy by hand could do it
            next = Optional.empty();
        }
        return new KeyRing(dir, current, next);
    }

    /** The key pair in use. */
    public synchronized WgKeyPair current() {
        return current;
    }

    /** The next key pair, when a rotation generated one. */
    public synchronized Optional<WgKeyPair> next() {
        return next;
    }

    /** The next key pair, generated and written (0600) the first time. */
    public synchronized WgKeyPair nextOrCreate() throws IOException {
        if (next.isEmpty()) {
            WgKeyPair fresh = WgKeyPair.generate();
            SecretFiles.write(dir.resolve(NEXT), (fresh.privateBase64() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            forceDirectory();
            next = Optional.of(fresh);
        }
        return next.get();
    }

    /**
     * Makes the next key pair the current one: {@code wg.next.key} is renamed over {@code wg.key}. Returns the new
     * current pair.
     *
     * @throws IllegalStateException when there is no next key
     */
    public synchronized WgKeyPair promoteNext() throws IOException {
        WgKeyPair n = next.orElseThrow(() -> new IllegalStateException("no next WireGuard key to switch to in " + dir));
        Files.move(dir.resolve(NEXT), dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory();
        current = n;
        next = Optional.empty();
        return n;
    }

    /** The file of the key in use. */
    public Path currentFile() {
        return dir.resolve(CURRENT);
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
