package io.patronus.appliance.classify;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The header fields the classifier looks at. Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d, exactly as the
 * kernel program keys its tries; ports are -1 when the packet has none (not TCP/UDP, or a non-first fragment).
 */
public record Flow(byte[] source, byte[] destination, int protocol, int dscp, int sourcePort, int destinationPort) {
    public static final int NO_PORT = -1;

    public Flow {
        if (source.length != 16 || destination.length != 16) {
            throw new IllegalArgumentException("flow addresses are 16 bytes (IPv4 mapped into IPv6)");
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol " + protocol + " is not 0-255");
        }
        if (dscp < 0 || dscp > 63) {
            throw new IllegalArgumentException("dscp " + dscp + " is not 0-63");
        }
        if ((sourcePort == NO_PORT) != (destinationPort == NO_PORT)) {
            throw new IllegalArgumentException("a flow has both ports or neither");
        }
        source = source.clone();
        destination = destination.clone();
    }

    /** A flow between two addresses of either family (mixed families are allowed: the kernel sees only 16 bytes). */
    public static Flow of(InetAddress source, InetAddress destination, int protocol, int dscp, int sourcePort, int destinationPort) {
        return new Flow(address16(source), address16(destination), protocol, dscp, sourcePort, destinationPort);
    }

    public boolean hasPorts() {
        return sourcePort != NO_PORT;
    }

    @Override
    public byte[] source() {
        return source.clone();
    }

    @Override
    public byte[] destination() {
        return destination.clone();
    }

    /** Package-private views without copies for the model's hot loop. */
    byte[] sourceBytes() {
        return source;
    }

    byte[] destinationBytes() {
        return destination;
    }

    public static byte[] address16(InetAddress address) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            return mapped(raw, 0);
        }
        return raw;
    }

    static byte[] mapped(byte[] v4, int offset) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(v4, offset, out, 12, 4);
        return out;
    }

    /** The address as an operator writes it: dotted quad for mapped IPv4. */
    public static String format(byte[] address16) {
        try {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= address16[i] == 0;
            }
            mapped &= address16[10] == (byte) 0xff && address16[11] == (byte) 0xff;
            if (mapped) {
                return InetAddress.getByAddress(Arrays.copyOfRange(address16, 12, 16)).getHostAddress();
            }
            return InetAddress.getByAddress(address16).getHostAddress();
        } catch (UnknownHostException e) {
            return HexFormat.of().formatHex(address16);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Flow f && Arrays.equals(source, f.source) && Arrays.equals(destination, f.destination)
                && protocol == f.protocol && dscp == f.dscp && sourcePort == f.sourcePort && destinationPort == f.destinationPort;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(source) * 31 + Arrays.hashCode(destination) + protocol * 7 + dscp + sourcePort * 13 + destinationPort;
    }

    @Override
    public String toString() {
        String ports = hasPorts() ? ":" + sourcePort + " -> " : " -> ";
        return format(source) + ports + format(destination) + (hasPorts() ? ":" + destinationPort : "")
                + " proto " + protocol + " dscp " + dscp;
    }
}
