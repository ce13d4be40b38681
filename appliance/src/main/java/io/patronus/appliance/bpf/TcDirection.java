package io.patronus.appliance.bpf;

import java.util.Locale;

/** Which way the packets a tc program sees are going on its interface. */
public enum TcDirection {
    INGRESS(BpfProgram.TCX_INGRESS, 0xFFF2),
    EGRESS(BpfProgram.TCX_EGRESS, 0xFFF3);

    private final int tcxAttachType;
    private final int clsactMinor;

    TcDirection(int tcxAttachType, int clsactMinor) {
        this.tcxAttachType = tcxAttachType;
        this.clsactMinor = clsactMinor;
    }

    /** BPF_TCX_INGRESS (46) or BPF_TCX_EGRESS (47). */
    int tcxAttachType() {
        return tcxAttachType;
    }

    /** The clsact filter parent: ffff:fff2 for ingress, ffff:fff3 for egress. */
    int clsactParent() {
        return 0xFFFF0000 | clsactMinor;
    }

    String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
