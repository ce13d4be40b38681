package io.patronus.appliance.bpf;

import io.patronus.appliance.netlink.NetlinkException;

import java.util.Optional;

/**
 * A direct-action cls_bpf filter under the clsact qdisc, for kernels without tcx. Ours is the filter at priority
 * {@value #PRIORITY}, handle {@value #HANDLE}, kind "bpf": nothing is recorded on disk, adoption lists the hook's
 * filters and matches those. The filter holds the program, so no descriptor of ours is needed to keep it attached.
 */
final class ClsactAttachment implements TcAttachment {
    static final int PRIORITY = 1;
    static final int HANDLE = 1;

    private final int ifindex;
    private final TcDirection direction;
    private final String description;
    private boolean detached;
    private boolean closed;

    private ClsactAttachment(int ifindex, TcDirection direction) {
        this.ifindex = ifindex;
        this.direction = direction;
        this.description = "clsact " + direction.lowerName() + " bpf filter (prio " + PRIORITY + ", handle " + HANDLE + ") on interface "
                + ifindex;
    }

    static ClsactAttachment attach(BpfProgram program, int ifindex, TcDirection direction) {
        ClsactAttachment a = new ClsactAttachment(ifindex, direction);
        try (TcNetlink tc = TcNetlink.open()) {
            boolean created = tc.addClsact(ifindex);
            try {
                tc.setBpfFilter(ifindex, direction.clsactParent(), PRIORITY, HANDLE, program.fd(), program.name(), false);
            } catch (NetlinkException e) {
                if (created) {
                    tc.deleteClsact(ifindex); // leave the interface as we found it
                }
                throw e;
            }
        } catch (NetlinkException e) {
            Optional<String> hint = e.errno() == BpfSyscall.EEXIST
                    ? Optional.of("a filter is already at our priority and handle: adopt() it or detach() it first")
                    : Optional.empty();
            throw BpfException.netlink("attach", "program '" + program.name() + "' as " + a.description, e, hint);
        }
        return a;
    }

    static Optional<ClsactAttachment> adopt(int ifindex, TcDirection direction) {
        try (TcNetlink tc = TcNetlink.open()) {
            return find(tc, ifindex, direction).map(f -> new ClsactAttachment(ifindex, direction));
        } catch (NetlinkException e) {
            throw BpfException.netlink("adopt", new ClsactAttachment(ifindex, direction).description, e, Optional.empty());
        }
    }

    private static Optional<TcNetlink.Filter> find(TcNetlink tc, int ifindex, TcDirection direction) {
        return tc.filters(ifindex, direction.clsactParent()).stream()
                .filter(f -> f.priority() == PRIORITY && f.handle() == HANDLE && f.kind().equals("bpf")).findFirst();
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
        return AttachMode.CLSACT;
    }

    @Override
    public synchronized int programId() {
        ensureUsable();
        try (TcNetlink tc = TcNetlink.open()) {
            TcNetlink.Filter f = find(tc, ifindex, direction).orElseThrow(
                    () -> BpfException.failed("query", description, "the filter is gone"));
            return f.programId().orElseThrow(
                    () -> BpfException.failed("query", description, "the kernel listed the filter without a program id"));
        } catch (NetlinkException e) {
            throw BpfException.netlink("query", description, e, Optional.empty());
        }
    }

    /** RTM_NEWTFILTER with NLM_F_REPLACE on our priority and handle: cls_bpf swaps the program under RCU. */
    @Override
    public synchronized void replaceProgram(BpfProgram program) {
        ensureUsable();
        try (TcNetlink tc = TcNetlink.open()) {
            tc.setBpfFilter(ifindex, direction.clsactParent(), PRIORITY, HANDLE, program.fd(), program.name(), true);
        } catch (NetlinkException e) {
            throw BpfException.netlink("replace", description + " (new program '" + program.name() + "')", e, Optional.empty());
        }
    }

    /** Deletes our filter, and the clsact qdisc too when no other filter is left on either hook. */
    @Override
    public synchronized void detach() {
        ensureUsable();
        try (TcNetlink tc = TcNetlink.open()) {
            tc.deleteFilter(ifindex, direction.clsactParent(), PRIORITY, HANDLE, "bpf");
            detached = true;
            if (tc.filters(ifindex, TcDirection.INGRESS.clsactParent()).isEmpty()
                    && tc.filters(ifindex, TcDirection.EGRESS.clsactParent()).isEmpty()) {
                tc.deleteClsact(ifindex);
            }
        } catch (NetlinkException e) {
            throw BpfException.netlink("detach", description, e, Optional.empty());
        }
    }

    /** Nothing to release: the kernel's filter holds the program. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "ClsactAttachment[" + description + (detached ? ", detached" : closed ? ", closed" : "") + "]";
    }

    private void ensureUsable() {
        if (detached || closed) {
            throw new IllegalStateException(description + " is " + (detached ? "detached" : "closed"));
        }
    }
}
