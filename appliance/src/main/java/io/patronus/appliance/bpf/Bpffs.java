package io.patronus.appliance.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes sure pin directories live on a bpf filesystem, the only place the kernel accepts pins. If the standard
 * {@code /sys/fs/bpf} is not mounted (minimal images, containers), it is mounted with mode 0700. Thread-safe.
 */
public final class Bpffs {
    /** Where bpffs is mounted by convention. */
    public static final Path DEFAULT = Path.of("/sys/fs/bpf");
    /** {@code BPF_FS_MAGIC}, statfs's f_type of a bpf filesystem. */
    static final long BPF_FS_MAGIC = 0xCAFE4A11L;
    private static final int STATFS_SIZE = 256;

    private Bpffs() {
    }

    /**
     * Ensures {@code dir} exists on a bpf filesystem, mounting bpffs on {@link #DEFAULT} first if {@code dir} is
     * under it and it is not mounted yet, then creating the missing directories. A {@link BpfException} if
     * {@code dir} is elsewhere and not on bpffs.
     */
    public static synchronized void ensureMounted(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        Path existing = nearestExisting(target);
        if (!isBpffs(existing)) {
            if (target.startsWith(DEFAULT) && Files.isDirectory(DEFAULT) && !isBpffs(DEFAULT)) {
                mountDefault();
                existing = nearestExisting(target);
            }
            if (!isBpffs(existing)) {
                throw BpfException.failed("bpffs check", target.toString(), existing + " is on a filesystem of type 0x"
                        + Long.toHexString(fsType(existing).orElse(0L)) + ", not bpffs (0xcafe4a11): pin under " + DEFAULT
                        + ", or mount a bpf filesystem (mount -t bpf bpf DIR) on a directory of its own and pin there");
            }
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw BpfException.failed("mkdir", target.toString(), 0, e.toString(), e);
        }
    }

    /** Whether {@code path} (which must exist) is on a bpf filesystem. */
    public static boolean isBpffs(Path path) {
        return fsType(path).map(t -> t == BPF_FS_MAGIC).orElse(false);
    }

    /** statfs(2)'s f_type (a long at offset 0 on 64-bit Linux), empty if the path cannot be examined. */
    private static Optional<Long> fsType(Path path) {
        byte[] buf = new byte[STATFS_SIZE];
        if (BpfNative.get().statfs(path.toString(), buf) != 0) {
            return Optional.empty();
        }
        return Optional.of(Integer.toUnsignedLong(BpfSyscall.u32(buf, 0)));
    }

    private static void mountDefault() {
        if (BpfNative.get().mount("bpf", DEFAULT.toString(), "bpf", 0, "mode=0700") != 0) {
            int errno = BpfNative.errno();
            throw BpfException.syscall("mount -t bpf", DEFAULT.toString(), errno,
                    Optional.of("pins need a bpf filesystem; run as root or mount it beforehand"));
        }
    }

    private static Path nearestExisting(Path p) {
        Path q = p;
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q == null ? p.getRoot() : q;
    }
}
