package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UAPI text both ways, against fixtures in wireguard-go's format (keys checked against {@code wg pubkey}). */
class UapiCodecTest {
    /** {@code wg genkey} output and its {@code wg pubkey}, with the private key in UAPI hex. */
    static final String PRIVATE_BASE64 = "WLOZB+Mpxc11puTdhhULpRascidW9B4BnLLwZjwdlmQ=";
    static final String PRIVATE_HEX = "58b39907e329c5cd75a6e4dd86150ba516ac722756f41e019cb2f0663c1d9664";
    static final String PUBLIC_BASE64 = "Bo6oG8K8Ir3cs7m+N7Ar+Hs8PzVmhJhx6uzjvokqWnc=";
    static final byte[] PEER1 = filled(0x11);
    static final String PEER1_HEX = "11".repeat(32);
    static final String PEER1_BASE64 = "ERERERERERERERERERERERERERERERERERERERERERE=";
    static final byte[] PEER2 = filled(0x22);
    static final String PEER2_HEX = "22".repeat(32);
    static final String PEER2_BASE64 = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=";

    static byte[] filled(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    static DeviceConfig devicePlus(List<PeerConfig> peers) {
        return new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false, peers);
    }

    @Test
    void set_fullDevice_writesHexKeysDeviceLinesFirstAndNoReplacePeers() {
        DeviceConfig c = new DeviceConfig(Optional.of(WgKeyPair.fromPrivateBase64(PRIVATE_BASE64)), OptionalInt.of(51820),
                OptionalInt.of(0x1234), false,
                List.of(PeerConfig.upsert(PEER1, Optional.of(new InetSocketAddress("192.0.2.2", 51821)),
                        List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("198.51.100.0/24")), OptionalInt.of(25))));
        assertEquals("""
                set=1
                private_key=%s
                listen_port=51820
                fwmark=4660
                public_key=%s
                endpoint=192.0.2.2:51821
                persistent_keepalive_interval=25
                replace_allowed_ips=true
                allowed_ip=100.64.0.2/32
                allowed_ip=198.51.100.0/24
                protocol_version=1

                """.formatted(PRIVATE_HEX, PEER1_HEX), UapiCodec.set(c));
    }

    @Test
    void set_onlyChanges_leavesDeviceAndOtherPeersAlone() {
        String text = UapiCodec.set(devicePlus(List.of(new PeerConfig(PEER2, Optional.empty(), Optional.empty(),
                OptionalInt.empty(), false, List.of(IpPrefix.parse("100.64.0.8/30")), false, false))));
        assertEquals("set=1\npublic_key=" + PEER2_HEX + "\nallowed_ip=100.64.0.8/30\nprotocol_version=1\n\n", text);
        assertFalse(text.contains("replace_peers"), text);
        assertFalse(text.contains("replace_allowed_ips"), text);
        assertFalse(text.contains("private_key"), text);
    }

    @Test
    void set_replacePeers_onlyWhenAsked_andBeforeThePeers() {
        DeviceConfig c = new DeviceConfig(Optional.empty(), OptionalInt.of(0), OptionalInt.empty(), true,
                List.of(PeerConfig.upsert(PEER1, Optional.empty(), List.of(), OptionalInt.empty())));
        assertEquals("set=1\nlisten_port=0\nreplace_peers=true\npublic_key=" + PEER1_HEX
                + "\nreplace_allowed_ips=true\nprotocol_version=1\n\n", UapiCodec.set(c));
    }

    @Test
    void set_removal_writesOnlyPublicKeyAndRemove() {
        assertEquals("set=1\npublic_key=" + PEER1_HEX + "\nremove=true\n\n",
                UapiCodec.set(devicePlus(List.of(PeerConfig.removal(PEER1)))));
    }

    @Test
    void set_updateOnlyWithPresharedKeyAndIpv6Endpoint() {
        PeerConfig p = new PeerConfig(PEER1, Optional.of(filled(0xab)),
                Optional.of(new InetSocketAddress("2001:db8::1", 51820)), OptionalInt.of(0), false, List.of(IpPrefix.parse("2001:db8:1::/48")),
                false, true);
        assertEquals("set=1\npublic_key=" + PEER1_HEX + "\nupdate_only=true\npreshared_key=" + "ab".repeat(32)
                + "\nendpoint=[2001:db8:0:0:0:0:0:1]:51820\npersistent_keepalive_interval=0\nallowed_ip=2001:db8:1:0:0:0:0:0/48\nprotocol_version=1\n\n",
                UapiCodec.set(devicePlus(List.of(p))));
    }

    @Test
    void set_endsWithTheBlankLineThatSubmitsIt() {
        String text = UapiCodec.set(devicePlus(List.of()));
        assertEquals("set=1\n\n", text);
    }

    /** A {@code get=1} answer as wireguard-go 0.0.2023 writes it. */
    static final String GET_FIXTURE = """
            private_key=%s
            listen_port=51820
            fwmark=4660
            public_key=%s
            preshared_key=0000000000000000000000000000000000000000000000000000000000000000
            protocol_version=1
            endpoint=192.0.2.2:51820
            last_handshake_time_sec=1700000000
            last_handshake_time_nsec=123456789
            tx_bytes=1234
            rx_bytes=5678
            persistent_keepalive_interval=25
            allowed_ip=100.64.0.2/32
            allowed_ip=198.51.100.0/24
            public_key=%s
            preshared_key=0000000000000000000000000000000000000000000000000000000000000000
            protocol_version=1
            endpoint=[2001:db8::2]:51820
            last_handshake_time_sec=0
            last_handshake_time_nsec=0
            tx_bytes=0
            rx_bytes=0
            persistent_keepalive_interval=0
            allowed_ip=2001:db8:2::/48
            errno=0

            """.formatted(PRIVATE_HEX, PEER1_HEX, PEER2_HEX);

    @Test
    void parseGet_fixture_derivesDevicePublicKeyAndReadsEveryPeer() {
        DeviceState s = UapiCodec.parseGet("wg-fiber", GET_FIXTURE);
        assertEquals("wg-fiber", s.name());
        assertEquals(Optional.of(PUBLIC_BASE64), s.publicKey());
        assertEquals(51820, s.listenPort());
        assertEquals(4660, s.fwmark());
        assertEquals(2, s.peers().size());

        PeerState p1 = s.peer(PEER1_BASE64).orElseThrow();
        assertEquals(Optional.of(new InetSocketAddress("192.0.2.2", 51820)), p1.endpoint());
        assertEquals(Optional.of(Instant.ofEpochSecond(1700000000L, 123456789L)), p1.lastHandshake());
        assertEquals(1234, p1.txBytes());
        assertEquals(5678, p1.rxBytes());
        assertEquals(25, p1.persistentKeepalive());
        assertEquals(List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("198.51.100.0/24")), p1.allowedIps());

        PeerState p2 = s.peer(PEER2_BASE64).orElseThrow();
        assertEquals(Optional.of(new InetSocketAddress("2001:db8::2", 51820)), p2.endpoint());
        assertTrue(p2.lastHandshake().isEmpty(), "0/0 means never");
        assertEquals(0, p2.rxBytes());
        assertEquals(List.of(IpPrefix.parse("2001:db8:2::/48")), p2.allowedIps());
    }

    @Test
    void parseGet_deviceWithoutKeyOrPeers_isEmpty() {
        DeviceState s = UapiCodec.parseGet("wg0", "listen_port=0\nerrno=0\n\n");
        assertTrue(s.publicKey().isEmpty());
        assertTrue(s.peers().isEmpty());
        assertEquals(0, s.listenPort());
    }

    @Test
    void parseGet_peerWithoutEndpoint_hasNoEndpoint() {
        DeviceState s = UapiCodec.parseGet("wg0", "public_key=" + PEER1_HEX + "\nprotocol_version=1\nerrno=0\n\n");
        assertTrue(s.peer(PEER1_BASE64).orElseThrow().endpoint().isEmpty());
    }

    @Test
    void parseGet_nonZeroErrno_throwsNamingTheInterface() {
        WireGuardException e = assertThrows(WireGuardException.class, () -> UapiCodec.parseGet("wg-x", "errno=-22\n\n"));
        assertTrue(e.getMessage().contains("wg-x") && e.getMessage().contains("-22"), e.getMessage());
    }

    @Test
    void parseGet_peerAttributeBeforeAnyPublicKey_isRejected() {
        assertThrows(WireGuardException.class, () -> UapiCodec.parseGet("wg0", "rx_bytes=5\nerrno=0\n\n"));
    }

    @Test
    void parseGet_malformedKey_doesNotEchoTheSecret() {
        String secret = "zz" + PRIVATE_HEX.substring(2);
        WireGuardException e = assertThrows(WireGuardException.class,
                () -> UapiCodec.parseGet("wg0", "private_key=" + secret + "\nerrno=0\n\n"));
        assertFalse(e.getMessage().contains(secret.substring(4, 40)), e.getMessage());
    }

    @Test
    void parseGet_lineWithoutEquals_isRejected() {
        assertThrows(WireGuardException.class, () -> UapiCodec.parseGet("wg0", "garbage\nerrno=0\n\n"));
    }

    @Test
    void errno_zeroPositiveNegativeAndMissing() {
        assertEquals(0, UapiCodec.errno("errno=0\n\n"));
        assertEquals(22, UapiCodec.errno("errno=22\n\n"));
        assertEquals(-5, UapiCodec.errno("errno=-5\n\n"));
        assertThrows(WireGuardException.class, () -> UapiCodec.errno("\n"));
        assertThrows(WireGuardException.class, () -> UapiCodec.errno("errno=x\n\n"));
    }

    @Test
    void roundTrip_setThenParseOfTheSameValues() {
        // The set text of a peer, replayed as a get answer, yields the peer back (the shared key vocabulary agrees).
        PeerConfig p = PeerConfig.upsert(PEER1, Optional.of(new InetSocketAddress("192.0.2.9", 4000)),
                List.of(IpPrefix.parse("100.64.0.4/30")), OptionalInt.of(15));
        String set = UapiCodec.set(devicePlus(List.of(p)));
        String asGet = set.replace("set=1\n", "").replace("replace_allowed_ips=true\n", "").strip() + "\nerrno=0\n\n";
        PeerState s = UapiCodec.parseGet("wg0", asGet).peer(PEER1_BASE64).orElseThrow();
        assertEquals(p.endpoint(), s.endpoint());
        assertEquals(p.allowedIps(), s.allowedIps());
        assertEquals(15, s.persistentKeepalive());
    }
}
