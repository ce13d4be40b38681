package io.patronus.appliance.probe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One probe datagram of our path-probing protocol (in the spirit of TWAMP-light and BFD echo): the sender stamps a
 * request, the reflector stamps its receive and transmit times and sends it back, and the sender computes the round
 * trip without the reflector's dwell time, {@code (t4 - t1) - (t3 - t2)}, with no clock synchronisation needed.
 *
 * <p>Wire format, version 1: always exactly {@value #SIZE} bytes, big-endian.
 * <pre>
 * offset size field
 *  0      4   magic     0x50545250 ("PTRP")
 *  4      1   version   1
 *  5      1   type      1 = REQUEST, 2 = REPLY
 *  6      2   flags     none defined in version 1; sent as 0, echoed by the reflector, ignored on receipt
 *  8      4   session   chosen by the sender (one per path), echoed
 * 12      4   seq       unsigned, per session, echoed
 * 16      8   t1        sender transmit time, nanoseconds of the sender's monotonic clock, echoed
 * 24      8   t2        reflector receive time, nanoseconds of the reflector's monotonic clock (0 in a request)
 * 32      8   t3        reflector transmit time, same clock as t2 (0 in a request)
 * 40     16   colour    the sender's local colour, 0-15 printable ASCII bytes (0x21-0x7e) then zeros: the reflector
 *                       answers through that colour's tunnel so that the reply takes the same path back
 * 56      4   received  replies only: how many requests the reflector has received from this sender's session so far
 *                       (0 = not counted); lets the sender split round-trip loss into its two directions
 * 60      4   reserved  sent as 0, ignored on receipt (room for version-1 extensions)
 * </pre>
 *
 * <p>Decoding checks the length, magic, version, type and colour and throws {@link MalformedProbeException} for
 * anything else: no other exception escapes, whatever the bytes. {@code seq} is carried in an {@code int} and is
 * unsigned on the wire ({@link Integer#toUnsignedLong}).
 */
public record ProbePacket(Type type, int flags, int session, int seq, long t1, long t2, long t3, String colour) {
    /** The fixed datagram size. */
    public static final int SIZE = 64;
    public static final int MAGIC = 0x50545250;
    public static final int VERSION = 1;
    /** The longest colour name the packet carries. */
    public static final int MAX_COLOUR_BYTES = 15;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_TYPE = 5;
    static final int OFF_FLAGS = 6;
    static final int OFF_SESSION = 8;
    static final int OFF_SEQ = 12;
    static final int OFF_T1 = 16;
    static final int OFF_T2 = 24;
    static final int OFF_T3 = 32;
    static final int OFF_COLOUR = 40;
    static final int OFF_RECEIVED = 56;
    static final int COLOUR_FIELD = 16;

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** The packet types; the numbers are the wire values. */
    public enum Type {
        REQUEST(1), REPLY(2);

        private final int wire;

        Type(int wire) {
            this.wire = wire;
        }

        public int wire() {
            return wire;
        }
    }

    public ProbePacket {
        if (type == null) {
            throw new ProbeException("probe packet type is required");
        }
        if (flags < 0 || flags > 0xffff) {
            throw new ProbeException("probe packet flags must fit in 16 bits, was " + flags);
        }
        colour = checkColour(colour);
    }

    /** A request of {@code session} with sequence number {@code seq}, sent at {@code t1}, answered over {@code colour}. */
    public static ProbePacket request(int session, int seq, long t1, String colour) {
        return new ProbePacket(Type.REQUEST, 0, session, seq, t1, 0, 0, colour);
    }

    /** The reply to this request: the same fields, type REPLY, stamped with the reflector's times. */
    public ProbePacket reply(long t2, long t3) {
        return new ProbePacket(Type.REPLY, flags, session, seq, t1, t2, t3, colour);
    }

    /** {@code seq} as the unsigned number it is on the wire. */
    public long unsignedSeq() {
        return Integer.toUnsignedLong(seq);
    }

    /** The {@value #SIZE} wire bytes. */
    public byte[] encode() {
        byte[] b = new byte[SIZE];
        encode(b, 0);
        return b;
    }

    /** Writes the {@value #SIZE} wire bytes at {@code offset} of {@code into}, reserved bytes zeroed. */
    public void encode(byte[] into, int offset) {
        if (offset < 0 || into.length - offset < SIZE) {
            throw new ProbeException("probe packet needs " + SIZE + " bytes at offset " + offset + " of a " + into.length + "-byte buffer");
        }
        java.util.Arrays.fill(into, offset, offset + SIZE, (byte) 0);
        I32.set(into, offset + OFF_MAGIC, MAGIC);
        into[offset + OFF_VERSION] = VERSION;
        into[offset + OFF_TYPE] = (byte) type.wire();
        into[offset + OFF_FLAGS] = (byte) (flags >>> 8);
        into[offset + OFF_FLAGS + 1] = (byte) flags;
        I32.set(into, offset + OFF_SESSION, session);
        I32.set(into, offset + OFF_SEQ, seq);
        I64.set(into, offset + OFF_T1, t1);
        I64.set(into, offset + OFF_T2, t2);
        I64.set(into, offset + OFF_T3, t3);
        byte[] c = colour.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(c, 0, into, offset + OFF_COLOUR, c.length);
    }

    /** Decodes {@code length} bytes at {@code offset}; throws {@link MalformedProbeException} for anything invalid. */
    public static ProbePacket decode(byte[] data, int offset, int length) {
        String problem = problem(data, offset, length);
        if (!problem.isEmpty()) {
            throw new MalformedProbeException(problem);
        }
        int b = offset;
        return new ProbePacket(data[b + OFF_TYPE] == 1 ? Type.REQUEST : Type.REPLY,
                (data[b + OFF_FLAGS] & 0xff) << 8 | data[b + OFF_FLAGS + 1] & 0xff,
                (int) I32.get(data, b + OFF_SESSION), (int) I32.get(data, b + OFF_SEQ),
                (long) I64.get(data, b + OFF_T1), (long) I64.get(data, b + OFF_T2), (long) I64.get(data, b + OFF_T3),
                colourAt(data, b));
    }

    /** Decodes a whole array; see {@link #decode(byte[], int, int)}. */
    public static ProbePacket decode(byte[] data) {
        if (data == null) {
            throw new MalformedProbeException("no data");
        }
        return decode(data, 0, data.length);
    }

    /** The packet, or empty when the bytes are not a valid probe packet. */
    public static Optional<ProbePacket> tryDecode(byte[] data, int offset, int length) {
        try {
            return Optional.of(decode(data, offset, length));
        } catch (MalformedProbeException e) {
            return Optional.empty();
        }
    }

    /**
     * What is wrong with the datagram, or the empty string when it is a valid packet. Allocation-free for valid
     * packets, so that the reflector can check and answer in place.
     */
    static String problem(byte[] data, int offset, int length) {
        if (data == null) {
            return "no data";
        }
        if (offset < 0 || length < 0 || offset > data.length || data.length - offset < length) {
            return "offset " + offset + " and length " + length + " outside a " + data.length + "-byte buffer";
        }
        if (length != SIZE) {
            return "length " + length + ", expected " + SIZE;
        }
        int magic = (int) I32.get(data, offset + OFF_MAGIC);
        if (magic != MAGIC) {
            return "magic 0x" + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(MAGIC);
        }
        if (data[offset + OFF_VERSION] != VERSION) {
            return "version " + (data[offset + OFF_VERSION] & 0xff) + ", expected " + VERSION;
        }
        int type = data[offset + OFF_TYPE];
        if (type != 1 && type != 2) {
            return "type " + (type & 0xff) + ", expected 1 (request) or 2 (reply)";
        }
        int end = offset + OFF_COLOUR + COLOUR_FIELD;
        int i = offset + OFF_COLOUR;
        while (i < end && data[i] != 0) {
            if (data[i] < 0x21 || data[i] > 0x7e) {
                return "colour byte 0x" + Integer.toHexString(data[i] & 0xff) + " at offset " + (i - offset) + " is not printable ASCII";
            }
            i++;
        }
        if (i == end) {
            return "colour is not zero-terminated within " + COLOUR_FIELD + " bytes";
        }
        for (; i < end; i++) {
            if (data[i] != 0) {
                return "colour padding is not zero at offset " + (i - offset);
            }
        }
        return "";
    }

    static int type(byte[] data, int offset) {
        return data[offset + OFF_TYPE];
    }

    static int session(byte[] data, int offset) {
        return (int) I32.get(data, offset + OFF_SESSION);
    }

    static int seq(byte[] data, int offset) {
        return (int) I32.get(data, offset + OFF_SEQ);
    }

    static long t1(byte[] data, int offset) {
        return (long) I64.get(data, offset + OFF_T1);
    }

    static long t2(byte[] data, int offset) {
        return (long) I64.get(data, offset + OFF_T2);
    }

    static long t3(byte[] data, int offset) {
        return (long) I64.get(data, offset + OFF_T3);
    }

    /** The reflector's count of requests received from the sender's session (replies; 0 = not counted). */
    static long received(byte[] data, int offset) {
        return Integer.toUnsignedLong((int) I32.get(data, offset + OFF_RECEIVED));
    }

    /** Stamps the reflector's received count into a reply. */
    static void stampReceived(byte[] data, int offset, long count) {
        I32.set(data, offset + OFF_RECEIVED, (int) count);
    }

    /** Turns a valid request in place into its reply, stamped with receive time {@code t2} (t3 follows at send). */
    static void toReply(byte[] data, int offset, long t2) {
        data[offset + OFF_TYPE] = (byte) Type.REPLY.wire();
        I64.set(data, offset + OFF_T2, t2);
    }

    /** Sets the sequence number and send time of an encoded request. */
    static void stampRequest(byte[] data, int offset, int seq, long t1) {
        I32.set(data, offset + OFF_SEQ, seq);
        I64.set(data, offset + OFF_T1, t1);
    }

    static void stampT3(byte[] data, int offset, long t3) {
        I64.set(data, offset + OFF_T3, t3);
    }

    /** The colour of a valid packet. */
    static String colourAt(byte[] data, int offset) {
        int start = offset + OFF_COLOUR;
        int n = 0;
        while (n < MAX_COLOUR_BYTES && data[start + n] != 0) {
            n++;
        }
        return n == 0 ? "" : new String(data, start, n, StandardCharsets.US_ASCII);
    }

    private static String checkColour(String colour) {
        if (colour == null) {
            throw new ProbeException("probe packet colour is required (the empty string for none)");
        }
        if (colour.length() > MAX_COLOUR_BYTES) {
            throw new ProbeException("probe packet colour must be at most " + MAX_COLOUR_BYTES + " characters, was '" + colour + "'");
        }
        for (int i = 0; i < colour.length(); i++) {
            char ch = colour.charAt(i);
            if (ch < 0x21 || ch > 0x7e) {
                throw new ProbeException("probe packet colour must be printable ASCII, was '" + colour + "'");
            }
        }
        return colour;
    }
}
