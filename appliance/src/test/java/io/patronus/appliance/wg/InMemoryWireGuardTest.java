package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static io.patronus.appliance.wg.UapiCodecTest.PEER1;
import static io.patronus.appliance.wg.UapiCodecTest.PEER1_BASE64;
import static io.patronus.appliance.wg.UapiCodecTest.PEER2;
import static io.patronus.appliance.wg.UapiCodecTest.PEER2_BASE64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory backend follows the same configuration semantics as the kernel and wireguard-go. */
class InMemoryWireGuardTest {
    private final InMemoryWireGuard wg = new InMemoryWireGuard();

    static DeviceConfig peers(boolean replacePeers, PeerConfig... peers) {
        return new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), replacePeers, List.of(peers));
    }

    static PeerConfig upsert(byte[] key, String endpoint, String... allowed) {
        return PeerConfig.upsert(key, Optional.of(new InetSocketAddress(endpoint, 51820)),
                java.util.Arrays.stream(allowed).map(IpPrefix::parse).toList(), OptionalInt.empty());
    }

    static PeerConfig add(byte[] key, String... allowed) {
        return new PeerConfig(key, Optional.empty(), Optional.empty(), OptionalInt.empty(), false,
                java.util.Arrays.stream(allowed).map(IpPrefix::parse).toList(), false, false);
    }

    @Test
    void ensureInterface_isIdempotent_andReadShowsAnEmptyDevice() {
        wg.ensureInterface("wg-a");
        wg.ensureInterface("wg-a");
        assertEquals(List.of("wg-a"), wg.interfaces());
        DeviceState s = wg.read("wg-a").orElseThrow();
        assertTrue(s.publicKey().isEmpty());
        assertTrue(s.peers().isEmpty());
        assertEquals("memory", wg.kind());
    }

    @Test
    void configure_privateKeyAndPort_readBackThePublicKey() {
        wg.ensureInterface("wg-a");
        WgKeyPair k = WgKeyPair.fromPrivateBase64(UapiCodecTest.PRIVATE_BASE64);
        wg.configure("wg-a", new DeviceConfig(Optional.of(k), OptionalInt.of(51820), OptionalInt.of(7), false, List.of()));
        DeviceState s = wg.read("wg-a").orElseThrow();
        assertEquals(Optional.of(UapiCodecTest.PUBLIC_BASE64), s.publicKey());
        assertEquals(51820, s.listenPort());
        assertEquals(7, s.fwmark());
        // absent values are left as they are
        wg.configure("wg-a", peers(false));
        assertEquals(51820, wg.read("wg-a").orElseThrow().listenPort());
    }

    @Test
    void configure_withoutReplacePeers_keepsOtherPeers() {
        wg.ensureInterface("wg-a");
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "100.64.0.2/32")));
        wg.configure("wg-a", peers(false, upsert(PEER2, "192.0.2.3", "100.64.0.3/32")));
        DeviceState s = wg.read("wg-a").orElseThrow();
        assertEquals(2, s.peers().size());
        PeerState p1 = s.peer(PEER1_BASE64).orElseThrow();
        assertEquals(Optional.of(new InetSocketAddress("192.0.2.2", 51820)), p1.endpoint());
        assertTrue(p1.lastHandshake().isEmpty());
        assertEquals(0, p1.rxBytes());
        assertEquals(0, p1.txBytes());
    }

    @Test
    void configure_replacePeers_removesUnlistedPeers() {
        wg.ensureInterface("wg-a");
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "100.64.0.2/32"), upsert(PEER2, "192.0.2.3", "100.64.0.3/32")));
        wg.configure("wg-a", peers(true, upsert(PEER2, "192.0.2.3", "100.64.0.3/32")));
        DeviceState s = wg.read("wg-a").orElseThrow();
        assertEquals(List.of(PEER2_BASE64), s.peers().stream().map(PeerState::publicKey).toList());
    }

    @Test
    void configure_remove_deletesOnlyThatPeer() {
        wg.ensureInterface("wg-a");
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "100.64.0.2/32"), upsert(PEER2, "192.0.2.3", "100.64.0.3/32")));
        wg.configure("wg-a", peers(false, PeerConfig.removal(PEER1)));
        DeviceState s = wg.read("wg-a").orElseThrow();
        assertTrue(s.peer(PEER1_BASE64).isEmpty());
        assertTrue(s.peer(PEER2_BASE64).isPresent());
        // removing an absent peer is not an error, as in wireguard-go
        wg.configure("wg-a", peers(false, PeerConfig.removal(PEER1)));
    }

    @Test
    void configure_allowedIps_addUnlessReplaceAllowedIps() {
        wg.ensureInterface("wg-a");
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "100.64.0.2/32")));
        wg.configure("wg-a", peers(false, add(PEER1, "198.51.100.0/24", "100.64.0.2/32")));
        assertEquals(List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("198.51.100.0/24")),
                wg.read("wg-a").orElseThrow().peer(PEER1_BASE64).orElseThrow().allowedIps());
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "203.0.113.0/24")));
        assertEquals(List.of(IpPrefix.parse("203.0.113.0/24")),
                wg.read("wg-a").orElseThrow().peer(PEER1_BASE64).orElseThrow().allowedIps());
    }

    @Test
    void configure_peerWithoutEndpoint_keepsTheKnownEndpoint() {
        wg.ensureInterface("wg-a");
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2", "100.64.0.2/32")));
        wg.configure("wg-a", peers(false, add(PEER1)));
        assertEquals(Optional.of(new InetSocketAddress("192.0.2.2", 51820)),
                wg.read("wg-a").orElseThrow().peer(PEER1_BASE64).orElseThrow().endpoint());
    }

    @Test
    void configure_updateOnly_neverCreatesAPeer() {
        wg.ensureInterface("wg-a");
        PeerConfig updateOnly = new PeerConfig(PEER1, Optional.empty(), Optional.empty(), OptionalInt.of(25), false,
                List.of(IpPrefix.parse("100.64.0.2/32")), false, true);
        wg.configure("wg-a", peers(false, updateOnly));
        assertTrue(wg.read("wg-a").orElseThrow().peers().isEmpty());
        wg.configure("wg-a", peers(false, upsert(PEER1, "192.0.2.2")));
        wg.configure("wg-a", peers(false, updateOnly));
        PeerState p = wg.read("wg-a").orElseThrow().peer(PEER1_BASE64).orElseThrow();
        assertEquals(25, p.persistentKeepalive());
        assertEquals(List.of(IpPrefix.parse("100.64.0.2/32")), p.allowedIps());
    }

    @Test
    void configure_missingInterface_throwsNamingIt() {
        WireGuardException e = assertThrows(WireGuardException.class, () -> wg.configure("wg-none", peers(false)));
        assertTrue(e.getMessage().contains("wg-none"), e.getMessage());
    }

    @Test
    void deleteInterface_thenReadIsEmpty_andDeleteAgainIsANoOp() {
        wg.ensureInterface("wg-a");
        wg.deleteInterface("wg-a");
        wg.deleteInterface("wg-a");
        assertTrue(wg.read("wg-a").isEmpty());
        assertTrue(wg.interfaces().isEmpty());
    }

    @Test
    void close_forgetsEveryInterface() {
        wg.ensureInterface("wg-a");
        wg.ensureInterface("wg-b");
        wg.close();
        assertTrue(wg.interfaces().isEmpty());
    }
}
