package io.patronus.appliance.classify;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Builds Ethernet frames for classifier tests: IPv4/IPv6, optional 802.1Q tag, TCP/UDP/other payloads. */
final class Frames {
    private Frames() {
    }

    static byte[] udp(String src, String dst, int sport, int dport, int dscp) {
        return ip(address(src), address(dst), 17, dscp, sport, dport, false, 0, 32);
    }

    static byte[] ip(InetAddress src, InetAddress dst, int proto, int dscp, int sport, int dport, boolean vlan,
                     int fragmentOffset, int payload) {
        boolean v4 = src instanceof Inet4Address;
        int l3 = v4 ? 20 : 40;
        int l4 = (proto == 6 ? 20 : proto == 17 ? 8 : 8);
        ByteBuffer b = ByteBuffer.allocate(14 + (vlan ? 4 : 0) + l3 + l4 + payload);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        if (vlan) {
            b.putShort((short) 0x8100).putShort((short) 42);
        }
        b.putShort((short) (v4 ? 0x0800 : 0x86DD));
        int total = l3 + l4 + payload;
        if (v4) {
            b.put((byte) 0x45).put((byte) (dscp << 2)).putShort((short) total).putShort((short) 1)
                    .putShort((short) (fragmentOffset & 0x1fff)).put((byte) 64).put((byte) proto).putShort((short) 0)
                    .put(src.getAddress()).put(dst.getAddress());
        } else {
            int tc = dscp << 2;
            b.put((byte) (0x60 | (tc >> 4))).put((byte) ((tc & 0x0f) << 4)).putShort((short) 0)
                    .putShort((short) (l4 + payload)).put((byte) proto).put((byte) 64)
                    .put(src.getAddress()).put(dst.getAddress());
        }
        b.putShort((short) sport).putShort((short) dport);
        return b.array();
    }

    static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
