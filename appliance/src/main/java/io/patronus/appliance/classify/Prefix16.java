package io.patronus.appliance.classify;

import io.patronus.model.IpPrefix;

import java.util.Arrays;

/** A prefix in the classifier's 16-byte address space: IPv4 a.b.c.d/n becomes ::ffff:a.b.c.d/(96+n). */
record Prefix16(byte[] address, int length) {
    static final Prefix16 ALL = new Prefix16(new byte[16], 0);

    Prefix16 {
        if (length < 0 || length > 128 || address.length != 16) {
            throw new IllegalArgumentException("bad prefix length " + length);
        }
    }

    static Prefix16 of(IpPrefix p) {
        byte[] a = p.address();
        if (p.isIpv4()) {
            return new Prefix16(Flow.mapped(a, 0), 96 + p.length());
        }
        return new Prefix16(a.clone(), p.length());
    }

    boolean contains(byte[] ip16) {
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != ip16[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (ip16[full] & mask);
    }

    /** True when every address in {@code other} is in this prefix. */
    boolean covers(Prefix16 other) {
        return length <= other.length && contains(other.address);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prefix16 p && p.length == length && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 131 + length;
    }

    @Override
    public String toString() {
        return Flow.format(address) + "/" + (isMappedV4() ? length - 96 : length);
    }

    private boolean isMappedV4() {
        return length >= 96 && address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }
}
