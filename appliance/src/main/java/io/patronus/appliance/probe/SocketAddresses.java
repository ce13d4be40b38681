package io.patronus.appliance.probe;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** Encodes and decodes Linux {@code sockaddr_in} (16 bytes) and {@code sockaddr_in6} (28 bytes). */
final class SocketAddresses {
    static final int IN4_SIZE = 16;
    static final int IN6_SIZE = 28;
    static final int MAX_SIZE = IN6_SIZE;

    private SocketAddresses() {
    }

    static int family(InetAddress a) {
        return a instanceof Inet6Address ? ProbeLibC.AF_INET6 : ProbeLibC.AF_INET;
    }

    /**
     * The sockaddr for {@code address} on a socket of {@code family}; an IPv4 address on an IPv6 socket becomes its
     * IPv4-mapped form (a dual-stack socket needs that).
     */
    static byte[] encode(InetSocketAddress address, int family) {
        if (address.isUnresolved()) {
            throw new ProbeException("address " + address + " is unresolved; probes need a numeric address");
        }
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        if (family == ProbeLibC.AF_INET) {
            if (!(ip instanceof Inet4Address)) {
                throw new ProbeException("cannot send to IPv6 address " + address + " from an IPv4 probe socket");
            }
            byte[] b = new byte[IN4_SIZE];
            putFamily(b, ProbeLibC.AF_INET);
            b[2] = (byte) (port >>> 8);
            b[3] = (byte) port;
            System.arraycopy(ip.getAddress(), 0, b, 4, 4);
            return b;
        }
        byte[] b = new byte[IN6_SIZE];
        putFamily(b, ProbeLibC.AF_INET6);
        b[2] = (byte) (port >>> 8);
        b[3] = (byte) port;
        if (ip instanceof Inet4Address) {
            b[18] = (byte) 0xff;
            b[19] = (byte) 0xff;
            System.arraycopy(ip.getAddress(), 0, b, 20, 4);
        } else {
            System.arraycopy(ip.getAddress(), 0, b, 8, 16);
            // sin6_scope_id is in host byte order, unlike the port
            java.nio.ByteBuffer.wrap(b, 24, 4).order(ByteOrder.nativeOrder()).putInt(((Inet6Address) ip).getScopeId());
        }
        return b;
    }

    static InetSocketAddress decode(byte[] b, int length) {
        int family = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? (b[0] & 0xff) | (b[1] & 0xff) << 8 : (b[0] & 0xff) << 8 | (b[1] & 0xff);
        int port = (b[2] & 0xff) << 8 | (b[3] & 0xff);
        try {
            if (family == ProbeLibC.AF_INET && length >= IN4_SIZE) {
                byte[] ip = new byte[4];
                System.arraycopy(b, 4, ip, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == ProbeLibC.AF_INET6 && length >= IN6_SIZE) {
                byte[] ip = new byte[16];
                System.arraycopy(b, 8, ip, 0, 16);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
        } catch (UnknownHostException e) {
            throw new ProbeException("cannot decode a socket address", e);
        }
        throw new ProbeException("unexpected socket address family " + family + " (length " + length + ")");
    }

    private static void putFamily(byte[] b, int family) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            b[0] = (byte) family;
            b[1] = (byte) (family >>> 8);
        } else {
            b[0] = (byte) (family >>> 8);
            b[1] = (byte) family;
        }
    }
}
