package io.patronus.appliance.bpf;

import jnr.ffi.Pointer;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.patronus.appliance.bpf.BpfSyscall.alloc;

/**
 * A BPF program loaded into the kernel and held by its file descriptor: it can be test-run on a packet, pinned,
 * and attached to an interface with {@link TcAttachment}.
 *
 * <p>Loading ({@link BpfObject#load}) first asks for no verifier log, which is cheap; only when the kernel refuses
 * the program is it loaded again with log level 1 and a buffer that starts at 64 KiB and doubles on ENOSPC up to
 * 16 MiB, so that the {@link BpfException} carries the verifier's complete explanation. EAGAIN is retried.
 *
 * <p>Thread-safety: test runs and queries are independent system calls and may run concurrently; {@link #close()}
 * must not race with them.
 */
public final class BpfProgram implements AutoCloseable {
    /** {@code BPF_PROG_TYPE_SCHED_CLS}: tc classifiers, for clsact and tcx. */
    public static final int SCHED_CLS = 3;
    static final int TCX_INGRESS = 46;
    static final int TCX_EGRESS = 47;

    private static final int LOAD_ATTR = 144;
    private static final int TEST_RUN_ATTR = 80;
    private static final int PROG_INFO_LEN = 80;
    private static final int MIN_LOG = 64 * 1024;
    private static final int MAX_LOG = 16 * 1024 * 1024;
    private static final int MAX_EAGAIN_RETRIES = 5;
    /** sizeof(struct __sk_buff). */
    private static final int SKB_CONTEXT = 192;
    /** Room for a program that grows the packet (bpf_skb_change_tail, encapsulation). */
    private static final int PACKET_HEADROOM = 256;

    private final String name;
    private final int type;
    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BpfProgram(String name, int type, int fd, String description) {
        this.name = name;
        this.type = type;
        this.fd = fd;
        this.description = description;
    }

    /** The program type and expected attach type for a section name, or a clear refusal. */
    static int[] typeOf(String section, String description) {
        return switch (section) {
            case "tc", "classifier" -> new int[] {SCHED_CLS, 0};
            case "tcx/ingress" -> new int[] {SCHED_CLS, TCX_INGRESS};
            case "tcx/egress" -> new int[] {SCHED_CLS, TCX_EGRESS};
            default -> throw BpfException.failed("bpf PROG_LOAD", description, "section '" + section
                    + "' names no program type we load; use tc, classifier, tcx/ingress or tcx/egress");
        };
    }

    /** Patches {@code spec}'s map references with the fds in {@code maps} and loads it. */
    static BpfProgram load(ProgramSpec spec, Map<String, BpfMap> maps, String license, String origin) {
        String description = "program '" + spec.name() + "' from " + origin;
        int[] type = typeOf(spec.section(), description);
        byte[] insns = spec.instructions();
        for (Relocation r : spec.relocations()) {
            BpfMap map = maps.get(r.mapName());
            if (map == null) {
                throw BpfException.failed("bpf PROG_LOAD", description, "instruction " + r.instruction() + " refers to map '"
                        + r.mapName() + "', which was not created");
            }
            int at = r.instruction() * 8;
            // ld_imm64: src_reg (high nibble of byte 1) = BPF_PSEUDO_MAP_FD, imm = the map's fd.
            insns[at + 1] = (byte) ((insns[at + 1] & 0x0f) | (1 << 4));
            int fd = map.fd();
            insns[at + 4] = (byte) fd;
            insns[at + 5] = (byte) (fd >>> 8);
            insns[at + 6] = (byte) (fd >>> 16);
            insns[at + 7] = (byte) (fd >>> 24);
        }
        byte[] name = BpfSyscall.objectName(spec.name());
        Attempt first = attemptWithRetries(insns, license, name, type, 0, MIN_LOG);
        if (first.result >= 0) {
            return new BpfProgram(spec.name(), type[0], (int) first.result, description);
        }
        int errno = (int) -first.result;
        int logSize = MIN_LOG;
        while (true) {
            Attempt logged = attemptWithRetries(insns, license, name, type, 1, logSize);
            if (logged.result >= 0) {
                // Refused without a log, accepted with one: whatever was transient has passed.
                return new BpfProgram(spec.name(), type[0], (int) logged.result, description);
            }
            int loggedErrno = (int) -logged.result;
            boolean truncated = loggedErrno == BpfSyscall.ENOSPC;
            if (truncated && logSize < MAX_LOG) {
                logSize = (int) Math.min(MAX_LOG, Math.max(2L * logSize, Integer.toUnsignedLong(logged.logTrueSize) + 1));
                continue;
            }
            int reported = truncated ? errno : loggedErrno;
            if (logged.log.isBlank()) {
                throw BpfSyscall.failure(BpfSyscall.PROG_LOAD, description, reported);
            }
            throw BpfException.verifier("bpf PROG_LOAD", description, reported, logged.log,
                    truncated ? Optional.of("verifier log truncated at " + (MAX_LOG >> 20) + " MiB") : Optional.empty());
        }
    }

