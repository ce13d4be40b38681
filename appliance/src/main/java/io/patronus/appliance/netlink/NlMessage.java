package io.patronus.appliance.netlink;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One received netlink message: the {@code nlmsghdr} fields and the payload after the header (the protocol's fixed
 * header followed by attributes).
 */
public record NlMessage(int type, int flags, int seq, int pid, byte[] payload) {
    public NlMessage {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The attributes after a fixed header of {@code fixedHeaderLength} bytes. */
    public Attributes attributes(int fixedHeaderLength) {
        if (fixedHeaderLength > payload.length) {
            throw NetlinkException.malformed("message type " + type + " has " + payload.length + " payload bytes, shorter than its "
                    + fixedHeaderLength + "-byte header");
        }
        return Attributes.parse(payload, Netlink.align(fixedHeaderLength), Math.max(0, payload.length - Netlink.align(fixedHeaderLength)));
    }

    public int u8(int offset) {
        return payload[offset] & 0xff;
    }

    public int u16(int offset) {
        return (payload[offset] & 0xff) | (payload[offset + 1] & 0xff) << 8;
    }

    public int u32(int offset) {
        return (payload[offset] & 0xff) | (payload[offset + 1] & 0xff) << 8 | (payload[offset + 2] & 0xff) << 16
                | (payload[offset + 3] & 0xff) << 24;
    }

    /** Splits a datagram into its messages. */
    public static List<NlMessage> parseAll(byte[] buf, int len) {
        List<NlMessage> out = new ArrayList<>();
        int p = 0;
        while (p + Netlink.NLMSG_HDRLEN <= len) {
            int mlen = (buf[p] & 0xff) | (buf[p + 1] & 0xff) << 8 | (buf[p + 2] & 0xff) << 16 | (buf[p + 3] & 0xff) << 24;
            if (mlen < Netlink.NLMSG_HDRLEN || p + mlen > len) {
                throw NetlinkException.malformed("message at offset " + p + " has length " + mlen + " but the datagram has " + (len - p) + " bytes left");
            }
            int type = (buf[p + 4] & 0xff) | (buf[p + 5] & 0xff) << 8;
            int flags = (buf[p + 6] & 0xff) | (buf[p + 7] & 0xff) << 8;
            int seq = (buf[p + 8] & 0xff) | (buf[p + 9] & 0xff) << 8 | (buf[p + 10] & 0xff) << 16 | (buf[p + 11] & 0xff) << 24;
            int pid = (buf[p + 12] & 0xff) | (buf[p + 13] & 0xff) << 8 | (buf[p + 14] & 0xff) << 16 | (buf[p + 15] & 0xff) << 24;
            out.add(new NlMessage(type, flags, seq, pid, Arrays.copyOfRange(buf, p + Netlink.NLMSG_HDRLEN, p + mlen)));
            p += Netlink.align(mlen);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NlMessage m && m.type == type && m.flags == flags && m.seq == seq && m.pid == pid
                && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return ((type * 31 + flags) * 31 + seq) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "NlMessage[type=" + type + ", flags=0x" + Integer.toHexString(flags) + ", seq=" + seq + ", " + payload.length + " B]";
    }
}
