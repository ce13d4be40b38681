package io.patronus.appliance.bpf;

/**
 * How a tc program is attached: tcx links (Linux 6.6+, pinned in bpffs, swapped atomically with BPF_LINK_UPDATE)
 * or a cls_bpf filter in direct-action mode under a clsact qdisc (every kernel we run on). AUTO takes tcx when the
 * kernel has it.
 */
public enum AttachMode {
    AUTO,
    TCX,
    CLSACT
}