    /** One PROG_LOAD: the fd or -errno, the log text and the kernel's log_true_size (6.4+). */
    private record Attempt(long result, String log, int logTrueSize) {
    }

    private static Attempt attemptWithRetries(byte[] insns, String license, byte[] name, int[] type, int logLevel, int logSize) {
        Attempt a = attempt(insns, license, name, type, logLevel, logSize);
        for (int i = 0; i < MAX_EAGAIN_RETRIES && a.result == -BpfSyscall.EAGAIN; i++) {
            a = attempt(insns, license, name, type, logLevel, logSize);
        }
        return a;
    }

    /**
     * BPF_PROG_LOAD: prog_type@0 insn_cnt@4 insns@8 license@16 log_level@24 log_size@28 log_buf@32 prog_name@48
     * expected_attach_type@68 log_true_size@140.
     */
    private static Attempt attempt(byte[] insns, String license, byte[] name, int[] type, int logLevel, int logSize) {
        byte[] lic = license.getBytes(StandardCharsets.UTF_8);
        long licenseAt = LOAD_ATTR + insns.length;
        Pointer attr = alloc(licenseAt + lic.length + 1);
        Pointer log = logLevel > 0 ? alloc(logSize) : null;
        attr.putInt(0, type[0]);
        attr.putInt(4, insns.length / 8);
        attr.put(LOAD_ATTR, insns, 0, insns.length);
        attr.putLong(8, attr.address() + LOAD_ATTR);
        attr.put(licenseAt, lic, 0, lic.length);
        attr.putLong(16, attr.address() + licenseAt);
        if (log != null) {
            attr.putInt(24, logLevel);
            attr.putInt(28, logSize);
            attr.putLong(32, log.address());
        }
        attr.put(48, name, 0, name.length);
        attr.putInt(68, type[1]);
        long r = BpfSyscall.call(BpfSyscall.PROG_LOAD, attr, LOAD_ATTR);
        String text = log == null ? "" : BpfSyscall.cString(log, 0, logSize);
        Reference.reachabilityFence(log);
        return new Attempt(r, text, attr.getInt(140));
    }

    /** The program pinned at {@code pin}, its name and type read from the kernel (the name cut to 15 bytes). */
    public static BpfProgram open(Path pin) {
        String description = "program pinned at " + pin;
        int fd = BpfSyscall.objGet(pin, "program");
        try {
            String kind = BpfSyscall.fdKind(fd);
            if (!kind.equals("bpf-prog")) {
                throw BpfException.failed("open", description, "the pin is a " + kind + ", not a program");
            }
            byte[] info = BpfSyscall.info(fd, PROG_INFO_LEN, description);
            String name = BpfSyscall.cString(info, 64, BpfSyscall.OBJ_NAME_LEN);
            return new BpfProgram(name.isEmpty() ? "unnamed" : name, BpfSyscall.u32(info, 0), fd, description);
        } catch (RuntimeException e) {
            BpfSyscall.close(fd);
            throw e;
        }
    }

