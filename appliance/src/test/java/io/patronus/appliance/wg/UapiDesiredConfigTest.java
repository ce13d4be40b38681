package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static io.patronus.appliance.wg.UapiCodecTest.PEER1;
import static io.patronus.appliance.wg.UapiCodecTest.PEER1_HEX;
import static io.patronus.appliance.wg.UapiCodecTest.PEER2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a restarted wireguard-go is given back: every accepted change folded with the UAPI's semantics. */
class UapiDesiredConfigTest {
    static DeviceConfig peers(boolean replace, PeerConfig... p) {
        return new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), replace, List.of(p));
    }

    @Test
    void full_afterUpdatesRemovalsAndAllowedIpAdditions_isOneReplacingSet() {
        UapiDesiredConfig d = new UapiDesiredConfig();
        assertTrue(d.isEmpty());
        WgKeyPair k = WgKeyPair.fromPrivateBase64(UapiCodecTest.PRIVATE_BASE64);
        d.apply(new DeviceConfig(Optional.of(k), OptionalInt.of(51820), OptionalInt.empty(), false,
                List.of(PeerConfig.upsert(PEER1, Optional.of(new InetSocketAddress("192.0.2.2", 51820)),
                        List.of(IpPrefix.parse("100.64.0.2/32")), OptionalInt.of(25)))));
        d.apply(peers(false, PeerConfig.upsert(PEER2, Optional.empty(), List.of(), OptionalInt.empty())));
        d.apply(peers(false, new PeerConfig(PEER1, Optional.empty(), Optional.empty(), OptionalInt.empty(), false,
                List.of(IpPrefix.parse("198.51.100.0/24")), false, false)));
        d.apply(peers(false, PeerConfig.removal(PEER2)));
        d.apply(new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.of(9), false, List.of()));

        assertEquals("""
                set=1
                private_key=%s
                listen_port=51820
                fwmark=9
                replace_peers=true
                public_key=%s
                endpoint=192.0.2.2:51820
                persistent_keepalive_interval=25
                replace_allowed_ips=true
                allowed_ip=100.64.0.2/32
                allowed_ip=198.51.100.0/24
                protocol_version=1

                """.formatted(UapiCodecTest.PRIVATE_HEX, PEER1_HEX), UapiCodec.set(d.full()));
    }

    @Test
    void apply_replacePeersAndUpdateOnly_followTheUapi() {
        UapiDesiredConfig d = new UapiDesiredConfig();
        d.apply(peers(false, PeerConfig.upsert(PEER1, Optional.empty(), List.of(), OptionalInt.empty())));
        d.apply(peers(true, PeerConfig.upsert(PEER2, Optional.empty(), List.of(), OptionalInt.empty())));
        d.apply(peers(false, new PeerConfig(PEER1, Optional.empty(), Optional.empty(), OptionalInt.of(5), false, List.of(),
                false, true)));
        List<PeerConfig> full = d.full().peers();
        assertEquals(1, full.size());
        assertEquals(PeerConfig.upsert(PEER2, Optional.empty(), List.of(), OptionalInt.empty()).publicBase64(), full.get(0).publicBase64());
    }
}
