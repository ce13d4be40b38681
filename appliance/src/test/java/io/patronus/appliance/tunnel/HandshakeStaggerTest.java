package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.WgKeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first-handshake stagger as a pure decision over keys, handshake and a fake time: which end initiates, and the
 * keepalive each entry gets while its deferral runs and after.
 */
class HandshakeStaggerTest {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    /** A 32-byte key whose first byte is {@code first} and the rest zero. */
    static byte[] key(int first) {
        byte[] k = new byte[32];
        k[0] = (byte) first;
        return k;
    }

    /** {@code n} real key pairs, sorted by public key as the stagger compares them (smallest first). */
    static List<WgKeyPair> keysInOrder(int n) {
        return java.util.stream.Stream.generate(WgKeyPair::generate).limit(n)
                .sorted((a, b) -> Arrays.compareUnsigned(a.publicKey(), b.publicKey())).toList();
    }

    @ParameterizedTest(name = "[{index}] own key {0} remote, handshake {1}, added {2} ms, now {3} ms -> keepalive {4}, deferral ends {5}")
    @CsvSource(nullValues = "-", textBlock = """
            # own vs remote | handshake | added at (ms after T0; - = found on the device or settled) | now (ms) | keepalive | deferral ends (ms)
            smaller,          false,      0,    0,     25, -
            smaller,          false,      0,    500,   25, -
            smaller,          true,       0,    0,     25, -
            larger,           false,      0,    0,     0,  1000
            larger,           false,      0,    999,   0,  1000
            larger,           false,      0,    1000,  25, -
            larger,           false,      0,    60000, 25, -
            larger,           true,       0,    10,    25, -
            larger,           true,       0,    0,     25, -
            larger,           false,      -,    0,     25, -
            larger,           true,       -,    0,     25, -
            larger,           false,      0,    -5000, 25, -
            """)
    void keepalive_table(String own, boolean handshake, Long addedMs, long nowMs, int seconds, Long endsMs) {
        byte[] ownKey = own.equals("smaller") ? key(0x10) : key(0x90);
        byte[] remote = key(0x50);
        Optional<Instant> added = Optional.ofNullable(addedMs).map(T0::plusMillis);
        HandshakeStagger.Keepalive k = HandshakeStagger.keepalive(ownKey, remote, added, handshake, T0.plusMillis(nowMs));
        assertEquals(seconds, k.seconds());
        assertEquals(Optional.ofNullable(endsMs).map(T0::plusMillis), k.deferralEnds());
        assertEquals(endsMs != null, k.deferring());
    }

    @Test
    void initiates_comparesTheKeyBytesUnsigned() {
        // A signed comparison would take 0x80 (-128) for the smaller byte.
        assertTrue(HandshakeStagger.initiates(key(0x7f), key(0x80)));
        assertFalse(HandshakeStagger.initiates(key(0x80), key(0x7f)));
        byte[] a = key(0x10);
        byte[] b = key(0x10);
        a[31] = 1;
        b[31] = (byte) 0xff;
        assertTrue(HandshakeStagger.initiates(a, b), "the last byte decides when the others are equal");
    }

    @Test
    void initiates_exactlyOneEndOfEveryPair() {
        for (int i = 0; i < 200; i++) {
            byte[] a = WgKeyPair.generate().publicKey();
            byte[] b = WgKeyPair.generate().publicKey();
            assertNotEquals(HandshakeStagger.initiates(a, b), HandshakeStagger.initiates(b, a),
                    "pair " + i + ": both ends compare the same two keys and must reach opposite roles");
        }
    }

    @Test
    void equalKeys_deferAtBothEnds_andOnlyForTheDeferral() {
        byte[] k = key(0x42);
        assertFalse(HandshakeStagger.initiates(k, k));
        assertTrue(HandshakeStagger.keepalive(k, k, Optional.of(T0), false, T0).deferring());
        assertEquals(25, HandshakeStagger.keepalive(k, k, Optional.of(T0), false, T0.plus(HandshakeStagger.DEFERRAL)).seconds());
    }

    @Test
    void rotation_theNewKeyDecides_andBothEndsStillAgree() {
        // Site A rotates a1 -> a2; B holds an entry for a1 (current) and one for a2 (next). Every order of the three keys.
        List<WgKeyPair> keys = keysInOrder(3);
        for (List<Integer> order : List.of(List.of(0, 1, 2), List.of(0, 2, 1), List.of(1, 0, 2), List.of(1, 2, 0),
                List.of(2, 0, 1), List.of(2, 1, 0))) {
            byte[] a1 = keys.get(order.get(0)).publicKey();
            byte[] a2 = keys.get(order.get(1)).publicKey();
            byte[] b = keys.get(order.get(2)).publicKey();
            // Before the switch A handshakes with a1: B's current entry against A's entry for B, both on (a1, b).
            assertNotEquals(HandshakeStagger.initiates(b, a1), HandshakeStagger.initiates(a1, b), order.toString());
            // After the switch A's key in use is a2, and B's next entry is the one that handshakes with it.
            assertNotEquals(HandshakeStagger.initiates(b, a2), HandshakeStagger.initiates(a2, b), order.toString());
        }
    }
}
