package io.patronus.appliance.netlink;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding of NLMSG_ERROR / NLMSG_DONE replies without a kernel. */
class NetlinkSocketErrorTest {
    @Test
    void errorOf_cappedAckWithExtAck_includesKernelText() {
        // NLMSG_ERROR, flags CAPPED|ACK_TLVS: error -95, echoed 16-byte header, NLMSGERR_ATTR_MSG "Unknown device type".
        NlMessageWriter w = NlMessageWriter.message(Netlink.NLMSG_ERROR, Netlink.NLM_F_CAPPED | Netlink.NLM_F_ACK_TLVS)
                .u32(-95).u32(60).u16(16).u16(0x605).u32(7).u32(0).attrString(Netlink.NLMSGERR_ATTR_MSG, "Unknown device type");
        byte[] bytes = w.toBytes();
        NlMessage m = NlMessage.parseAll(bytes, bytes.length).getFirst();
        NetlinkException e = NetlinkSocket.errorOf(m, "RTM_NEWLINK (create link)", "link 'wg0' of kind wireguard");
        assertEquals(95, e.errno());
        assertEquals("EOPNOTSUPP", e.errnoName());
        assertEquals(Optional.of("Unknown device type"), e.kernelMessage());
        assertEquals("RTM_NEWLINK (create link) on link 'wg0' of kind wireguard failed: EOPNOTSUPP (Operation not supported);"
                + " kernel says: Unknown device type", e.getMessage());
    }

    @Test
    void errorOf_doneWithError_reportsErrno() {
        byte[] bytes = NlMessageWriter.message(Netlink.NLMSG_DONE, Netlink.NLM_F_MULTI).u32(-16).toBytes();
        NetlinkException e = NetlinkSocket.errorOf(NlMessage.parseAll(bytes, bytes.length).getFirst(), "dump", "x");
        assertEquals("EBUSY", e.errnoName());
        assertTrue(e.kernelMessage().isEmpty());
    }

    @Test
    void parseAll_twoMessagesInOneDatagram() {
        byte[] a = NlMessageWriter.message(16, 2).u32(1).toBytes();
        byte[] b = NlMessageWriter.message(3, 2).u32(0).toBytes();
        byte[] d = new byte[a.length + b.length];
        System.arraycopy(a, 0, d, 0, a.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        List<NlMessage> ms = NlMessage.parseAll(d, d.length);
        assertEquals(2, ms.size());
        assertEquals(16, ms.get(0).type());
        assertEquals(Netlink.NLMSG_DONE, ms.get(1).type());
        assertEquals("14000000100002000000000000000000" + "01000000", HexFormat.of().formatHex(a));
    }
}
