package io.patronus.appliance.netlink;

import io.patronus.appliance.netlink.wireguard.WgNetlink;
import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WG_CMD_SET_DEVICE building and WG_CMD_GET_DEVICE parsing, without a kernel (this machine has no WireGuard). */
class WgNetlinkTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int FAMILY = 0x1b;

    private static byte[] key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    @Test
    void setDevice_onePeer_exactBytes() {
        PeerConfig peer = PeerConfig.upsert(key(0x11), Optional.of(new InetSocketAddress(InetAddress.ofLiteral("192.0.2.1"), 51820)),
                List.of(IpPrefix.parse("100.64.0.0/10")), OptionalInt.of(25));
        DeviceConfig c = new DeviceConfig(Optional.empty(), OptionalInt.of(51820), OptionalInt.of(0x100), true, List.of(peer));
        List<byte[]> msgs = WgNetlink.setDevice(FAMILY, "wg0", c);
        assertEquals(1, msgs.size());
        String expected = "a4000000" + "1b00" + "0500" + "00000000" + "00000000" // nlmsghdr: len 164, family, REQUEST|ACK
                + "01010000"                                   // genlmsghdr: WG_CMD_SET_DEVICE, version 1
                + "08000200" + "77673000"                      // WGDEVICE_A_IFNAME "wg0\0"
                + "06000600" + "6cca0000"                      // LISTEN_PORT 51820 (u16 host order)
                + "08000700" + "00010000"                      // FWMARK 0x100
                + "08000500" + "01000000"                      // FLAGS REPLACE_PEERS
                + "70000880"                                   // PEERS, nested, 112 bytes
                + "6c000080"                                   // peer element 0, nested, 108 bytes
                + "24000100" + "11".repeat(32)                 // PUBLIC_KEY
                + "08000300" + "02000000"                      // FLAGS REPLACE_ALLOWEDIPS
                + "14000400" + "0200ca6c" + "c0000201" + "0000000000000000" // ENDPOINT sockaddr_in, port big-endian
                + "06000500" + "19000000"                      // PERSISTENT_KEEPALIVE_INTERVAL 25
                + "20000980"                                   // ALLOWEDIPS, nested
                + "1c000080"                                   // element 0, nested
                + "06000100" + "02000000"                      // FAMILY AF_INET
                + "08000200" + "64400000"                      // IPADDR 100.64.0.0
                + "05000300" + "0a000000";                     // CIDR_MASK 10
        assertEquals(expected, HEX.formatHex(msgs.getFirst()));
    }

    @Test
    void sockaddr_ipv6_is28BytesWithBigEndianPort() {
        byte[] s = WgNetlink.sockaddr(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 443));
        assertEquals("0a0001bb" + "00000000" + "20010db8000000000000000000000001" + "00000000", HEX.formatHex(s));
        assertEquals(Optional.of(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 443)), WgNetlink.endpoint(s));
        assertTrue(WgNetlink.endpoint(new byte[12]).isEmpty(), "other lengths are ignored as the kernel does");
    }

    private static List<Nla> body(byte[] msg) {
        return NlaCodec.decode(Arrays.copyOfRange(msg, 20, msg.length));
    }

    private static Optional<Nla> find(List<Nla> attrs, int type) {
        return attrs.stream().filter(a -> a.type() == type).findFirst();
    }

    private static List<Nla> peersOf(byte[] msg) {
        return find(body(msg), WgNetlink.DEVICE_PEERS).map(n -> ((Nla.Nest) n).children()).orElse(List.of());
    }

    @Test
    void setDevice_70Peers_splitsAt32AndReplacePeersOnlyFirst() {
        List<PeerConfig> peers = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            peers.add(PeerConfig.upsert(key(i), Optional.empty(), List.of(IpPrefix.parse("100.64." + i + ".0/24")), OptionalInt.empty()));
        }
        DeviceConfig c = new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), true, peers);
        List<byte[]> msgs = WgNetlink.setDevice(FAMILY, "wg0", c);
        assertEquals(3, msgs.size());
        assertEquals(List.of(32, 32, 6), msgs.stream().map(m -> peersOf(m).size()).toList());
        assertTrue(find(body(msgs.get(0)), WgNetlink.DEVICE_FLAGS).isPresent());
        assertFalse(find(body(msgs.get(1)), WgNetlink.DEVICE_FLAGS).isPresent());
        assertFalse(find(body(msgs.get(2)), WgNetlink.DEVICE_FLAGS).isPresent());
        for (byte[] m : msgs) {
            assertEquals(new Nla.Leaf(WgNetlink.DEVICE_IFNAME, "wg0\0".getBytes()), body(m).getFirst(), "every message names the device");
            assertEquals(m.length, (m[0] & 0xff) | (m[1] & 0xff) << 8, "nlmsg_len matches");
        }
    }

    @Test
    void setDevice_600AllowedIps_splitsPeerAndReplaceAllowedIpsOnlyInFirstChunk() {
        List<IpPrefix> ips = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            ips.add(IpPrefix.parse("100." + (64 + i / 256) + "." + (i % 256) + ".0/24"));
        }
        PeerConfig p = PeerConfig.upsert(key(7), Optional.empty(), ips, OptionalInt.empty());
        List<byte[]> msgs = WgNetlink.setDevice(FAMILY, "wg0", new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                false, List.of(p)));
        assertEquals(3, msgs.size());
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            List<Nla> peer = ((Nla.Nest) peersOf(msgs.get(i)).getFirst()).children();
            assertEquals(new Nla.Leaf(WgNetlink.PEER_PUBLIC_KEY, key(7)), peer.getFirst());
            assertEquals(i == 0, find(peer, WgNetlink.PEER_FLAGS).isPresent(), "flags only in chunk 0, chunk " + i);
            counts.add(((Nla.Nest) find(peer, WgNetlink.PEER_ALLOWEDIPS).orElseThrow()).children().size());
        }
        assertEquals(List.of(256, 256, 88), counts);
    }

    @Test
    void setDevice_removal_carriesOnlyKeyAndRemoveFlag() {
        List<byte[]> msgs = WgNetlink.setDevice(FAMILY, "wg0", new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(),
                false, List.of(PeerConfig.removal(key(9)))));
        List<Nla> peer = ((Nla.Nest) peersOf(msgs.getFirst()).getFirst()).children();
        assertEquals(List.of(new Nla.Leaf(WgNetlink.PEER_PUBLIC_KEY, key(9)),
                new Nla.Leaf(WgNetlink.PEER_FLAGS, new byte[] {1, 0, 0, 0})), peer);
    }

    /** A GET_DEVICE reply as the kernel builds it, with a pad attribute before each u64. */
    private static NlMessage reply(boolean first, int peerKey, List<String> allowed, boolean counters) {
        NlMessageWriter w = NlMessageWriter.message(FAMILY, Netlink.NLM_F_MULTI).u8(WgNetlink.CMD_GET_DEVICE).u8(1).u16(0);
        if (first) {
            w.attrU32(WgNetlink.DEVICE_IFINDEX, 5).attrString(WgNetlink.DEVICE_IFNAME, "wg0").attr(WgNetlink.DEVICE_PUBLIC_KEY, key(0xAA))
                    .attrU16(WgNetlink.DEVICE_LISTEN_PORT, 51820).attrU32(WgNetlink.DEVICE_FWMARK, 0x100);
        }
        int peers = w.beginNest(WgNetlink.DEVICE_PEERS);
        int p = w.beginNest(0);
        w.attr(WgNetlink.PEER_PUBLIC_KEY, key(peerKey));
        if (counters) {
            w.attr(WgNetlink.PEER_ENDPOINT, WgNetlink.sockaddr(new InetSocketAddress(InetAddress.ofLiteral("192.0.2.7"), 4500)));
            w.attrU16(WgNetlink.PEER_PERSISTENT_KEEPALIVE_INTERVAL, 25);
            w.attr(WgNetlink.PEER_LAST_HANDSHAKE_TIME, NlMessageWriter.attributes().u64(1_700_000_000L).u64(5).toBytes());
            w.attr(0, new byte[0]).attrU64(WgNetlink.PEER_RX_BYTES, 1234);
            w.attr(0, new byte[0]).attrU64(WgNetlink.PEER_TX_BYTES, 5678);
        }
        int ips = w.beginNest(WgNetlink.PEER_ALLOWEDIPS);
        for (String a : allowed) {
            IpPrefix prefix = IpPrefix.parse(a);
            int e = w.beginNest(0);
            w.attrU16(WgNetlink.ALLOWEDIP_FAMILY, prefix.isIpv4() ? 2 : 10).attr(WgNetlink.ALLOWEDIP_IPADDR, prefix.address())
                    .attrU8(WgNetlink.ALLOWEDIP_CIDR_MASK, prefix.length());
            w.endNest(e);
        }
        w.endNest(ips);
        w.endNest(p);
        w.endNest(peers);
        byte[] b = w.toBytes();
        return NlMessage.parseAll(b, b.length).getFirst();
    }

    @Test
    void decodeDevice_peerRepeatedAcrossMessages_mergedByPublicKey() {
        List<NlMessage> dump = List.of(
                reply(true, 0x11, List.of("100.64.1.0/24", "100.64.2.0/24"), true),
                reply(false, 0x11, List.of("2001:db8::/32"), false),
                reply(false, 0x22, List.of(), false));
        DeviceState d = WgNetlink.decodeDevice("wg0", dump);
        assertEquals(Optional.of(Base64.getEncoder().encodeToString(key(0xAA))), d.publicKey());
        assertEquals(51820, d.listenPort());
        assertEquals(0x100, d.fwmark());
        assertEquals(2, d.peers().size());
        PeerState p = d.peer(Base64.getEncoder().encodeToString(key(0x11))).orElseThrow();
        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24"), IpPrefix.parse("100.64.2.0/24"), IpPrefix.parse("2001:db8::/32")),
                p.allowedIps());
        assertEquals(Optional.of(Instant.ofEpochSecond(1_700_000_000L, 5)), p.lastHandshake());
        assertEquals(1234, p.rxBytes());
        assertEquals(5678, p.txBytes());
        assertEquals(25, p.persistentKeepalive());
        assertEquals(Optional.of(new InetSocketAddress(InetAddress.ofLiteral("192.0.2.7"), 4500)), p.endpoint());
        PeerState q = d.peer(Base64.getEncoder().encodeToString(key(0x22))).orElseThrow();
        assertTrue(q.lastHandshake().isEmpty());
        assertTrue(q.endpoint().isEmpty());
    }

    @Test
    void getDevice_isDumpRequestNamingTheDevice() {
        assertEquals("1c000000" + "1b00" + "0103" + "00000000" + "00000000" + "00010000" + "08000200" + "77673000",
                HEX.formatHex(WgNetlink.getDevice(FAMILY, "wg0")));
    }
}
