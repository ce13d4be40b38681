package io.patronus.appliance.bpf;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A SCHED_CLS program attached to one direction of one interface, as a tcx link or as a clsact cls_bpf filter,
 * that outlives this process: {@link #close()} releases our descriptors only, and traffic keeps being classified
 * while the appliance restarts. After a restart, {@link #adopt} finds the attachment again (the pinned tcx link, or
 * our filter at priority 1, handle 1) without disturbing it, {@link #replaceProgram} swaps in a new program
 * atomically (no packet sees no program), and {@link #detach()} removes it for good.
 *
 * <p>{@link #attach} does not look for an existing attachment; call {@link #adopt} first, or it fails when ours is
 * already there (a pinned link at the path, or a filter at our priority and handle).
 *
 * <p>Thread-safety: each attachment serialises its own methods; two attachments of the same interface and
 * direction (say, in two processes) must not be driven at once.
 */
public sealed interface TcAttachment extends AutoCloseable permits TcxAttachment, ClsactAttachment {
    /**
     * Attaches {@code program} to {@code ifindex} in {@code direction}. With tcx (or AUTO on a kernel with tcx) the
     * link is pinned at {@code linkPin}, on bpffs; with clsact the qdisc is created if absent and {@code linkPin} is
     * not used.
     */
    static TcAttachment attach(BpfProgram program, int ifindex, TcDirection direction, Path linkPin, AttachMode mode) {
        if (program.type() != BpfProgram.SCHED_CLS) {
            throw new IllegalArgumentException("program '" + program.name() + "' has type " + program.type()
                    + "; tc attaches only SCHED_CLS (" + BpfProgram.SCHED_CLS + ") programs");
        }
        if (ifindex <= 0) {
            throw new IllegalArgumentException("interface index must be positive, was " + ifindex);
        }
        boolean tcx = switch (mode) {
            case TCX -> true;
            case CLSACT -> false;
            case AUTO -> TcxAttachment.supported();
        };
        return tcx ? TcxAttachment.attach(program, ifindex, direction, linkPin) : ClsactAttachment.attach(program, ifindex, direction);
    }

    /**
     * Our attachment on {@code ifindex} in {@code direction}, if there is one: the tcx link pinned at
     * {@code linkPin}, else our clsact filter. A pinned link whose interface has gone away is unpinned and not
     * returned; one attached elsewhere is an error (the pin path belongs to another interface).
     */
    static Optional<TcAttachment> adopt(int ifindex, TcDirection direction, Path linkPin) {
        Optional<TcAttachment> tcx = TcxAttachment.adopt(ifindex, direction, linkPin).map(a -> a);
        if (tcx.isPresent()) {
            return tcx;
        }
        return ClsactAttachment.adopt(ifindex, direction).map(a -> a);
    }

    /** Whether this kernel has tcx (probed once, by creating a link to a nonexistent interface: ENODEV means yes). */
    static boolean tcxSupported() {
        return TcxAttachment.supported();
    }

    int ifindex();

    TcDirection direction();

    /** {@link AttachMode#TCX} or {@link AttachMode#CLSACT}, never AUTO. */
    AttachMode mode();

    /** The kernel id of the program attached now (compare with {@link BpfProgram#id()}). */
    int programId();

    /** Atomically replaces the attached program with {@code program}. */
    void replaceProgram(BpfProgram program);

    /** Removes the attachment from the interface (and its pin); the program stops seeing packets. */
    void detach();

    /** Releases our descriptors and leaves the program attached. Idempotent. */
    @Override
    void close();
}
