package io.patronus.appliance.probe;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The probe wire format: layout, round trips, and garbage that must only ever give {@link MalformedProbeException}. */
class ProbePacketTest {
    private static final long SEED = 0x50545250L;

    @Test
    void encode_request_hasDocumentedLayout() {
        byte[] b = ProbePacket.request(0x01020304, 0xfffffffe, 0x1122334455667788L, "fiber").encode();
        assertEquals(ProbePacket.SIZE, b.length);
        assertEquals("50545250" + "01" + "01" + "0000" + "01020304" + "fffffffe" + "1122334455667788"
                        + "0000000000000000" + "0000000000000000" + "6669626572" + "00".repeat(11) + "00".repeat(8),
                HexFormat.of().formatHex(b));
    }

    @Test
    void decode_encodedReply_roundTrips() {
        ProbePacket reply = ProbePacket.request(-7, -1, Long.MIN_VALUE, "abcdefghijklmno").reply(42, Long.MAX_VALUE);
        ProbePacket back = ProbePacket.decode(reply.encode());
        assertEquals(reply, back);
        assertEquals(ProbePacket.Type.REPLY, back.type());
        assertEquals(0xffffffffL, back.unsignedSeq());
    }

    @Test
    void decode_randomValidPackets_roundTrip() {
        Random r = new Random(SEED);
        for (int i = 0; i < 10_000; i++) {
            StringBuilder colour = new StringBuilder();
            int len = r.nextInt(ProbePacket.MAX_COLOUR_BYTES + 1);
            for (int k = 0; k < len; k++) {
                colour.append((char) (0x21 + r.nextInt(0x7e - 0x21 + 1)));
            }
            ProbePacket p = new ProbePacket(r.nextBoolean() ? ProbePacket.Type.REQUEST : ProbePacket.Type.REPLY,
                    r.nextInt(0x10000), r.nextInt(), r.nextInt(), r.nextLong(), r.nextLong(), r.nextLong(), colour.toString());
            byte[] buf = new byte[ProbePacket.SIZE + 10];
            p.encode(buf, 7);
            assertEquals(p, ProbePacket.decode(buf, 7, ProbePacket.SIZE), "seed " + SEED + ", case " + i);
        }
    }

    @Test
    void decode_emptyColour_isEmptyString() {
        assertEquals("", ProbePacket.decode(ProbePacket.request(1, 1, 1, "").encode()).colour());
    }

    @Test
    void decode_reservedBytes_ignored() {
        byte[] b = ProbePacket.request(1, 2, 3, "lte").encode();
        b[60] = 9;
        assertEquals(ProbePacket.request(1, 2, 3, "lte"), ProbePacket.decode(b));
    }

    @Test
    void decode_eachDefect_namesIt() {
        byte[] good = ProbePacket.request(1, 2, 3, "lte").encode();
        assertMalformed(new byte[10], "length 10, expected 64");
        byte[] longer = new byte[65];
        System.arraycopy(good, 0, longer, 0, 64);
        assertMalformed(longer, "length 65, expected 64");
        assertMalformed(with(good, 0, 0x51), "magic 0x51545250");
        assertMalformed(with(good, 4, 2), "version 2, expected 1");
        assertMalformed(with(good, 5, 3), "type 3");
        assertMalformed(with(good, 41, 0xe9), "colour byte 0xe9 at offset 41 is not printable ASCII");
        assertMalformed(with(good, 41, ' '), "colour byte 0x20");
        byte[] gap = with(good, 45, 'x'); // "lte\0\0x": a byte after the terminator
        assertMalformed(gap, "colour padding is not zero at offset 45");
        byte[] full = good.clone();
        for (int i = 40; i < 56; i++) {
            full[i] = 'a';
        }
        assertMalformed(full, "colour is not zero-terminated within 16 bytes");
    }

    @Test
    void decode_outOfRangeOffsets_malformedNotIndexException() {
        byte[] good = ProbePacket.request(1, 2, 3, "lte").encode();
        assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(good, 1, 64));
        assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(good, -1, 64));
        assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(good, 0, -5));
        assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(good, 70, 0));
        assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(null));
        assertTrue(ProbePacket.tryDecode(good, 3, 64).isEmpty());
    }

    @Test
    void decode_truncatedAtEveryLength_malformed() {
        byte[] good = ProbePacket.request(1, 2, 3, "broadband").encode();
        for (int len = 0; len < ProbePacket.SIZE; len++) {
            int l = len;
            assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(good, 0, l), "length " + len);
        }
    }

    @Test
    void decode_garbage_throwsOnlyMalformedProbeException() {
        System.out.println("ProbePacketTest garbage seed " + SEED);
        Random r = new Random(SEED);
        byte[] good = ProbePacket.request(9, 9, 9, "fiber").encode();
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] b;
            switch (i % 3) {
                case 0 -> {
                    b = new byte[r.nextInt(130)];
                    r.nextBytes(b);
                }
                case 1 -> {
                    // a valid packet with a few random bytes changed: reaches the deeper checks
                    b = good.clone();
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                default -> {
                    // valid header, random body
                    b = new byte[64];
                    r.nextBytes(b);
                    System.arraycopy(good, 0, b, 0, 6);
                }
            }
            int off = r.nextInt(4) == 0 ? r.nextInt(Math.max(1, b.length + 2)) - 1 : 0;
            int len = off == 0 ? b.length : r.nextInt(b.length + 3) - 1;
            try {
                ProbePacket p = ProbePacket.decode(b, off, len);
                valid++;
                byte[] again = p.encode();
                // what decodes re-encodes to the same bytes, reserved bytes aside
                byte[] original = new byte[56];
                System.arraycopy(b, off, original, 0, 56);
                byte[] reencoded = new byte[56];
                System.arraycopy(again, 0, reencoded, 0, 56);
                assertArrayEquals(original, reencoded, "seed " + SEED + ", case " + i);
            } catch (MalformedProbeException expected) {
                // the only acceptable failure
            } catch (RuntimeException e) {
                fail("seed " + SEED + ", case " + i + ": " + HexFormat.of().formatHex(b) + " off " + off + " len " + len
                        + " threw " + e, e);
            }
        }
        assertTrue(valid > 0, "some mutations keep the packet valid");
    }

    @Test
    void request_colourTooLongOrNotAscii_rejected() {
        assertThrows(ProbeException.class, () -> ProbePacket.request(1, 1, 1, "sixteen-chars-xx"));
        assertThrows(ProbeException.class, () -> ProbePacket.request(1, 1, 1, "fibré"));
        assertThrows(ProbeException.class, () -> ProbePacket.request(1, 1, 1, "a b"));
    }

    private static byte[] with(byte[] b, int offset, int value) {
        byte[] c = b.clone();
        c[offset] = (byte) value;
        return c;
    }

    private static void assertMalformed(byte[] b, String expectedPart) {
        MalformedProbeException e = assertThrows(MalformedProbeException.class, () -> ProbePacket.decode(b));
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage() + " should contain " + expectedPart);
        assertTrue(ProbePacket.tryDecode(b, 0, b.length).isEmpty());
    }
}
