package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;
import io.patronus.model.ValidationException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The text of WireGuard's cross-platform UAPI ({@code set=1} / {@code get=1} over the unix socket of wireguard-go):
 * pure functions from a {@link DeviceConfig} to the request and from a {@code get} answer to a {@link DeviceState}.
 * Keys travel as 64-character lowercase hex, not base64.
 */
public final class UapiCodec {
    private static final HexFormat HEX = HexFormat.of();

    private UapiCodec() {
    }

    /** The full {@code set=1} request, ending with the blank line that submits it. */
    public static String set(DeviceConfig c) {
        StringBuilder sb = new StringBuilder("set=1\n");
        c.privateKey().ifPresent(k -> sb.append("private_key=").append(HEX.formatHex(k.privateKey())).append('\n'));
        c.listenPort().ifPresent(p -> sb.append("listen_port=").append(p).append('\n'));
        c.fwmark().ifPresent(m -> sb.append("fwmark=").append(m).append('\n'));
        if (c.replacePeers()) {
            sb.append("replace_peers=true\n");
        }
        for (PeerConfig p : c.peers()) {
            sb.append("public_key=").append(HEX.formatHex(p.publicKey())).append('\n');
            if (p.remove()) {
                sb.append("remove=true\n");
                continue;
            }
            if (p.updateOnly()) {
                sb.append("update_only=true\n");
            }
            p.presharedKey().ifPresent(k -> sb.append("preshared_key=").append(HEX.formatHex(k)).append('\n'));
            p.endpoint().ifPresent(e -> sb.append("endpoint=").append(endpoint(e)).append('\n'));
            p.persistentKeepalive().ifPresent(k -> sb.append("persistent_keepalive_interval=").append(k).append('\n'));
            if (p.replaceAllowedIps()) {
                sb.append("replace_allowed_ips=true\n");
            }
            for (IpPrefix a : p.allowedIps()) {
                sb.append("allowed_ip=").append(a).append('\n');
            }
            sb.append("protocol_version=1\n");
        }
        return sb.append('\n').toString();
    }

    static String endpoint(InetSocketAddress e) {
        String host = e.getAddress().getHostAddress();
        return (e.getAddress() instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + e.getPort();
    }

    /** The errno of an answer ({@code errno=N}); any non-zero value (wireguard-go may write negative ones) is failure. */
    public static int errno(String answer) {
        for (String line : answer.split("\n")) {
            if (line.startsWith("errno=")) {
                try {
                    return Integer.parseInt(line.substring(6).trim());
                } catch (NumberFormatException e) {
                    throw new WireGuardException("malformed UAPI answer line '" + line + "'");
                }
            }
        }
        throw new WireGuardException("UAPI answer without errno: '" + answer.strip() + "'");
    }

    /** Parses a {@code get=1} answer. */
    public static DeviceState parseGet(String name, String answer) {
        Optional<String> publicKey = Optional.empty();
        int listenPort = 0;
        int fwmark = 0;
        List<PeerState> peers = new ArrayList<>();
        PeerBuilder peer = null;
        for (String line : answer.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new WireGuardException("malformed UAPI line from " + name + ": '" + line + "'");
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1);
            try {
                switch (k) {
                    case "private_key" -> publicKey = Optional.of(WgKeyPair.fromPrivateBase64(
                            Base64.getEncoder().encodeToString(HEX.parseHex(v))).publicBase64());
                    case "listen_port" -> listenPort = Integer.parseInt(v);
                    case "fwmark" -> fwmark = Integer.parseInt(v);
                    case "public_key" -> {
                        if (peer != null) {
                            peers.add(peer.build());
                        }
                        peer = new PeerBuilder(Base64.getEncoder().encodeToString(HEX.parseHex(v)));
                    }
                    case "endpoint" -> peer(peer, line).endpoint = parseEndpoint(v);
                    case "allowed_ip" -> peer(peer, line).allowed.add(IpPrefix.parse(v));
                    case "last_handshake_time_sec" -> peer(peer, line).handshakeSec = Long.parseLong(v);
                    case "last_handshake_time_nsec" -> peer(peer, line).handshakeNsec = Long.parseLong(v);
                    case "rx_bytes" -> peer(peer, line).rx = Long.parseLong(v);
                    case "tx_bytes" -> peer(peer, line).tx = Long.parseLong(v);
                    case "persistent_keepalive_interval" -> peer(peer, line).keepalive = Integer.parseInt(v);
                    case "errno" -> {
                        if (!v.equals("0")) {
                            throw new WireGuardException("get " + name + " failed with errno " + v);
                        }
                    }
                    default -> {
                        // protocol_version, preshared_key and fields added by newer versions: not needed here
                    }
                }
            } catch (NumberFormatException | ValidationException | UnknownHostException e) {
                throw new WireGuardException("malformed UAPI line from " + name + ": '" + (k.contains("key") ? k + "=(hidden)" : line)
                        + "': " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new WireGuardException("malformed UAPI line from " + name + ": " + k + ": " + e.getMessage(), e);
            }
        }
        if (peer != null) {
            peers.add(peer.build());
        }
        return new DeviceState(name, publicKey, listenPort, fwmark, peers);
    }

    private static PeerBuilder peer(PeerBuilder p, String line) {
        if (p == null) {
            throw new WireGuardException("UAPI peer attribute before any public_key: '" + line + "'");
        }
        return p;
    }

    private static Optional<InetSocketAddress> parseEndpoint(String v) throws UnknownHostException {
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new NumberFormatException("endpoint without port: " + v);
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // Literal addresses only: wireguard-go prints resolved endpoints, so this never queries DNS.
        return Optional.of(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(v.substring(colon + 1))));
    }

    private static final class PeerBuilder {
        final String publicKey;
        Optional<InetSocketAddress> endpoint = Optional.empty();
        final List<IpPrefix> allowed = new ArrayList<>();
        long handshakeSec;
        long handshakeNsec;
        long rx;
        long tx;
        int keepalive;

        PeerBuilder(String publicKey) {
            this.publicKey = publicKey;
        }

        PeerState build() {
            Optional<Instant> hs = handshakeSec == 0 && handshakeNsec == 0 ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(handshakeSec, handshakeNsec));
            return new PeerState(publicKey, endpoint, allowed, hs, rx, tx, keepalive);
        }
    }
}
