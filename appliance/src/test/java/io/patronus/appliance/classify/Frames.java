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

    /**
     * A TCP segment without payload: {@code flags} (0x02 SYN, 0x12 SYN-ACK, 0x10 ACK), the given option bytes (padded
     * to a multiple of 4 with end-of-options) and a correct checksum.
     */
    static byte[] tcp(String src, String dst, int sport, int dport, int flags, byte[] options) {
        InetAddress s = address(src);
        InetAddress d = address(dst);
        boolean v4 = s instanceof Inet4Address;
        int l3 = v4 ? 20 : 40;
        int optLen = (options.length + 3) / 4 * 4;
        int l4 = 20 + optLen;
        ByteBuffer b = ByteBuffer.allocate(14 + l3 + l4);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) (v4 ? 0x0800 : 0x86DD));
        if (v4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (l3 + l4)).putShort((short) 1).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) 6).putShort((short) 0).put(s.getAddress()).put(d.getAddress());
        } else {
            b.put((byte) 0x60).put((byte) 0).putShort((short) 0).putShort((short) l4).put((byte) 6).put((byte) 64)
                    .put(s.getAddress()).put(d.getAddress());
        }
        int tcp = b.position();
        b.putShort((short) sport).putShort((short) dport).putInt(1000).putInt(flags == 0x02 ? 0 : 2000)
                .put((byte) ((l4 / 4) << 4)).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0)
                .put(options);
        byte[] frame = b.array();
        int sum = tcpChecksum(frame, tcp, v4);
        frame[tcp + 16] = (byte) (sum >> 8);
        frame[tcp + 17] = (byte) sum;
        return frame;
    }

    /** Whether the TCP checksum of a frame built by {@link #tcp} is right (one's complement sum over it is 0xffff). */
    static boolean tcpChecksumValid(byte[] frame) {
        boolean v4 = frame[12] == 0x08;
        int tcp = 14 + (v4 ? 20 : 40);
        return tcpChecksum(frame, tcp, v4) == 0;
    }

    /** The one's complement checksum of the TCP segment at {@code tcp} with its pseudo-header (0 when it verifies). */
    private static int tcpChecksum(byte[] f, int tcp, boolean v4) {
        int len = f.length - tcp;
        long sum = 0;
        int addr = v4 ? 14 + 12 : 14 + 8;
        int addrLen = v4 ? 8 : 32;
        for (int i = 0; i < addrLen; i += 2) {
            sum += (f[addr + i] & 0xff) << 8 | (f[addr + i + 1] & 0xff);
        }
        sum += 6 + len;
        for (int i = 0; i < len; i += 2) {
            int hi = f[tcp + i] & 0xff;
            int lo = i + 1 < len ? f[tcp + i + 1] & 0xff : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** The MSS option of a TCP frame built by {@link #tcp}, or -1 when it has none. */
    static int mss(byte[] frame) {
        boolean v4 = frame[12] == 0x08;
        int tcp = 14 + (v4 ? 20 : 40);
        int end = tcp + ((frame[tcp + 12] & 0xff) >> 4) * 4;
        for (int p = tcp + 20; p < end; ) {
            int kind = frame[p] & 0xff;
            if (kind == 0) {
                return -1;
            }
            if (kind == 1) {
                p++;
                continue;
            }
            if (kind == 2) {
                return (frame[p + 2] & 0xff) << 8 | (frame[p + 3] & 0xff);
            }
            p += Math.max(2, frame[p + 1] & 0xff);
        }
        return -1;
    }

    static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
