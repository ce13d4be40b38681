package io.patronus.appliance.bpf;

import io.patronus.appliance.netlink.Attributes;
import io.patronus.appliance.netlink.Netlink;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.NlMessageWriter;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tc messages byte by byte (the kernel-facing behaviour is proven in {@link TcAttachmentTest}). */
class TcNetlinkTest {
    @Test
    void bpfFilter_addOnIngress_tcmsgAndDirectActionOptions() {
        byte[] msg = TcNetlink.bpfFilter(Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, 7, TcDirection.INGRESS.clsactParent(), 1, 1, 42,
                "test_pass");
        NlMessage m = NlMessage.parseAll(msg, msg.length).getFirst();
        assertEquals(TcNetlink.RTM_NEWTFILTER, m.type());
        assertEquals(Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, m.flags());
        assertEquals(0, m.u8(0), "AF_UNSPEC");
        assertEquals(7, m.u32(4), "ifindex");
        assertEquals(1, m.u32(8), "handle");
        assertEquals(0xFFFFFFF2, m.u32(12), "parent ffff:fff2");
        assertEquals(0x0001_0300, m.u32(16), "prio 1, protocol htons(ETH_P_ALL)");
        Attributes attrs = m.attributes(TcNetlink.TCMSG_LEN);
        assertEquals("bpf", attrs.get(TcNetlink.TCA_KIND).orElseThrow().string());
        Attributes.Entry options = attrs.get(TcNetlink.TCA_OPTIONS).orElseThrow();
        assertTrue(options.nestedFlag(), "strict parsers want NLA_F_NESTED");
        Attributes o = options.nested();
        assertEquals(42, o.get(TcNetlink.TCA_BPF_FD).orElseThrow().u32());
        assertEquals("test_pass", o.get(TcNetlink.TCA_BPF_NAME).orElseThrow().string());
        assertEquals(TcNetlink.TCA_BPF_FLAG_ACT_DIRECT, o.get(TcNetlink.TCA_BPF_FLAGS).orElseThrow().u32());
    }

    @Test
    void qdiscAndDelete_clsactHandleParentAndKind() {
        byte[] q = TcNetlink.qdisc(TcNetlink.RTM_NEWQDISC, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, 3);
        NlMessage m = NlMessage.parseAll(q, q.length).getFirst();
        assertEquals(0xFFFF0000, m.u32(8));
        assertEquals(0xFFFFFFF1, m.u32(12), "TC_H_CLSACT");
        assertEquals("clsact", m.attributes(TcNetlink.TCMSG_LEN).get(TcNetlink.TCA_KIND).orElseThrow().string());
        byte[] d = TcNetlink.deleteFilterMessage(3, TcDirection.EGRESS.clsactParent(), 1, 1, "bpf");
        NlMessage dm = NlMessage.parseAll(d, d.length).getFirst();
        assertEquals(TcNetlink.RTM_DELTFILTER, dm.type());
        assertEquals(0xFFFFFFF3, dm.u32(12), "parent ffff:fff3");
        assertEquals(0x0001_0300, dm.u32(16));
    }

    @Test
    void decodeFilter_kernelStyleReply_priorityHandleNameAndProgramId() {
        NlMessageWriter w = NlMessageWriter.message(TcNetlink.RTM_NEWTFILTER, Netlink.NLM_F_MULTI)
                .u8(0).zeros(3).u32(9).u32(1).u32(0xFFFFFFF2).u32(0x0001_0300);
        w.attrString(TcNetlink.TCA_KIND, "bpf");
        int nest = w.beginNest(TcNetlink.TCA_OPTIONS);
        w.attrString(TcNetlink.TCA_BPF_NAME, "count_first");
        w.attrU32(TcNetlink.TCA_BPF_FLAGS, 1);
        w.attrU32(TcNetlink.TCA_BPF_ID, 314);
        w.endNest(nest);
        byte[] b = w.toBytes();
        TcNetlink.Filter f = TcNetlink.decodeFilter(NlMessage.parseAll(b, b.length).getFirst());
        assertEquals(new TcNetlink.Filter(0xFFFFFFF2, 1, 3, 1, "bpf", Optional.of("count_first"), OptionalInt.of(314)), f);
        assertEquals("filter prio 1 handle 1 on interface 9 parent ffff:fff2", TcNetlink.filterName(9, f.parent(), 1, 1));
    }
}
