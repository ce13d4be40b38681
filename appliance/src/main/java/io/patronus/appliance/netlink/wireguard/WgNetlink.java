package io.patronus.appliance.netlink.wireguard;

import io.patronus.appliance.netlink.Attributes;
import io.patronus.appliance.netlink.Netlink;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.NlMessageWriter;
import io.patronus.appliance.netlink.genl.GenericNetlink;
import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.model.IpPrefix;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The WireGuard generic netlink protocol ({@code linux/wireguard.h}) as pure functions: a {@link DeviceConfig}
 * becomes the list of WG_CMD_SET_DEVICE messages to send in order, and the messages of a WG_CMD_GET_DEVICE dump
 * become a {@link DeviceState}.
 *
 * <p>Splitting: a message carries at most {@link #MAX_PEERS_PER_MESSAGE} peers and
 * {@link #MAX_ALLOWED_IPS_PER_MESSAGE} allowed IPs, as the {@code wg} tool does, so that no message approaches the
 * kernel's limits. Device attributes, and with them WGDEVICE_F_REPLACE_PEERS, go only in the first message (a later
 * REPLACE_PEERS would drop the peers configured by the earlier ones). A peer whose allowed IPs spill over into the
 * next message is repeated there with only its public key and the remaining allowed IPs: its flags, and so
 * WGPEER_F_REPLACE_ALLOWEDIPS, only in its first chunk. Every nest, array elements included, carries NLA_F_NESTED,
 * which WireGuard's strict {@code nla_parse_nested} requires. Thread-safe (stateless).
 */
public final class WgNetlink {
    public static final String FAMILY = "wireguard";
    public static final int GENL_VERSION = 1;
    public static final int CMD_GET_DEVICE = 0;
    public static final int CMD_SET_DEVICE = 1;

    public static final int DEVICE_IFINDEX = 1;
    public static final int DEVICE_IFNAME = 2;
    public static final int DEVICE_PRIVATE_KEY = 3;
    public static final int DEVICE_PUBLIC_KEY = 4;
    public static final int DEVICE_FLAGS = 5;
    public static final int DEVICE_LISTEN_PORT = 6;
    public static final int DEVICE_FWMARK = 7;
    public static final int DEVICE_PEERS = 8;
    public static final int DEVICE_F_REPLACE_PEERS = 1;

    public static final int PEER_PUBLIC_KEY = 1;
    public static final int PEER_PRESHARED_KEY = 2;
    public static final int PEER_FLAGS = 3;
    public static final int PEER_ENDPOINT = 4;
    public static final int PEER_PERSISTENT_KEEPALIVE_INTERVAL = 5;
    public static final int PEER_LAST_HANDSHAKE_TIME = 6;
    public static final int PEER_RX_BYTES = 7;
    public static final int PEER_TX_BYTES = 8;
    public static final int PEER_ALLOWEDIPS = 9;
    public static final int PEER_PROTOCOL_VERSION = 10;
    public static final int PEER_F_REMOVE_ME = 1;
    public static final int PEER_F_REPLACE_ALLOWEDIPS = 2;
    public static final int PEER_F_UPDATE_ONLY = 4;

    public static final int ALLOWEDIP_FAMILY = 1;
    public static final int ALLOWEDIP_IPADDR = 2;
    public static final int ALLOWEDIP_CIDR_MASK = 3;

    public static final int MAX_PEERS_PER_MESSAGE = 32;
    public static final int MAX_ALLOWED_IPS_PER_MESSAGE = 256;

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private WgNetlink() {
    }

    /** WG_CMD_GET_DEVICE for interface {@code name} (a dump request). */
    public static byte[] getDevice(int familyId, String name) {
        return GenericNetlink.message(familyId, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP, CMD_GET_DEVICE, GENL_VERSION)
                .attrString(DEVICE_IFNAME, name).toBytes();
    }

    /** The WG_CMD_SET_DEVICE messages (REQUEST|ACK, sequence 0) that apply {@code config} to {@code name}, in order. */
    public static List<byte[]> setDevice(int familyId, String name, DeviceConfig config) {
        return setDevice(familyId, name, config, MAX_PEERS_PER_MESSAGE, MAX_ALLOWED_IPS_PER_MESSAGE);
    }

    /** As {@link #setDevice(int, String, DeviceConfig)} with explicit split limits (for tests). */
    public static List<byte[]> setDevice(int familyId, String name, DeviceConfig config, int maxPeers, int maxAllowedIps) {
        if (maxPeers < 1 || maxAllowedIps < 1) {
            throw new IllegalArgumentException("split limits must be at least 1, were " + maxPeers + " peers and " + maxAllowedIps + " IPs");
        }
        SetBuilder b = new SetBuilder(familyId, name, maxPeers, maxAllowedIps);
        b.start(true, config);
        for (PeerConfig p : config.peers()) {
            b.peer(p);
        }
        return b.finish();
    }

    /** Accumulates SET_DEVICE messages; one instance per {@link #setDevice} call. */
    private static final class SetBuilder {
        private final int familyId;
        private final String name;
        private final int maxPeers;
        private final int maxIps;
        private final List<byte[]> out = new ArrayList<>();
        private NlMessageWriter w;
        private int peersNest = -1;
        private int peers;
        private int ips;

        SetBuilder(int familyId, String name, int maxPeers, int maxIps) {
            this.familyId = familyId;
            this.name = name;
            this.maxPeers = maxPeers;
            this.maxIps = maxIps;
        }

        void start(boolean first, DeviceConfig c) {
            w = GenericNetlink.message(familyId, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, CMD_SET_DEVICE, GENL_VERSION);
            w.attrString(DEVICE_IFNAME, name);
            if (first) {
                c.privateKey().ifPresent(k -> w.attr(DEVICE_PRIVATE_KEY, k.privateKey()));
                c.listenPort().ifPresent(p -> w.attrU16(DEVICE_LISTEN_PORT, p));
                c.fwmark().ifPresent(m -> w.attrU32(DEVICE_FWMARK, m));
                if (c.replacePeers()) {
                    w.attrU32(DEVICE_FLAGS, DEVICE_F_REPLACE_PEERS);
                }
            }
            peersNest = -1;
            peers = 0;
            ips = 0;
        }

        private void next() {
            flush();
            start(false, null);
        }

        private void flush() {
            if (peersNest >= 0) {
                w.endNest(peersNest);
            }
            out.add(w.toBytes());
        }

        private int openPeer(PeerConfig p) {
            if (peersNest < 0) {
                peersNest = w.beginNest(DEVICE_PEERS);
            }
            peers++;
            int nest = w.beginNest(0);
            w.attr(PEER_PUBLIC_KEY, p.publicKey());
            return nest;
        }

        void peer(PeerConfig p) {
            if (peers >= maxPeers || ips >= maxIps) {
                next();
            }
            int peerNest = openPeer(p);
            int flags = (p.remove() ? PEER_F_REMOVE_ME : 0) | (p.replaceAllowedIps() ? PEER_F_REPLACE_ALLOWEDIPS : 0)
                    | (p.updateOnly() ? PEER_F_UPDATE_ONLY : 0);
            if (flags != 0) {
                w.attrU32(PEER_FLAGS, flags);
            }
            p.presharedKey().ifPresent(k -> w.attr(PEER_PRESHARED_KEY, k));
            p.endpoint().ifPresent(e -> w.attr(PEER_ENDPOINT, sockaddr(e)));
            p.persistentKeepalive().ifPresent(k -> w.attrU16(PEER_PERSISTENT_KEEPALIVE_INTERVAL, k));
            int ipsNest = -1;
            for (IpPrefix prefix : p.allowedIps()) {
                if (ips >= maxIps) {
                    w.endNest(ipsNest);
                    w.endNest(peerNest);
                    next();
                    peerNest = openPeer(p);
                    ipsNest = -1;
                }
                if (ipsNest < 0) {
                    ipsNest = w.beginNest(PEER_ALLOWEDIPS);
                }
                int e = w.beginNest(0);
                w.attrU16(ALLOWEDIP_FAMILY, prefix.isIpv4() ? AF_INET : AF_INET6);
                w.attr(ALLOWEDIP_IPADDR, prefix.address());
                w.attrU8(ALLOWEDIP_CIDR_MASK, prefix.length());
                w.endNest(e);
                ips++;
            }
            if (ipsNest >= 0) {
                w.endNest(ipsNest);
            }
            w.endNest(peerNest);
        }

        List<byte[]> finish() {
            flush();
            return List.copyOf(out);
        }
    }

    /** {@code struct sockaddr_in} (16 B) or {@code sockaddr_in6} (28 B): family in host order, port big-endian. */
    public static byte[] sockaddr(InetSocketAddress endpoint) {
        if (endpoint.isUnresolved()) {
            throw new IllegalArgumentException("endpoint " + endpoint + " is unresolved; WireGuard needs an IP address");
        }
        InetAddress a = endpoint.getAddress();
        int port = endpoint.getPort();
        if (a instanceof Inet4Address) {
            byte[] s = new byte[16];
            s[0] = (byte) AF_INET;
            s[2] = (byte) (port >>> 8);
            s[3] = (byte) port;
            System.arraycopy(a.getAddress(), 0, s, 4, 4);
            return s;
        }
        byte[] s = new byte[28];
        s[0] = (byte) AF_INET6;
        s[2] = (byte) (port >>> 8);
        s[3] = (byte) port;
        System.arraycopy(a.getAddress(), 0, s, 8, 16);
        int scope = a instanceof Inet6Address v6 ? v6.getScopeId() : 0;
        s[24] = (byte) scope;
        s[25] = (byte) (scope >>> 8);
        s[26] = (byte) (scope >>> 16);
        s[27] = (byte) (scope >>> 24);
        return s;
    }

    /** The endpoint in a sockaddr_in / sockaddr_in6; empty for any other length or family (as the kernel ignores them). */
    public static Optional<InetSocketAddress> endpoint(byte[] s) {
        try {
            int family = (s[0] & 0xff) | (s[1] & 0xff) << 8;
            int port = (s[2] & 0xff) << 8 | (s[3] & 0xff);
            if (s.length == 16 && family == AF_INET) {
                return Optional.of(new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(s, 4, 8)), port));
            }
            if (s.length == 28 && family == AF_INET6) {
                int scope = (s[24] & 0xff) | (s[25] & 0xff) << 8 | (s[26] & 0xff) << 16 | (s[27] & 0xff) << 24;
                byte[] addr = Arrays.copyOfRange(s, 8, 24);
                // Scope 0 means "none": an explicit zero scope would print as "fd00::1%0" (found by hil-tests).
                return Optional.of(new InetSocketAddress(scope == 0 ? java.net.InetAddress.getByAddress(addr)
                        : Inet6Address.getByAddress(null, addr, scope), port));
            }
            return Optional.empty();
        } catch (UnknownHostException | ArrayIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /** Collects one peer across the messages of a dump. */
    private static final class PeerAcc {
        final String key;
        Optional<InetSocketAddress> endpoint = Optional.empty();
        final List<IpPrefix> allowed = new ArrayList<>();
        Optional<Instant> handshake = Optional.empty();
        long rx;
        long tx;
        int keepalive;

        PeerAcc(String key) {
            this.key = key;
        }
    }

    /**
     * The device described by the messages of a WG_CMD_GET_DEVICE dump. The kernel splits large devices across
     * messages and may repeat a peer (with more allowed IPs) at the start of the next one: peers are merged by
     * public key, in first-seen order. Pad attributes (type 0, used to align u64s) are skipped.
     */
    public static DeviceState decodeDevice(String name, List<NlMessage> messages) {
        Optional<String> publicKey = Optional.empty();
        int listenPort = 0;
        int fwmark = 0;
        Map<String, PeerAcc> peers = new LinkedHashMap<>();
        for (NlMessage m : messages) {
            Attributes a = m.attributes(GenericNetlink.GENL_HDRLEN);
            Optional<Attributes.Entry> pk = a.get(DEVICE_PUBLIC_KEY);
            if (pk.isPresent() && pk.get().length() == 32) {
                publicKey = Optional.of(Base64.getEncoder().encodeToString(pk.get().bytes()));
            }
            listenPort = a.get(DEVICE_LISTEN_PORT).map(Attributes.Entry::u16).orElse(listenPort);
            fwmark = a.get(DEVICE_FWMARK).map(Attributes.Entry::u32).orElse(fwmark);
            for (Attributes.Entry peersAttr : a.getAll(DEVICE_PEERS)) {
                for (Attributes.Entry pe : peersAttr.nested().all()) {
                    decodePeer(pe.nested(), peers);
                }
            }
        }
        List<PeerState> out = new ArrayList<>();
        for (PeerAcc p : peers.values()) {
            out.add(new PeerState(p.key, p.endpoint, p.allowed, p.handshake, p.rx, p.tx, p.keepalive));
        }
        return new DeviceState(name, publicKey, listenPort, fwmark, out);
    }

    private static void decodePeer(Attributes a, Map<String, PeerAcc> peers) {
        byte[] key = a.get(PEER_PUBLIC_KEY).orElseThrow(() -> NetlinkException.malformed("WireGuard peer without WGPEER_A_PUBLIC_KEY"))
                .bytes();
        PeerAcc p = peers.computeIfAbsent(Base64.getEncoder().encodeToString(key), PeerAcc::new);
        a.get(PEER_ENDPOINT).ifPresent(e -> p.endpoint = endpoint(e.bytes()).or(() -> p.endpoint));
        a.get(PEER_PERSISTENT_KEEPALIVE_INTERVAL).ifPresent(e -> p.keepalive = e.u16());
        a.get(PEER_RX_BYTES).ifPresent(e -> p.rx = e.u64());
        a.get(PEER_TX_BYTES).ifPresent(e -> p.tx = e.u64());
        a.get(PEER_LAST_HANDSHAKE_TIME).filter(e -> e.length() >= 16).ifPresent(e -> {
            byte[] b = e.bytes();
            long sec = le64(b, 0);
            long nsec = le64(b, 8);
            p.handshake = sec == 0 && nsec == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(sec, nsec));
        });
        for (Attributes.Entry ips : a.getAll(PEER_ALLOWEDIPS)) {
            for (Attributes.Entry ip : ips.nested().all()) {
                Attributes ia = ip.nested();
                Optional<Attributes.Entry> addr = ia.get(ALLOWEDIP_IPADDR);
                Optional<Attributes.Entry> mask = ia.get(ALLOWEDIP_CIDR_MASK);
                if (addr.isPresent() && mask.isPresent() && (addr.get().length() == 4 || addr.get().length() == 16)) {
                    p.allowed.add(new IpPrefix(addr.get().bytes(), mask.get().u8()));
                }
            }
        }
    }

    private static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }
}
