package io.patronus.appliance.classify;

import java.util.Optional;

/**
 * Reads a {@link Flow} out of an Ethernet frame the way bpf/lib/parse.h does: one optional 802.1Q tag, IPv4 or
 * IPv6 (fixed header only; an IPv6 extension header is taken as the protocol and gives no ports), TCP/UDP ports.
 * Anything shorter or stranger is "unparsed" and the classifier passes it untouched. Keep both in step.
 */
public final class PacketParser {
    private static final int ETH_HLEN = 14;
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int ETH_P_8021Q = 0x8100;

    private PacketParser() {
    }

    public static Optional<Flow> parse(byte[] frame) {
        return parse(frame, frame.length);
    }

    public static Optional<Flow> parse(byte[] frame, int length) {
        if (length < ETH_HLEN) {
            return Optional.empty();
        }
        int type = u16(frame, 12);
        int l3 = ETH_HLEN;
        if (type == ETH_P_8021Q) {
            if (length < ETH_HLEN + 4) {
                return Optional.empty();
            }
            type = u16(frame, 16);
            l3 = ETH_HLEN + 4;
        }
        byte[] src;
        byte[] dst;
        int proto;
        int dscp;
        int l4;
        if (type == ETH_P_IP) {
            if (l3 + 20 > length || (frame[l3] & 0xff) >> 4 != 4) {
                return Optional.empty();
            }
            int ihl = (frame[l3] & 0x0f) * 4;
            if (ihl < 20 || l3 + ihl > length) {
                return Optional.empty();
            }
            l4 = l3 + ihl;
            dscp = (frame[l3 + 1] & 0xff) >> 2;
            proto = frame[l3 + 9] & 0xff;
            src = Flow.mapped(frame, l3 + 12);
            dst = Flow.mapped(frame, l3 + 16);
            if ((u16(frame, l3 + 6) & 0x1fff) != 0) {
                return Optional.of(new Flow(src, dst, proto, dscp, Flow.NO_PORT, Flow.NO_PORT));
            }
        } else if (type == ETH_P_IPV6) {
            if (l3 + 40 > length || (frame[l3] & 0xff) >> 4 != 6) {
                return Optional.empty();
            }
            int trafficClass = ((frame[l3] & 0x0f) << 4) | ((frame[l3 + 1] & 0xff) >> 4);
            dscp = trafficClass >> 2;
            proto = frame[l3 + 6] & 0xff;
            src = java.util.Arrays.copyOfRange(frame, l3 + 8, l3 + 24);
            dst = java.util.Arrays.copyOfRange(frame, l3 + 24, l3 + 40);
            l4 = l3 + 40;
        } else {
            return Optional.empty();
        }
        if (proto != 6 && proto != 17) {
            return Optional.of(new Flow(src, dst, proto, dscp, Flow.NO_PORT, Flow.NO_PORT));
        }
        if (l4 + 4 > length) {
            return Optional.empty();
        }
        return Optional.of(new Flow(src, dst, proto, dscp, u16(frame, l4), u16(frame, l4 + 2)));
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }
}
