package io.patronus.appliance.bpf;

import io.patronus.appliance.netlink.Attributes;
import io.patronus.appliance.netlink.Netlink;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NetlinkSocket;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.NlMessageWriter;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The classic tc messages the clsact fallback needs, over rtnetlink: create and delete the clsact qdisc, add,
 * replace and delete a cls_bpf filter, and list the filters of one clsact hook. Message builders are static and
 * pure so that tests can check the bytes; the instance methods send them. Failures are {@link NetlinkException}s
 * naming the request. Thread-safe (the socket serialises requests).
 */
final class TcNetlink implements AutoCloseable {
    static final int RTM_NEWQDISC = 36;
    static final int RTM_DELQDISC = 37;
    static final int RTM_NEWTFILTER = 44;
    static final int RTM_DELTFILTER = 45;
    static final int RTM_GETTFILTER = 46;
    static final int TCMSG_LEN = 20;
    static final int TCA_KIND = 1;
    static final int TCA_OPTIONS = 2;
    static final int TCA_BPF_FD = 6;
    static final int TCA_BPF_NAME = 7;
    static final int TCA_BPF_FLAGS = 8;
    static final int TCA_BPF_ID = 11;
    static final int TCA_BPF_FLAG_ACT_DIRECT = 1;
    static final int TC_H_CLSACT = 0xFFFFFFF1;
    static final int CLSACT_HANDLE = 0xFFFF0000;
    static final int ETH_P_ALL = 0x0003;

    /** One filter as the kernel lists it; {@code handle} 0 is the per-priority head entry, not a filter. */
    record Filter(int parent, int priority, int protocol, int handle, String kind, Optional<String> name, OptionalInt programId) {
    }

    private final NetlinkSocket socket;

    private TcNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    static TcNetlink open() {
        return new TcNetlink(NetlinkSocket.open(Netlink.NETLINK_ROUTE));
    }

    /** Creates the clsact qdisc on {@code ifindex}; false if one was already there. */
    boolean addClsact(int ifindex) {
        try {
            socket.execute(qdisc(RTM_NEWQDISC, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, ifindex), "RTM_NEWQDISC (add clsact)",
                    "interface " + ifindex);
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == BpfSyscall.EEXIST) {
                return false;
            }
            throw e;
        }
    }

    void deleteClsact(int ifindex) {
        socket.execute(qdisc(RTM_DELQDISC, 0, ifindex), "RTM_DELQDISC (delete clsact)", "interface " + ifindex);
    }

    /** Adds ({@code replace} false; EEXIST if present) or replaces (ENOENT if absent) a direct-action cls_bpf filter. */
    void setBpfFilter(int ifindex, int parent, int priority, int handle, int programFd, String name, boolean replace) {
        int flags = replace ? Netlink.NLM_F_REPLACE : Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL;
        socket.execute(bpfFilter(flags, ifindex, parent, priority, handle, programFd, name),
                replace ? "RTM_NEWTFILTER (replace bpf filter)" : "RTM_NEWTFILTER (add bpf filter)",
                filterName(ifindex, parent, priority, handle));
    }

    void deleteFilter(int ifindex, int parent, int priority, int handle, String kind) {
        socket.execute(deleteFilterMessage(ifindex, parent, priority, handle, kind), "RTM_DELTFILTER (delete filter)",
                filterName(ifindex, parent, priority, handle));
    }

    /** The filters under clsact hook {@code parent} of {@code ifindex}; empty when there is no clsact qdisc. */
    List<Filter> filters(int ifindex, int parent) {
        return socket.dump(tcmsg(RTM_GETTFILTER, 0, ifindex, 0, parent, 0).toBytes(), "RTM_GETTFILTER (list filters)",
                        "interface " + ifindex + " parent " + handleText(parent)).stream()
                .filter(m -> m.type() == RTM_NEWTFILTER).map(TcNetlink::decodeFilter).toList();
    }

    static byte[] qdisc(int type, int flags, int ifindex) {
        return tcmsg(type, flags, ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0).attrString(TCA_KIND, "clsact").toBytes();
    }

    static byte[] bpfFilter(int flags, int ifindex, int parent, int priority, int handle, int programFd, String name) {
        NlMessageWriter w = tcmsg(RTM_NEWTFILTER, flags, ifindex, handle, parent, info(priority));
        w.attrString(TCA_KIND, "bpf");
        int options = w.beginNest(TCA_OPTIONS);
        w.attrU32(TCA_BPF_FD, programFd);
        w.attrString(TCA_BPF_NAME, name);
        w.attrU32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        w.endNest(options);
        return w.toBytes();
    }

    static byte[] deleteFilterMessage(int ifindex, int parent, int priority, int handle, String kind) {
        return tcmsg(RTM_DELTFILTER, 0, ifindex, handle, parent, info(priority)).attrString(TCA_KIND, kind).toBytes();
    }

    /** tcm_info of a filter: priority in the high half, protocol (ETH_P_ALL, network order) in the low half. */
    private static int info(int priority) {
        return priority << 16 | Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL));
    }

    /** tcmsg: u8 family, 3 pad, i32 ifindex, u32 handle, u32 parent, u32 info. */
    private static NlMessageWriter tcmsg(int type, int flags, int ifindex, int handle, int parent, int info) {
        return NlMessageWriter.message(type, flags).u8(0).zeros(3).u32(ifindex).u32(handle).u32(parent).u32(info);
    }

    static Filter decodeFilter(NlMessage m) {
        int handle = m.u32(8);
        int parent = m.u32(12);
        int info = m.u32(16);
        Attributes attrs = m.attributes(TCMSG_LEN);
        String kind = attrs.get(TCA_KIND).map(Attributes.Entry::string).orElse("");
        Optional<String> name = Optional.empty();
        OptionalInt id = OptionalInt.empty();
        Optional<Attributes.Entry> options = attrs.get(TCA_OPTIONS);
        if (kind.equals("bpf") && options.isPresent()) {
            Attributes o = options.get().nested();
            name = o.get(TCA_BPF_NAME).map(Attributes.Entry::string);
            id = o.get(TCA_BPF_ID).map(e -> OptionalInt.of(e.u32())).orElse(OptionalInt.empty());
        }
        int protocol = Short.toUnsignedInt(Short.reverseBytes((short) info));
        return new Filter(parent, info >>> 16, protocol, handle, kind, name, id);
    }

    static String filterName(int ifindex, int parent, int priority, int handle) {
        return "filter prio " + priority + " handle " + Integer.toHexString(handle) + " on interface " + ifindex + " parent "
                + handleText(parent);
    }

    static String handleText(int handle) {
        return Integer.toHexString(handle >>> 16) + ":" + Integer.toHexString(handle & 0xffff);
    }

    @Override
    public void close() {
        socket.close();
    }
}
