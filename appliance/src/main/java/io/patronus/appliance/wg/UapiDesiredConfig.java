package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything applied to one wireguard-go device so far, folded with the UAPI's own semantics (update, remove,
 * replace-peers, replace-allowed-ips, update-only), so that a restarted wireguard-go, which starts empty, can be
 * given its whole configuration back in one {@code set} with {@code replace_peers=true}. Not thread-safe: the owner
 * serialises access.
 */
final class UapiDesiredConfig {
    private Optional<WgKeyPair> privateKey = Optional.empty();
    private OptionalInt listenPort = OptionalInt.empty();
    private OptionalInt fwmark = OptionalInt.empty();
    private final Map<ByteBuffer, Peer> peers = new LinkedHashMap<>();

    private static final class Peer {
        final byte[] publicKey;
        Optional<byte[]> presharedKey = Optional.empty();
        Optional<InetSocketAddress> endpoint = Optional.empty();
        OptionalInt keepalive = OptionalInt.empty();
        final LinkedHashSet<IpPrefix> allowed = new LinkedHashSet<>();

        Peer(byte[] publicKey) {
            this.publicKey = publicKey;
        }
    }

    /** Folds in a configuration that wireguard-go accepted. */
    void apply(DeviceConfig c) {
        if (c.privateKey().isPresent()) {
            privateKey = c.privateKey();
        }
        if (c.listenPort().isPresent()) {
            listenPort = c.listenPort();
        }
        if (c.fwmark().isPresent()) {
            fwmark = c.fwmark();
        }
        if (c.replacePeers()) {
            peers.clear();
        }
        for (PeerConfig pc : c.peers()) {
            ByteBuffer key = ByteBuffer.wrap(pc.publicKey());
            if (pc.remove()) {
                peers.remove(key);
                continue;
            }
            Peer p = peers.get(key);
            if (p == null) {
                if (pc.updateOnly()) {
                    continue;
                }
                p = new Peer(pc.publicKey());
                peers.put(key, p);
            }
            if (pc.presharedKey().isPresent()) {
                p.presharedKey = pc.presharedKey();
            }
            if (pc.endpoint().isPresent()) {
                p.endpoint = pc.endpoint();
            }
            if (pc.persistentKeepalive().isPresent()) {
                p.keepalive = pc.persistentKeepalive();
            }
            if (pc.replaceAllowedIps()) {
                p.allowed.clear();
            }
            p.allowed.addAll(pc.allowedIps());
        }
    }

    /** The whole configuration as one replacing {@code set}, for a device that has just been (re)created. */
    DeviceConfig full() {
        List<PeerConfig> list = new ArrayList<>();
        for (Peer p : peers.values()) {
            list.add(new PeerConfig(p.publicKey, p.presharedKey, p.endpoint, p.keepalive, true, List.copyOf(p.allowed),
                    false, false));
        }
        return new DeviceConfig(privateKey, listenPort, fwmark, true, list);
    }

    boolean isEmpty() {
        return privateKey.isEmpty() && listenPort.isEmpty() && fwmark.isEmpty() && peers.isEmpty();
    }
}
