package io.patronus.appliance.netlink;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink message (or a bare attribute stream) in host byte order: the 16-byte {@code nlmsghdr}, the
 * protocol's fixed header written with the {@code u8/u16/u32} methods, then attributes. Every attribute is padded to
 * 4 bytes; its length field counts header and payload but not the padding. Nests always carry NLA_F_NESTED because
 * strict kernel parsers reject a nest without it. The sequence number and port id are left 0 here:
 * {@link NetlinkSocket} fills the sequence number in when it sends. Not thread-safe.
 */
public final class NlMessageWriter {
    private byte[] buf = new byte[256];
    private int pos;
    private final boolean hasHeader;
    private int openNests;

    private NlMessageWriter(boolean hasHeader) {
        this.hasHeader = hasHeader;
    }

    /** A message of {@code type} with {@code flags} (NLM_F_REQUEST is not added implicitly). */
    public static NlMessageWriter message(int type, int flags) {
        NlMessageWriter w = new NlMessageWriter(true);
        w.u32(0).u16(type).u16(flags).u32(0).u32(0);
        return w;
    }

    /** A bare attribute stream without a message header, for nested payloads and tests. */
    public static NlMessageWriter attributes() {
        return new NlMessageWriter(false);
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    private void putU16At(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >>> 8);
    }

    private void putU32At(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >>> 8);
        buf[at + 2] = (byte) (v >>> 16);
        buf[at + 3] = (byte) (v >>> 24);
    }

    public NlMessageWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public NlMessageWriter u16(int v) {
        ensure(2);
        putU16At(pos, v);
        pos += 2;
        return this;
    }

    public NlMessageWriter u32(int v) {
        ensure(4);
        putU32At(pos, v);
        pos += 4;
        return this;
    }

    public NlMessageWriter u64(long v) {
        u32((int) v);
        return u32((int) (v >>> 32));
    }

    public NlMessageWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    public NlMessageWriter zeros(int n) {
        ensure(n);
        Arrays.fill(buf, pos, pos + n, (byte) 0);
        pos += n;
        return this;
    }

    private void alignPos() {
        zeros(Netlink.align(pos) - pos);
    }

    /** A leaf attribute with raw payload bytes. */
    public NlMessageWriter attr(int type, byte[] payload) {
        alignPos();
        u16(Netlink.NLA_HDRLEN + payload.length).u16(type);
        bytes(payload);
        alignPos();
        return this;
    }

    public NlMessageWriter attrU8(int type, int v) {
        return attr(type, new byte[] {(byte) v});
    }

    public NlMessageWriter attrU16(int type, int v) {
        return attr(type, new byte[] {(byte) v, (byte) (v >>> 8)});
    }

    /** A u16 in network byte order (ports), flagged NLA_F_NET_BYTEORDER only if the protocol wants it: it is not set here. */
    public NlMessageWriter attrBe16(int type, int v) {
        return attr(type, new byte[] {(byte) (v >>> 8), (byte) v});
    }

    public NlMessageWriter attrU32(int type, int v) {
        return attr(type, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    public NlMessageWriter attrU64(int type, long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return attr(type, b);
    }

    /** A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING both accept it). */
    public NlMessageWriter attrString(int type, String s) {
        byte[] utf = s.getBytes(StandardCharsets.UTF_8);
        return attr(type, Arrays.copyOf(utf, utf.length + 1));
    }

    /** A zero-length flag attribute. */
    public NlMessageWriter attrFlag(int type) {
        return attr(type, new byte[0]);
    }

    /** Opens a nest of {@code type}; returns the token for {@link #endNest(int)}. */
    public int beginNest(int type) {
        alignPos();
        int start = pos;
        u16(0).u16(type | Netlink.NLA_F_NESTED);
        openNests++;
        return start;
    }

    public NlMessageWriter endNest(int token) {
        putU16At(token, pos - token);
        openNests--;
        return this;
    }

    /** Writes an attribute tree. */
    public NlMessageWriter attr(Nla nla) {
        switch (nla) {
            case Nla.Leaf l -> attr(l.type(), l.value());
            case Nla.Nest n -> {
                int t = beginNest(n.type());
                for (Nla c : n.children()) {
                    attr(c);
                }
                endNest(t);
            }
        }
        return this;
    }

    /** The bytes written so far; current length in bytes. */
    public int length() {
        return pos;
    }

    /** The finished message with its length field set. */
    public byte[] toBytes() {
        if (openNests != 0) {
            throw new IllegalStateException(openNests + " nest(s) still open");
        }
        alignPos();
        if (hasHeader) {
            putU32At(0, pos);
        }
        return Arrays.copyOf(buf, pos);
    }
}
