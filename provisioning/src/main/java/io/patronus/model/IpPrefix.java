package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix in CIDR form ({@code 10.1.0.0/16}); host bits must be zero so that a prefix has one spelling.
 * Serialised as its CIDR string.
 */
public record IpPrefix(byte[] address, int length) {
    public IpPrefix {
        Check.required("address", address);
        if (address.length != 4 && address.length != 16) {
            throw new ValidationException("address", "format", "must be 4 or 16 bytes, was " + address.length);
        }
        Check.range("length", length, 0, address.length * 8);
        address = address.clone();
        for (int bit = length; bit < address.length * 8; bit++) {
            if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new ValidationException("prefix", "format",
                        "has host bits set beyond /" + length + " (did you mean " + masked(address, length) + "?)");
            }
        }
    }

    /** Parses {@code a.b.c.d/n} or {@code v6/n}; only literal addresses, never a DNS lookup. */
    @JsonCreator
    public static IpPrefix parse(String text) {
        Check.required("prefix", text);
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new ValidationException("prefix", "format", "must be in CIDR form like 10.1.0.0/16, was '" + Check.clip(text) + "'");
        }
        byte[] addr = literal(text.substring(0, slash));
        if (addr == null) {
            throw new ValidationException("prefix", "format", "has an invalid IP address '" + Check.clip(text.substring(0, slash)) + "'");
        }
        String lengthText = text.substring(slash + 1);
        if (!Check.digits(lengthText, 3)) {
            throw new ValidationException("prefix", "format", "has an invalid prefix length '" + Check.clip(lengthText) + "'");
        }
        int len = Integer.parseInt(lengthText);
        if (len < 0 || len > addr.length * 8) {
            throw new ValidationException("prefix", "range", "length must be between 0 and " + addr.length * 8 + ", was " + len);
        }
        return new IpPrefix(addr, len);
    }

    /** Parses a literal IPv4 or IPv6 address without any name resolution; null when it is not one. */
    static byte[] literal(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            // ASCII hex only, starting with a hex digit or ':': InetAddress resolves anything else as a host name.
            if (!s.chars().allMatch(c -> c < 128 && (Character.digit(c, 16) >= 0 || c == ':' || c == '.')) || s.charAt(0) == '.') {
                return null;
            }
            try {
                InetAddress a = InetAddress.getByName(s);
                if (a instanceof Inet6Address) {
                    return a.getAddress();
                }
                // The JDK turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into an IPv4 one; keep the 16 bytes written.
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
                return mapped;
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (!Check.digits(p, 3)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    public boolean isIpv4() {
        return address.length == 4;
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    /** True when {@code ip} (4 or 16 bytes) lies inside this prefix. */
    public boolean contains(byte[] ip) {
        if (ip.length != address.length) {
            return false;
        }
        for (int bit = 0; bit < length; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((ip[bit / 8] & mask) != (address[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** True when the two prefixes share at least one address. */
    public boolean overlaps(IpPrefix other) {
        return other.address.length == address.length
                && (length <= other.length ? contains(other.address) : other.contains(address));
    }

    @JsonValue
    @Override
    public String toString() {
        try {
            // Inet6Address.getByAddress(host, bytes, -1), not InetAddress.getByAddress(bytes), which would print an
            // IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4.
            InetAddress a = address.length == 4 ? Inet4Address.getByAddress(address) : Inet6Address.getByAddress(null, address, -1);
            return a.getHostAddress() + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && p.length == length && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + length;
    }

    private static String masked(byte[] address, int length) {
        byte[] copy = address.clone();
        for (int bit = length; bit < copy.length * 8; bit++) {
            copy[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpPrefix(copy, length).toString();
    }
}
