package io.patronus.appliance.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A parsed run of netlink attributes over a byte array (no copying until a value is asked for). Nests are parsed on
 * demand with {@link Entry#nested()}, whether or not the kernel set NLA_F_NESTED (many rtnetlink dumps do not).
 * Immutable and thread-safe as long as nobody changes the underlying array.
 */
public final class Attributes {
    private final List<Entry> entries;

    private Attributes(List<Entry> entries) {
        this.entries = entries;
    }

    /** Parses {@code len} bytes of attributes at {@code off}; a truncated attribute is a protocol error. */
    public static Attributes parse(byte[] buf, int off, int len) {
        List<Entry> out = new ArrayList<>();
        int end = off + len;
        int p = off;
        while (p + Netlink.NLA_HDRLEN <= end) {
            int alen = (buf[p] & 0xff) | (buf[p + 1] & 0xff) << 8;
            int rawType = (buf[p + 2] & 0xff) | (buf[p + 3] & 0xff) << 8;
            if (alen < Netlink.NLA_HDRLEN || p + alen > end) {
                throw NetlinkException.malformed("attribute at offset " + (p - off) + " has length " + alen
                        + " but only " + (end - p) + " bytes remain");
            }
            out.add(new Entry(rawType & Netlink.NLA_TYPE_MASK, rawType & ~Netlink.NLA_TYPE_MASK, buf, p + Netlink.NLA_HDRLEN,
                    alen - Netlink.NLA_HDRLEN));
            p += Netlink.align(alen);
        }
        return new Attributes(List.copyOf(out));
    }

    public static Attributes parse(byte[] buf) {
        return parse(buf, 0, buf.length);
    }

    /** Every attribute in wire order, repeated types included. */
    public List<Entry> all() {
        return entries;
    }

    /** The first attribute of {@code type}. */
    public Optional<Entry> get(int type) {
        for (Entry e : entries) {
            if (e.type == type) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Every attribute of {@code type}. */
    public List<Entry> getAll(int type) {
        return entries.stream().filter(e -> e.type == type).toList();
    }

    /** One attribute: its type (flags masked off), flags, and payload view. */
    public static final class Entry {
        private final int type;
        private final int flags;
        private final byte[] buf;
        private final int off;
        private final int len;

        Entry(int type, int flags, byte[] buf, int off, int len) {
            this.type = type;
            this.flags = flags;
            this.buf = buf;
            this.off = off;
            this.len = len;
        }

        public int type() {
            return type;
        }

        /** NLA_F_NESTED / NLA_F_NET_BYTEORDER as sent. */
        public int flags() {
            return flags;
        }

        public boolean nestedFlag() {
            return (flags & Netlink.NLA_F_NESTED) != 0;
        }

        public int length() {
            return len;
        }

        public byte[] bytes() {
            return Arrays.copyOfRange(buf, off, off + len);
        }

        private void need(int n) {
            if (len < n) {
                throw NetlinkException.malformed("attribute " + type + " has " + len + " bytes, expected " + n);
            }
        }

        public int u8() {
            need(1);
            return buf[off] & 0xff;
        }

        public int u16() {
            need(2);
            return (buf[off] & 0xff) | (buf[off + 1] & 0xff) << 8;
        }

        /** A u16 in network byte order. */
        public int be16() {
            need(2);
            return (buf[off] & 0xff) << 8 | (buf[off + 1] & 0xff);
        }

        public int u32() {
            need(4);
            return (buf[off] & 0xff) | (buf[off + 1] & 0xff) << 8 | (buf[off + 2] & 0xff) << 16 | (buf[off + 3] & 0xff) << 24;
        }

        public long u64() {
            need(8);
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = v << 8 | (buf[off + i] & 0xff);
            }
            return v;
        }

        /** A string up to its first NUL (or the end of the payload). */
        public String string() {
            int n = 0;
            while (n < len && buf[off + n] != 0) {
                n++;
            }
            return new String(buf, off, n, StandardCharsets.UTF_8);
        }

        /** An IPv4 or IPv6 address (4 or 16 bytes). */
        public InetAddress address() {
            if (len != 4 && len != 16) {
                throw NetlinkException.malformed("attribute " + type + " has " + len + " bytes, expected an address of 4 or 16");
            }
            try {
                return InetAddress.getByAddress(bytes());
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        public Attributes nested() {
            return parse(buf, off, len);
        }

        @Override
        public String toString() {
            return "Attr[" + type + (nestedFlag() ? " nested" : "") + ", " + len + " B]";
        }
    }
}
