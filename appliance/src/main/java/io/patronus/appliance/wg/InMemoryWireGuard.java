package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * WireGuard devices modelled in memory with the kernel's configuration semantics (update, remove, replace-peers,
 * replace-allowed-ips, update-only), for unit tests and the unprivileged demo. Nothing is sent: handshakes happen
 * only when a test says so ({@link #handshake}) and counters stay at zero.
 */
public final class InMemoryWireGuard implements WireGuardBackend {
    private final Map<String, Device> devices = new TreeMap<>();

    private static final class Device {
        Optional<String> publicKey = Optional.empty();
        int listenPort;
        int fwmark;
        final Map<String, Peer> peers = new LinkedHashMap<>();
    }

    private static final class Peer {
        Optional<InetSocketAddress> endpoint = Optional.empty();
        final LinkedHashSet<IpPrefix> allowed = new LinkedHashSet<>();
        int keepalive;
        Optional<java.time.Instant> lastHandshake = Optional.empty();
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public synchronized void ensureInterface(String name) {
        devices.computeIfAbsent(name, n -> new Device());
    }

    @Override
    public synchronized void deleteInterface(String name) {
        devices.remove(name);
    }

    @Override
    public synchronized List<String> interfaces() {
        return List.copyOf(devices.keySet());
    }

    @Override
    public synchronized void configure(String name, DeviceConfig config) {
        Device d = devices.get(name);
        if (d == null) {
            throw new WireGuardException("configure " + name + ": no such interface");
        }
        config.privateKey().ifPresent(k -> d.publicKey = Optional.of(k.publicBase64()));
        config.listenPort().ifPresent(p -> d.listenPort = p);
        config.fwmark().ifPresent(m -> d.fwmark = m);
        if (config.replacePeers()) {
            d.peers.clear();
        }
        for (PeerConfig pc : config.peers()) {
            String key = pc.publicBase64();
            if (pc.remove()) {
                d.peers.remove(key);
                continue;
            }
            Peer p = d.peers.get(key);
            if (p == null) {
                if (pc.updateOnly()) {
                    continue;
                }
                p = new Peer();
                d.peers.put(key, p);
            }
            if (pc.endpoint().isPresent()) {
                p.endpoint = pc.endpoint();
            }
            if (pc.persistentKeepalive().isPresent()) {
                p.keepalive = pc.persistentKeepalive().getAsInt();
            }
            if (pc.replaceAllowedIps()) {
                p.allowed.clear();
            }
            // As in WireGuard, an allowed IP belongs to one peer: giving it to this one takes it from any other.
            for (Peer other : d.peers.values()) {
                if (other != p) {
                    other.allowed.removeAll(pc.allowedIps());
                }
            }
            p.allowed.addAll(pc.allowedIps());
        }
    }

    @Override
    public synchronized Optional<DeviceState> read(String name) {
        Device d = devices.get(name);
        if (d == null) {
            return Optional.empty();
        }
        List<PeerState> peers = new ArrayList<>();
        d.peers.forEach((k, p) -> peers.add(new PeerState(k, p.endpoint, List.copyOf(p.allowed), p.lastHandshake, 0, 0, p.keepalive)));
        return Optional.of(new DeviceState(name, d.publicKey, d.listenPort, d.fwmark, peers));
    }

    /** Records a completed handshake with a peer, as the test's stand-in for a remote WireGuard. */
    public synchronized void handshake(String name, String publicBase64, java.time.Instant at) {
        Device d = devices.get(name);
        Peer p = d == null ? null : d.peers.get(publicBase64);
        if (p == null) {
            throw new WireGuardException("handshake on " + name + ": no peer " + publicBase64);
        }
        p.lastHandshake = Optional.of(at);
    }

    @Override
    public synchronized void close() {
        devices.clear();
    }
}
