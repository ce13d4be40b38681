package io.patronus.appliance.bpf;

import jnr.ffi.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tcx link (Linux 6.6+), pinned in bpffs so that it stays attached when our descriptor closes. Created with
 * BPF_LINK_CREATE, reprogrammed with BPF_LINK_UPDATE, removed with BPF_LINK_DETACH and unpinning.
 */
final class TcxAttachment implements TcAttachment {
    /** BPF_LINK_TYPE_TCX. */
    private static final int LINK_TYPE_TCX = 11;
    /** bpf_link_info: type@0 id@4 prog_id@8, tcx.ifindex@16 tcx.attach_type@20. */
    private static final int LINK_INFO_LEN = 32;
    private static final Object PROBE_LOCK = new Object();
    private static volatile Boolean supported;

    private final int linkFd;
    private final int ifindex;
    private final TcDirection direction;
    private final Path pin;
    private final String description;
    private boolean closed;
    private boolean detached;

    private TcxAttachment(int linkFd, int ifindex, TcDirection direction, Path pin) {
        this.linkFd = linkFd;
        this.ifindex = ifindex;
        this.direction = direction;
        this.pin = pin;
        this.description = "tcx " + direction.lowerName() + " link on interface " + ifindex + " pinned at " + pin;
    }

    static TcxAttachment attach(BpfProgram program, int ifindex, TcDirection direction, Path pin) {
        Path path = pin.toAbsolutePath();
        String what = "tcx " + direction.lowerName() + " link of program '" + program.name() + "' on interface " + ifindex;
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw BpfException.failed("attach", what, "a link is already pinned at " + path + ": adopt() it or detach() it first");
        }
        Bpffs.ensureMounted(path.getParent());
        int fd = (int) linkCreate(program.fd(), ifindex, direction.tcxAttachType(), what);
        try {
            BpfSyscall.pin(fd, path, what);
        } catch (RuntimeException e) {
            BpfSyscall.close(fd); // the only reference: closing detaches
            throw e;
        }
        return new TcxAttachment(fd, ifindex, direction, path);
    }

    /** BPF_LINK_CREATE: prog_fd@0 target_ifindex@4 attach_type@8 flags@12 (tcx: relative_fd@16 expected_revision@24). */
    private static long linkCreate(int programFd, int ifindex, int attachType, String what) {
        Pointer attr = BpfSyscall.alloc(32);
        attr.putInt(0, programFd);
        attr.putInt(4, ifindex);
        attr.putInt(8, attachType);
        long r = BpfSyscall.call(BpfSyscall.LINK_CREATE, attr, 32);
        if (r < 0 && what != null) {
            throw BpfSyscall.failure(BpfSyscall.LINK_CREATE, what, (int) -r);
        }
        return r;
    }

    static Optional<TcxAttachment> adopt(int ifindex, TcDirection direction, Path pin) {
        Path path = pin.toAbsolutePath();
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        String what = "tcx link pinned at " + path;
        int fd = BpfSyscall.objGet(path, "tcx link");
        try {
            String kind = BpfSyscall.fdKind(fd);
            if (!kind.equals("bpf-link") && !kind.equals("bpf_link")) { // bpf-link on current kernels, bpf_link on older ones
                throw BpfException.failed("adopt", what, "the pin is a " + kind + ", not a link");
            }
            byte[] info = BpfSyscall.info(fd, LINK_INFO_LEN, what);
            int type = BpfSyscall.u32(info, 0);
            if (type != LINK_TYPE_TCX) {
                throw BpfException.failed("adopt", what, "the pinned link has link type " + type + ", not tcx (" + LINK_TYPE_TCX + ")");
            }
            int linkIfindex = BpfSyscall.u32(info, 16);
            int attachType = BpfSyscall.u32(info, 20);
            if (linkIfindex == 0) {
                // The interface was deleted: the link is defunct and attaches nothing. Drop it so a new one can be pinned.
                BpfSyscall.close(fd);
                Files.deleteIfExists(path);
                return Optional.empty();
            }
            if (linkIfindex != ifindex || attachType != direction.tcxAttachType()) {
                throw BpfException.failed("adopt", what, "the link is attached to interface " + linkIfindex + " "
                        + (attachType == BpfProgram.TCX_INGRESS ? "ingress" : attachType == BpfProgram.TCX_EGRESS ? "egress" : "attach type " + attachType)
                        + ", not to interface " + ifindex + " " + direction.lowerName());
            }
            return Optional.of(new TcxAttachment(fd, ifindex, direction, path));
        } catch (IOException e) {
            BpfSyscall.close(fd);
            throw BpfException.failed("unpin", what, 0, e.toString(), e);
        } catch (RuntimeException e) {
            BpfSyscall.close(fd);
            throw e;
        }
    }

    /**
     * Probes once: a tcx link to interface ~0 fails with ENODEV on a kernel that knows tcx (it looked the device
     * up) and with EINVAL on one that does not know the attach type.
     */
    static boolean supported() {
        Boolean s = supported;
        if (s == null) {
            synchronized (PROBE_LOCK) {
                s = supported;
                if (s == null) {
                    s = probe();
                    supported = s;
                }
            }
        }
        return s;
    }

    private static boolean probe() {
        // r0 = 0 (TC_ACT_OK); exit
        byte[] insns = {(byte) 0xb7, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        ProgramSpec spec = new ProgramSpec("patronus_probe", "tc", insns, List.of());
        try (BpfProgram probe = BpfProgram.load(spec, Map.of(), "GPL", "the tcx probe")) {
            long r = linkCreate(probe.fd(), -1, BpfProgram.TCX_INGRESS, null);
            if (r >= 0) {
                BpfSyscall.close((int) r); // cannot happen (no interface ~0), but never leak an attached link
                return true;
            }
            return r == -BpfSyscall.ENODEV;
        }
    }

    @Override
    public int ifindex() {
        return ifindex;
    }

    @Override
    public TcDirection direction() {
        return direction;
    }

    @Override
    public AttachMode mode() {
        return AttachMode.TCX;
    }

    @Override
    public synchronized int programId() {
        ensureUsable();
        return BpfSyscall.u32(BpfSyscall.info(linkFd, LINK_INFO_LEN, description), 8);
    }

    /** BPF_LINK_UPDATE: link_fd@0 new_prog_fd@4 flags@8 old_prog_fd@12. */
    @Override
    public synchronized void replaceProgram(BpfProgram program) {
        ensureUsable();
        Pointer attr = BpfSyscall.alloc(16);
        attr.putInt(0, linkFd);
        attr.putInt(4, program.fd());
        BpfSyscall.check(BpfSyscall.LINK_UPDATE, attr, 16, description + " (new program '" + program.name() + "')");
    }

    /** BPF_LINK_DETACH (link_fd@0), then unpin and close. */
    @Override
    public synchronized void detach() {
        ensureUsable();
        Pointer attr = BpfSyscall.alloc(8);
        attr.putInt(0, linkFd);
        BpfSyscall.check(BpfSyscall.LINK_DETACH, attr, 8, description);
        detached = true;
        try {
            Files.deleteIfExists(pin);
        } catch (IOException e) {
            throw BpfException.failed("unpin", description, 0, e.toString(), e);
        } finally {
            close();
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            BpfSyscall.close(linkFd);
        }
    }

    @Override
    public String toString() {
        return "TcxAttachment[" + description + (detached ? ", detached" : closed ? ", closed" : "") + "]";
    }

    private void ensureUsable() {
        if (detached || closed) {
            throw new IllegalStateException(description + " is " + (detached ? "detached" : "closed"));
        }
    }
}
