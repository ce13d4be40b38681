package io.patronus.appliance.bpf;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code bpf(2)} system call: command numbers, attribute buffers and the few commands shared by maps, programs
 * and links (pin, get, info). Attributes live in zeroed native memory ({@link #alloc}) together with everything they
 * point to (keys, values, paths), so one reachability fence per call keeps all of it alive while the kernel reads it.
 * Thread-safe: there is no state besides the one-time RLIMIT_MEMLOCK raise.
 */
final class BpfSyscall {
    static final int MAP_CREATE = 0;
    static final int MAP_LOOKUP_ELEM = 1;
    static final int MAP_UPDATE_ELEM = 2;
    static final int MAP_DELETE_ELEM = 3;
    static final int MAP_GET_NEXT_KEY = 4;
    static final int PROG_LOAD = 5;
    static final int OBJ_PIN = 6;
    static final int OBJ_GET = 7;
    static final int PROG_TEST_RUN = 10;
    static final int OBJ_GET_INFO_BY_FD = 15;
    static final int MAP_UPDATE_BATCH = 26;
    static final int LINK_CREATE = 28;
    static final int LINK_UPDATE = 29;
    static final int LINK_DETACH = 34;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EOPNOTSUPP = 95;

    /** BPF_OBJ_NAME_LEN: names are cut to 15 bytes plus NUL. */
    static final int OBJ_NAME_LEN = 16;

    private static final int RLIMIT_MEMLOCK = 8;
    private static final long NR_BPF = syscallNumber();
    private static volatile boolean memlockRaised;

    private BpfSyscall() {
    }

    private static long syscallNumber() {
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "arm64", "riscv64", "loongarch64" -> 280; // the generic syscall table
            default -> -1;
        };
    }

    static String commandName(int cmd) {
        return switch (cmd) {
            case MAP_CREATE -> "MAP_CREATE";
            case MAP_LOOKUP_ELEM -> "MAP_LOOKUP_ELEM";
            case MAP_UPDATE_ELEM -> "MAP_UPDATE_ELEM";
            case MAP_DELETE_ELEM -> "MAP_DELETE_ELEM";
            case MAP_GET_NEXT_KEY -> "MAP_GET_NEXT_KEY";
            case PROG_LOAD -> "PROG_LOAD";
            case OBJ_PIN -> "OBJ_PIN";
            case OBJ_GET -> "OBJ_GET";
            case PROG_TEST_RUN -> "PROG_TEST_RUN";
            case OBJ_GET_INFO_BY_FD -> "OBJ_GET_INFO_BY_FD";
            case MAP_UPDATE_BATCH -> "MAP_UPDATE_BATCH";
            case LINK_CREATE -> "LINK_CREATE";
            case LINK_UPDATE -> "LINK_UPDATE";
            case LINK_DETACH -> "LINK_DETACH";
            default -> "command " + cmd;
        };
    }

    /** Zeroed native memory of {@code size} bytes, freed by the garbage collector. */
    static Pointer alloc(long size) {
        return Memory.allocateDirect(BpfNative.runtime(), Math.toIntExact(size), true);
    }

    /**
     * Runs {@code bpf(cmd, attr, size)}: the result (a new fd or 0) when non-negative, else {@code -errno}. EINTR is
     * retried. {@code attr} must hold everything its pointers point to.
     */
    static long call(int cmd, Pointer attr, int size) {
        if (NR_BPF < 0) {
            throw BpfException.failed("bpf " + commandName(cmd), "this machine",
                    "no bpf(2) syscall number known for architecture " + System.getProperty("os.arch"));
        }
        raiseMemlock();
        try {
            while (true) {
                long r = BpfNative.get().syscall(NR_BPF, cmd, attr, size);
                if (r >= 0) {
                    return r;
                }
                int errno = BpfNative.errno();
                if (errno != EINTR) {
                    return -errno;
                }
            }
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    /** {@link #call} that throws a {@link BpfException} for {@code object} on failure. */
    static long check(int cmd, Pointer attr, int size, String object) {
        long r = call(cmd, attr, size);
        if (r < 0) {
            throw failure(cmd, object, (int) -r);
        }
        return r;
    }

    static BpfException failure(int cmd, String object, int errno) {
        return BpfException.syscall("bpf " + commandName(cmd), object, errno, hint(cmd, errno));
    }

    private static Optional<String> hint(int cmd, int errno) {
        if (errno == EPERM && (cmd == MAP_CREATE || cmd == PROG_LOAD || cmd == LINK_CREATE)) {
            return Optional.of("raise RLIMIT_MEMLOCK or run as root (CAP_BPF and CAP_NET_ADMIN)");
        }
        if ((errno == EPERM || errno == EINVAL) && cmd == OBJ_PIN) {
            return Optional.of("pins must be on a bpf filesystem (see Bpffs.ensureMounted) and the directory must exist");
        }
        return Optional.empty();
    }

    /**
     * Lifts RLIMIT_MEMLOCK to infinity once: kernels before 5.11 charge map and program memory against it; later
     * ones ignore it, so failing (no CAP_SYS_RESOURCE) is harmless and ignored.
     */
    private static void raiseMemlock() {
        if (!memlockRaised) {
            synchronized (BpfSyscall.class) {
                if (!memlockRaised) {
                    BpfNative.get().setrlimit(RLIMIT_MEMLOCK, new long[] {-1L, -1L});
                    memlockRaised = true;
                }
            }
        }
    }

    /** Writes {@code s} NUL-terminated at {@code offset}; returns the bytes used. */
    static int putString(Pointer p, long offset, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.put(offset, b, 0, b.length);
        p.putByte(offset + b.length, (byte) 0);
        return b.length + 1;
    }

    /** A kernel object name: at most 15 bytes of [A-Za-z0-9_.], other characters replaced by '_'. */
    static byte[] objectName(String name) {
        byte[] out = new byte[Math.min(name.length(), OBJ_NAME_LEN - 1)];
        for (int i = 0; i < out.length; i++) {
            char c = name.charAt(i);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.');
            out[i] = (byte) (ok ? c : '_');
        }
        return out;
    }

    static String cString(Pointer p, long offset, int max) {
        byte[] b = new byte[max];
        p.get(offset, b, 0, max);
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** BPF_OBJ_PIN: attr pathname@0 bpf_fd@8 file_flags@12. */
    static void pin(int fd, Path path, String object) {
        String p = path.toAbsolutePath().toString();
        Pointer attr = alloc(16 + p.length() * 3L + 1);
        attr.putLong(0, attr.address() + 16);
        attr.putInt(8, fd);
        putString(attr, 16, p);
        check(OBJ_PIN, attr, 16, object + " at " + p);
    }

    /** BPF_OBJ_GET: a new fd for the object pinned at {@code path}. */
    static int objGet(Path path, String object) {
        String p = path.toAbsolutePath().toString();
        Pointer attr = alloc(16 + p.length() * 3L + 1);
        attr.putLong(0, attr.address() + 16);
        putString(attr, 16, p);
        return (int) check(OBJ_GET, attr, 16, object + " pinned at " + p);
    }

    /** BPF_OBJ_GET_INFO_BY_FD: attr bpf_fd@0 info_len@4 info@8; returns the first {@code infoLen} bytes of the info struct. */
    static byte[] info(int fd, int infoLen, String object) {
        Pointer attr = alloc(16 + infoLen);
        attr.putInt(0, fd);
        attr.putInt(4, infoLen);
        attr.putLong(8, attr.address() + 16);
        check(OBJ_GET_INFO_BY_FD, attr, 16, object);
        byte[] out = new byte[infoLen];
        attr.get(16, out, 0, infoLen);
        return out;
    }

    static int u32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    static String cString(byte[] b, int offset, int max) {
        int n = 0;
        while (n < max && offset + n < b.length && b[offset + n] != 0) {
            n++;
        }
        return new String(b, offset, n, StandardCharsets.UTF_8);
    }

    /** What kind of BPF object {@code fd} is: "bpf-map", "bpf-prog", "bpf-link", or the fd's link target otherwise. */
    static String fdKind(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("anon_inode:") ? target.substring("anon_inode:".length()) : target;
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    static void close(int fd) {
        BpfNative.get().close(fd);
    }
}
