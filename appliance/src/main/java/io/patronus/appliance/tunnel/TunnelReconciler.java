package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.appliance.wg.WireGuardBackend;
import io.patronus.model.IpPrefix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Makes the WireGuard devices and the host's routing match a {@link TunnelPlan}, changing only what differs:
 * peers are added, updated or removed one by one and never replaced wholesale, so adding or removing one site leaves
 * every other tunnel's session, handshake and counters alone. Declarative like a router's {@code set(config)}:
 * calling it again with the same plan performs no operation. It also repairs drift (an interface deleted by hand,
 * a route removed) the next time it runs.
 *
 * <p>Thread-safety: {@link #reconcile()} is synchronized; call it from any thread.
 */
public final class TunnelReconciler {
    private static final System.Logger LOG = System.getLogger(TunnelReconciler.class.getName());
    private static final int KEEPALIVE_SECONDS = 25;
    private final WireGuardBackend wg;
    private final HostNetwork net;
    private final WgKeyPair key;
    private final Supplier<TunnelPlan> planner;
    /** What we last asked each peer to be, so that an endpoint learned by roaming is not fought. */
    private final Map<String, Map<String, TunnelPlan.PeerPlan>> applied = new HashMap<>();

    public TunnelReconciler(WireGuardBackend wg, HostNetwork net, WgKeyPair key, Supplier<TunnelPlan> planner) {
        this.wg = wg;
        this.net = net;
        this.key = key;
        this.planner = planner;
    }

    /** What one reconcile changed. */
    public record Report(int interfacesCreated, int interfacesDeleted, int peersAdded, int peersUpdated, int peersRemoved,
                         int routesChanged, int rulesChanged) {
        public int changes() {
            return interfacesCreated + interfacesDeleted + peersAdded + peersUpdated + peersRemoved + routesChanged + rulesChanged;
        }
    }

    public synchronized Report reconcile() {
        TunnelPlan plan = planner.get();
        int created = 0;
        int deleted = 0;
        int added = 0;
        int updated = 0;
        int removed = 0;
        Set<String> wanted = new HashSet<>();
        for (TunnelPlan.InterfacePlan ip : plan.interfaces()) {
            wanted.add(ip.name());
            Optional<DeviceState> current = wg.read(ip.name());
            if (current.isEmpty()) {
                wg.ensureInterface(ip.name());
                applied.remove(ip.name());
                created++;
                current = wg.read(ip.name());
            }
            DeviceState state = current.orElseThrow(() -> new IllegalStateException("interface " + ip.name() + " vanished"));
            Map<String, TunnelPlan.PeerPlan> before = applied.getOrDefault(ip.name(), Map.of());
            List<PeerConfig> changes = new ArrayList<>();
            for (PeerState p : state.peers()) {
                if (!ip.peers().containsKey(p.publicKey())) {
                    changes.add(PeerConfig.removal(java.util.Base64.getDecoder().decode(p.publicKey())));
                    removed++;
                }
            }
            for (TunnelPlan.PeerPlan want : ip.peers().values()) {
                Optional<PeerState> have = state.peer(want.publicKey());
                if (have.isEmpty()) {
                    changes.add(PeerConfig.upsert(want.publicKeyBytes(), want.endpoint(), want.allowedIps(), OptionalInt.of(KEEPALIVE_SECONDS)));
                    added++;
                } else if (differs(want, have.get(), before.get(want.publicKey()))) {
                    changes.add(PeerConfig.upsert(want.publicKeyBytes(), want.endpoint(), want.allowedIps(), OptionalInt.of(KEEPALIVE_SECONDS)));
                    updated++;
                }
            }
            boolean keyDiffers = state.publicKey().map(k -> !k.equals(key.publicBase64())).orElse(true);
            boolean portDiffers = state.listenPort() != ip.listenPort();
            if (keyDiffers || portDiffers || !changes.isEmpty()) {
                wg.configure(ip.name(), new DeviceConfig(keyDiffers ? Optional.of(key) : Optional.empty(),
                        portDiffers ? OptionalInt.of(ip.listenPort()) : OptionalInt.empty(), OptionalInt.empty(), false, changes));
            }
            applied.put(ip.name(), Map.copyOf(ip.peers()));
            net.linkUp(ip.name(), TunnelPlan.MTU);
        }
        for (String existing : wg.interfaces()) {
            if (existing.startsWith(TunnelPlan.PREFIX) && !wanted.contains(existing)) {
                wg.deleteInterface(existing);
                applied.remove(existing);
                deleted++;
            }
        }
        int routes = reconcileRoutes(plan);
        int rules = reconcileRules(plan);
        Report r = new Report(created, deleted, added, updated, removed, routes, rules);
        if (r.changes() > 0) {
            LOG.log(System.Logger.Level.INFO, "tunnels reconciled: " + r);
        }
        return r;
    }

    /**
     * A live peer is updated only when its allowed IPs differ, or its configured endpoint changed since we last set
     * it (an endpoint the peer roamed to is kept).
     */
    private static boolean differs(TunnelPlan.PeerPlan want, PeerState have, TunnelPlan.PeerPlan lastApplied) {
        if (!Set.copyOf(want.allowedIps()).equals(Set.copyOf(have.allowedIps()))) {
            return true;
        }
        if (want.endpoint().isEmpty()) {
            return false;
        }
        if (lastApplied == null) {
            return have.endpoint().isEmpty() || !have.endpoint().get().equals(want.endpoint().get());
        }
        return !want.endpoint().equals(lastApplied.endpoint());
    }

    private int reconcileRoutes(TunnelPlan plan) {
        int changes = 0;
        for (Map.Entry<Integer, Map<IpPrefix, String>> t : plan.routes().entrySet()) {
            Map<IpPrefix, String> have = new HashMap<>();
            for (HostNetwork.Route r : net.routes(t.getKey())) {
                have.put(r.destination(), r.ifname());
            }
            for (Map.Entry<IpPrefix, String> want : t.getValue().entrySet()) {
                if (!want.getValue().equals(have.get(want.getKey()))) {
                    net.replaceRoute(t.getKey(), want.getKey(), want.getValue());
                    changes++;
                }
            }
            for (IpPrefix extra : have.keySet()) {
                if (!t.getValue().containsKey(extra)) {
                    net.deleteRoute(t.getKey(), extra);
                    changes++;
                }
            }
        }
        return changes;
    }

    private int reconcileRules(TunnelPlan plan) {
        int changes = 0;
        List<HostNetwork.Rule> have = net.rules(TunnelPlan.RULE_PRIORITY_BASE, TunnelPlan.RULE_PRIORITY_MAX);
        for (HostNetwork.Rule r : have) {
            if (!plan.rules().contains(r)) {
                net.deleteRule(r);
                changes++;
            }
        }
        for (HostNetwork.Rule r : plan.rules()) {
            if (!have.contains(r)) {
                net.addRule(r);
                changes++;
            }
        }
        return changes;
    }
}