    /** The symbol name from the object (for a reopened pin, the kernel's copy, at most 15 bytes). */
    public String name() {
        return name;
    }

    /** The program type, e.g. {@link #SCHED_CLS}. */
    public int type() {
        return type;
    }

    /** The file descriptor; valid until {@link #close()}. */
    public int fd() {
        ensureOpen();
        return fd;
    }

    /** The kernel's id of this program (what tc and tcx links report as attached). */
    public int id() {
        return BpfSyscall.u32(BpfSyscall.info(fd(), PROG_INFO_LEN, description), 4);
    }

    /**
     * Runs the program {@code repeat} times (at least once) on {@code packet} (an Ethernet frame of at least 14
     * bytes) with BPF_PROG_TEST_RUN. {@code skbContextIn} is a {@code struct __sk_buff} of up to 192 bytes, or empty
     * for a zeroed one; only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len and gso_segs may be
     * non-zero. The context after the run is always returned (192 bytes). Maps see every iteration.
     */
    public TestRunResult testRun(byte[] packet, byte[] skbContextIn, int repeat) {
        if (packet.length < 14) {
            throw new IllegalArgumentException(description + ": a test packet needs at least an Ethernet header (14 bytes), got "
                    + packet.length);
        }
        if (skbContextIn.length > SKB_CONTEXT) {
            throw new IllegalArgumentException(description + ": the __sk_buff context is at most " + SKB_CONTEXT + " bytes, got "
                    + skbContextIn.length);
        }
        if (repeat < 1) {
            throw new IllegalArgumentException(description + ": repeat must be at least 1, was " + repeat);
        }
        long dataIn = TEST_RUN_ATTR;
        long dataOut = dataIn + packet.length;
        int outSize = packet.length + PACKET_HEADROOM;
        long ctxIn = dataOut + outSize;
        long ctxOut = ctxIn + SKB_CONTEXT;
        Pointer attr = alloc(ctxOut + SKB_CONTEXT);
        long base = attr.address();
        // prog_fd@0 retval@4 data_size_in@8 data_size_out@12 data_in@16 data_out@24 repeat@32 duration@36
        // ctx_size_in@40 ctx_size_out@44 ctx_in@48 ctx_out@56 flags@64 cpu@68
        attr.putInt(0, fd());
        attr.putInt(8, packet.length);
        attr.putInt(12, outSize);
        attr.put(dataIn, packet, 0, packet.length);
        attr.putLong(16, base + dataIn);
        attr.putLong(24, base + dataOut);
        attr.putInt(32, repeat);
        if (skbContextIn.length > 0) {
            attr.put(ctxIn, skbContextIn, 0, skbContextIn.length);
            attr.putInt(40, skbContextIn.length);
            attr.putLong(48, base + ctxIn);
        }
        attr.putInt(44, SKB_CONTEXT);
        attr.putLong(56, base + ctxOut);
        BpfSyscall.check(BpfSyscall.PROG_TEST_RUN, attr, TEST_RUN_ATTR, description);
        byte[] out = new byte[Math.min(outSize, Math.max(0, attr.getInt(12)))];
        attr.get(dataOut, out, 0, out.length);
        byte[] ctx = new byte[Math.min(SKB_CONTEXT, Math.max(0, attr.getInt(44)))];
        attr.get(ctxOut, ctx, 0, ctx.length);
        return new TestRunResult(attr.getInt(4), out, ctx, Integer.toUnsignedLong(attr.getInt(36)));
    }

    /** Pins the program at {@code path} on a bpf filesystem; it then outlives this process. */
    public void pin(Path path) {
        BpfSyscall.pin(fd(), path, description);
    }

    /** Closes the descriptor; an attached or pinned program stays loaded. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            BpfSyscall.close(fd);
        }
    }

    @Override
    public String toString() {
        return "BpfProgram['" + name + "', type " + type + ", fd " + fd + (closed.get() ? ", closed" : "") + "]";
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(description + " is closed");
        }
    }
}
