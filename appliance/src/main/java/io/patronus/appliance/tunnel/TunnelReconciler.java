package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.appliance.wg.WireGuardBackend;
import io.patronus.model.IpPrefix;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * <p>Key rotation of a remote site: its {@link TunnelPlan.Role#NEXT next} key's entry is added without allowed IPs.
 * Once that entry has completed a handshake (the site switched its private key: nothing else can complete one), the
 * site's allowed IPs move to it in one configuration: the next entry gets them first, then the current entry is left
 * with none, so no packet finds the site without a peer. From then on the move is read back from the device (the next
 * entry holds the IPs), so a restart keeps it. {@link #handoverDue()} lets the owner look for such handshakes often
 * (a fraction of a second) while a handover is pending, without reconciling everything each time. Rotation of this
 * site's own key: {@link #applyKey} sets the new private key on every interface, changing nothing else.
 *
 * <p>First handshakes are staggered ({@link HandshakeStagger}): an entry this reconciler adds gets its persistent
 * keepalive at once only if this site's key is the smaller of the two; otherwise it is added without one, and gets it
 * once the entry has a handshake or its deferral is over. The desired keepalive therefore depends on the time; a
 * reconcile computes it (so a reconcile during a deferral changes nothing, and one after it sets the keepalive), and
 * between reconciles {@link #settleFirstHandshakes()}, which the owner calls every few tens of milliseconds, sets it
 * with a targeted update of that one peer. Every entry it added stays "awaiting its first handshake" until it has one,
 * for at most {@link HandshakeStagger#PROBE_HOLD}: {@link #firstHandshakePending} tells the prober not to probe those
 * paths meanwhile.
 *
 * <p>Thread-safety: call any method from any thread. They are synchronized, except {@link #firstHandshakePending},
 * which reads a published snapshot so that the prober never waits for a running reconcile.
 */
public final class TunnelReconciler {
    private static final System.Logger LOG = System.getLogger(TunnelReconciler.class.getName());
    private final WireGuardBackend wg;
    private final HostNetwork net;
    private final Supplier<WgKeyPair> key;
    private final Supplier<TunnelPlan> planner;
    private final Clock clock;
    /** What we last asked each peer to be, so that an endpoint learned by roaming is not fought. */
    private final Map<String, Map<String, TunnelPlan.PeerPlan>> applied = new HashMap<>();
    /** Interface to the next keys whose entries wait for their first handshake. */
    private Map<String, Set<String>> awaitingHandover = Map.of();
    /**
     * Interface to the entries this reconciler added that await their first handshake; an entry leaves at its first
     * handshake or {@link HandshakeStagger#PROBE_HOLD} after it was added.
     */
    private final Map<String, Map<String, Awaiting>> awaitingFirst = new java.util.TreeMap<>();
    /** When {@link #settleFirstHandshakes()} last read each interface that has awaiting entries. */
    private final Map<String, Instant> lastHandshakeRead = new HashMap<>();
    /**
     * The same for the entries that carry their site's prefixes, by interface and site id: what
     * {@link #firstHandshakePending} reads without taking the lock.
     */
    private volatile Map<String, Map<String, Instant>> awaitingSites = Map.of();

    /**
     * An entry awaiting its first handshake: since when it can be reached, and whether it is on the device without its
     * keepalive (this end defers).
     */
    private record Awaiting(Instant addedAt, boolean withoutKeepalive) {
    }

    /** How often an interface with entries awaiting their first handshake is read for handshakes. */
    static final Duration HANDSHAKE_POLL = Duration.ofMillis(250);

    public TunnelReconciler(WireGuardBackend wg, HostNetwork net, WgKeyPair key, Supplier<TunnelPlan> planner) {
        this(wg, net, () -> key, planner);
    }

    /** @param key the site's key pair in use, read at each reconcile (it changes when the site rotates its key) */
    public TunnelReconciler(WireGuardBackend wg, HostNetwork net, Supplier<WgKeyPair> key, Supplier<TunnelPlan> planner) {
        this(wg, net, key, planner, Clock.systemUTC());
    }

    /** @param clock times the first-handshake deferral and probe hold ({@link HandshakeStagger}) */
    public TunnelReconciler(WireGuardBackend wg, HostNetwork net, Supplier<WgKeyPair> key, Supplier<TunnelPlan> planner,
                            Clock clock) {
        this.wg = wg;
        this.net = net;
        this.key = key;
        this.planner = planner;
        this.clock = clock;
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
        WgKeyPair ownKey = key.get();
        byte[] ownPublic = ownKey.publicKey();
        Map<String, Set<String>> awaiting = new HashMap<>();
        int created = 0;
        int deleted = 0;
        int added = 0;
        int updated = 0;
        int removed = 0;
        Set<String> wanted = new HashSet<>();
        // Before any device starts: a wireguard-go binds a random port at once, which must not be another's.
        net.reservePorts(plan.interfaces().stream().map(TunnelPlan.InterfacePlan::listenPort)
                .collect(java.util.stream.Collectors.toSet()));
        for (TunnelPlan.InterfacePlan ip : plan.interfaces()) {
            wanted.add(ip.name());
            Optional<DeviceState> current = wg.read(ip.name());
            if (current.isEmpty()) {
                wg.ensureInterface(ip.name());
                applied.remove(ip.name());
                awaitingFirst.remove(ip.name());
                created++;
                current = wg.read(ip.name());
            }
            DeviceState state = current.orElseThrow(() -> new IllegalStateException("interface " + ip.name() + " vanished"));
            Map<String, TunnelPlan.PeerPlan> before = applied.getOrDefault(ip.name(), Map.of());
            Map<String, TunnelPlan.PeerPlan> effective = effective(ip, state);
            effective.values().stream().filter(p -> p.role() == TunnelPlan.Role.NEXT && p.allowedIps().isEmpty())
                    .forEach(p -> awaiting.computeIfAbsent(ip.name(), n -> new HashSet<>()).add(p.publicKey()));
            List<PeerConfig> removals = new ArrayList<>();
            List<PeerConfig> gaining = new ArrayList<>();
            List<PeerConfig> losing = new ArrayList<>();
            for (PeerState p : state.peers()) {
                if (!effective.containsKey(p.publicKey())) {
                    removals.add(PeerConfig.removal(java.util.Base64.getDecoder().decode(p.publicKey())));
                    removed++;
                }
            }
            Instant now = clock.instant();
            Map<String, Awaiting> wasAwaiting = awaitingFirst.getOrDefault(ip.name(), Map.of());
            Map<String, Awaiting> stillAwaiting = new HashMap<>();
            Map<String, Boolean> newEntries = new HashMap<>();
            for (TunnelPlan.PeerPlan want : effective.values()) {
                Optional<PeerState> have = state.peer(want.publicKey());
                boolean handshake = have.flatMap(PeerState::lastHandshake).isPresent();
                Optional<Instant> addedAt = have.isEmpty() ? Optional.of(now)
                        : Optional.ofNullable(wasAwaiting.get(want.publicKey())).map(Awaiting::addedAt);
                HandshakeStagger.Keepalive keepalive = HandshakeStagger.keepalive(ownPublic, want.publicKeyBytes(), addedAt,
                        handshake, now);
                if (have.isEmpty()) {
                    newEntries.put(want.publicKey(), keepalive.deferring());
                } else if (!handshake && addedAt.isPresent() && HandshakeStagger.holding(addedAt.get(), now)) {
                    stillAwaiting.put(want.publicKey(), new Awaiting(addedAt.get(), keepalive.deferring()));
                }
                PeerConfig upsert = PeerConfig.upsert(want.publicKeyBytes(), want.endpoint(), want.allowedIps(),
                        OptionalInt.of(keepalive.seconds()));
                if (have.isEmpty()) {
                    (want.allowedIps().isEmpty() ? losing : gaining).add(upsert);
                    added++;
                } else if (differs(want, have.get(), before.get(want.publicKey()), keepalive.seconds())) {
                    (want.allowedIps().isEmpty() ? losing : gaining).add(upsert);
                    updated++;
                }
            }
            // A handover in one configuration: the entry taking a site's prefixes before the one giving them up.
            List<PeerConfig> changes = new ArrayList<>(removals);
            changes.addAll(gaining);
            changes.addAll(losing);
            boolean keyDiffers = state.publicKey().map(k -> !k.equals(ownKey.publicBase64())).orElse(true);
            boolean portDiffers = state.listenPort() != ip.listenPort();
            if (keyDiffers || portDiffers || !changes.isEmpty()) {
                wg.configure(ip.name(), new DeviceConfig(keyDiffers ? Optional.of(ownKey) : Optional.empty(),
                        portDiffers ? OptionalInt.of(ip.listenPort()) : OptionalInt.empty(), OptionalInt.empty(), false, changes));
            }
            applied.put(ip.name(), Map.copyOf(effective));
            net.linkUp(ip.name(), TunnelPlan.MTU);
            // The deferral counts from when the peer can be reached: configured and its interface up (on a first
            // reconcile of many peers, configuring them can take a good part of the deferral).
            Instant reachable = clock.instant();
            newEntries.forEach((k, deferring) -> stillAwaiting.put(k, new Awaiting(reachable, deferring)));
            if (!newEntries.isEmpty()) {
                lastHandshakeRead.remove(ip.name()); // look for the new entries' handshakes at the next settle
            }
            if (stillAwaiting.isEmpty()) {
                awaitingFirst.remove(ip.name());
            } else {
                awaitingFirst.put(ip.name(), stillAwaiting);
            }
        }
        for (String existing : wg.interfaces()) {
            if (existing.startsWith(TunnelPlan.PREFIX) && !wanted.contains(existing)) {
                wg.deleteInterface(existing);
                applied.remove(existing);
                deleted++;
            }
        }
        awaitingFirst.keySet().retainAll(wanted);
        lastHandshakeRead.keySet().retainAll(awaitingFirst.keySet());
        publishAwaitingSites();
        awaitingHandover = Map.copyOf(awaiting);
        List<RuntimeException> failed = new ArrayList<>();
        int routes = reconcileRoutes(plan, failed);
        int rules = reconcileRules(plan, failed);
        Report r = new Report(created, deleted, added, updated, removed, routes, rules);
        if (!failed.isEmpty()) {
            throw ReconcileException.of(failed, r);
        }
        if (r.changes() > 0) {
            LOG.log(System.Logger.Level.INFO, "tunnels reconciled: " + r);
        }
        return r;
    }

    /**
     * The interface's peers with the allowed IPs each carries now: a rotating site's prefixes are on its next key's
     * entry once that entry has completed a handshake (or already holds them), else on its current key's entry;
     * retiring entries carry none.
     */
    private static Map<String, TunnelPlan.PeerPlan> effective(TunnelPlan.InterfacePlan ip, DeviceState state) {
        Set<String> handedOver = new HashSet<>();
        for (TunnelPlan.PeerPlan p : ip.peers().values()) {
            if (p.role() == TunnelPlan.Role.NEXT && state.peer(p.publicKey())
                    .filter(h -> h.lastHandshake().isPresent() || !h.allowedIps().isEmpty()).isPresent()) {
                handedOver.add(p.siteId());
            }
        }
        Map<String, TunnelPlan.PeerPlan> out = new java.util.LinkedHashMap<>();
        for (TunnelPlan.PeerPlan p : ip.peers().values()) {
            boolean carries = switch (p.role()) {
                case CURRENT -> !handedOver.contains(p.siteId());
                case NEXT -> handedOver.contains(p.siteId());
                case RETIRING -> false;
            };
            out.put(p.publicKey(), carries ? p : p.withAllowedIps(List.of()));
        }
        return out;
    }

    /**
     * Gives the entries awaiting their first handshake what they can have now, without a whole reconcile: one that has
     * completed a handshake or whose deferral is over gets its keepalive, in a targeted update of that peer alone
     * (update-only: a peer removed meanwhile is not brought back); one with a handshake, or past the probe hold, stops
     * holding back its paths' probes. The owner calls it every few tens of milliseconds; an interface with awaiting
     * entries is read when one's deferral has just ended, when one's hold is over, and else every
     * {@link #HANDSHAKE_POLL} (first at the call after the reconcile that added them); nothing is read while no entry
     * awaits its first handshake.
     *
     * @return how many peers got a new keepalive
     */
    public synchronized int settleFirstHandshakes() {
        if (awaitingFirst.isEmpty()) {
            return 0;
        }
        byte[] ownPublic = key.get().publicKey();
        int set = 0;
        for (var it = awaitingFirst.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Map<String, Awaiting>> e = it.next();
            Instant now = clock.instant();
            Instant lastRead = lastHandshakeRead.get(e.getKey());
            boolean pollDue = lastRead == null || now.isBefore(lastRead) || !now.isBefore(lastRead.plus(HANDSHAKE_POLL));
            boolean timeUp = e.getValue().values().stream().anyMatch(a -> !HandshakeStagger.holding(a.addedAt(), now)
                    || (a.withoutKeepalive() && !HandshakeStagger.deferring(a.addedAt(), now)));
            if (!pollDue && !timeUp) {
                continue;
            }
            Optional<DeviceState> device = wg.read(e.getKey());
            lastHandshakeRead.put(e.getKey(), now);
            List<PeerConfig> updates = new ArrayList<>();
            Map<String, Awaiting> still = new HashMap<>();
            for (Map.Entry<String, Awaiting> entry : e.getValue().entrySet()) {
                Optional<PeerState> have = device.flatMap(d -> d.peer(entry.getKey()));
                if (have.isEmpty()) {
                    continue; // gone from the device: the next reconcile adds it afresh
                }
                Instant addedAt = entry.getValue().addedAt();
                boolean handshake = have.get().lastHandshake().isPresent();
                byte[] peerKey = java.util.Base64.getDecoder().decode(entry.getKey());
                int keepalive = HandshakeStagger.keepalive(ownPublic, peerKey, Optional.of(addedAt), handshake, now).seconds();
                if (keepalive != have.get().persistentKeepalive()) {
                    updates.add(PeerConfig.keepalive(peerKey, keepalive));
                }
                if (!handshake && HandshakeStagger.holding(addedAt, now)) {
                    still.put(entry.getKey(), new Awaiting(addedAt, keepalive == 0));
                }
            }
            if (!updates.isEmpty()) {
                wg.configure(e.getKey(), new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false, updates));
                set += updates.size();
            }
            if (still.isEmpty()) {
                it.remove();
                lastHandshakeRead.remove(e.getKey());
            } else {
                e.setValue(still);
            }
        }
        publishAwaitingSites();
        return set;
    }

    /** Publishes, for each interface, the sites whose prefix-carrying entry awaits its first handshake. */
    private void publishAwaitingSites() {
        Map<String, Map<String, Instant>> out = new HashMap<>();
        awaitingFirst.forEach((iface, entries) -> {
            Map<String, TunnelPlan.PeerPlan> carried = applied.getOrDefault(iface, Map.of());
            Map<String, Instant> sites = new HashMap<>();
            entries.forEach((k, a) -> {
                TunnelPlan.PeerPlan p = carried.get(k);
                if (p != null && !p.allowedIps().isEmpty()) {
                    sites.put(p.siteId(), a.addedAt());
                }
            });
            if (!sites.isEmpty()) {
                out.put(iface, Map.copyOf(sites));
            }
        });
        awaitingSites = Map.copyOf(out);
    }

    /**
     * Whether the tunnel towards {@code siteId} on {@code colour} is new and still awaits its first handshake: its
     * entry (the one carrying the site's prefixes) was added by this reconciler, shows no handshake yet, and was added
     * less than {@link HandshakeStagger#PROBE_HOLD} ago. Traffic into it, a probe too, would make this end initiate
     * (defeating the stagger when the other end is the initiator) or wait inside WireGuard for the handshake (so a
     * probe's round trip would count the wait). Cheap (no device read, no lock): the prober asks before each probe.
     */
    public boolean firstHandshakePending(String siteId, String colour) {
        Instant addedAt = awaitingSites.getOrDefault(TunnelPlan.interfaceName(colour), Map.of()).get(siteId);
        return addedAt != null && HandshakeStagger.holding(addedAt, clock.instant());
    }

    /**
     * Whether a next-key entry waiting for its handover has completed a handshake, so that a {@link #reconcile()}
     * would move the site's prefixes now. Reads only the interfaces with such entries; false when there are none.
     */
    public synchronized boolean handoverDue() {
        for (Map.Entry<String, Set<String>> e : awaitingHandover.entrySet()) {
            Optional<DeviceState> d = wg.read(e.getKey());
            if (d.isPresent() && e.getValue().stream().anyMatch(k -> d.get().peer(k).flatMap(PeerState::lastHandshake).isPresent())) {
                return true;
            }
        }
        return false;
    }

    /** Whether some rotating site's next-key entry still waits for its first handshake. */
    public synchronized boolean handoverPending() {
        return !awaitingHandover.isEmpty();
    }

    /**
     * Sets {@code newKey} as the private key of every interface of the last plan that exists, in one configuration
     * per interface that changes nothing else (every peer keeps its entry; their sessions are renegotiated with the
     * new static key by WireGuard itself).
     */
    public synchronized void applyKey(WgKeyPair newKey) {
        for (String name : wg.interfaces()) {
            if (name.startsWith(TunnelPlan.PREFIX)) {
                wg.configure(name, new DeviceConfig(Optional.of(newKey), OptionalInt.empty(), OptionalInt.empty(), false, List.of()));
            }
        }
    }

    /** Whether every interface of ours uses the current key. */
    public synchronized boolean keyApplied() {
        String want = key.get().publicBase64();
        for (String name : wg.interfaces()) {
            if (name.startsWith(TunnelPlan.PREFIX)
                    && !wg.read(name).flatMap(DeviceState::publicKey).map(want::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A live peer is updated only when its allowed IPs or its keepalive differ, or its configured endpoint changed
     * since we last set it (an endpoint the peer roamed to is kept).
     */
    private static boolean differs(TunnelPlan.PeerPlan want, PeerState have, TunnelPlan.PeerPlan lastApplied, int keepalive) {
        if (!Set.copyOf(want.allowedIps()).equals(Set.copyOf(have.allowedIps())) || have.persistentKeepalive() != keepalive) {
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

    /**
     * Routes and rules are independent of one another, so one that cannot be changed (the kernel refuses it, or it is
     * not what it seemed) must not hold back the others: each failure is collected, the rest is applied, and the
     * reconcile fails at the end naming them all. A single bad entry would otherwise keep every later route and rule
     * of every colour from being applied until it went away.
     */
    private int reconcileRoutes(TunnelPlan plan, List<RuntimeException> failed) {
        int changes = 0;
        for (Map.Entry<Integer, Map<IpPrefix, String>> t : plan.routes().entrySet()) {
            Map<IpPrefix, String> have = new HashMap<>();
            for (HostNetwork.Route r : net.routes(t.getKey())) {
                have.put(r.destination(), r.ifname());
            }
            for (Map.Entry<IpPrefix, String> want : t.getValue().entrySet()) {
                if (!want.getValue().equals(have.get(want.getKey()))) {
                    changes += attempt(() -> net.replaceRoute(t.getKey(), want.getKey(), want.getValue()), failed);
                }
            }
            for (IpPrefix extra : have.keySet()) {
                if (!t.getValue().containsKey(extra)) {
                    changes += attempt(() -> net.deleteRoute(t.getKey(), extra), failed);
                }
            }
        }
        return changes;
    }

    private int reconcileRules(TunnelPlan plan, List<RuntimeException> failed) {
        int changes = 0;
        List<HostNetwork.Rule> have = net.rules(TunnelPlan.RULE_PRIORITY_BASE, TunnelPlan.RULE_PRIORITY_MAX);
        for (HostNetwork.Rule r : have) {
            if (!plan.rules().contains(r)) {
                changes += attempt(() -> net.deleteRule(r), failed);
            }
        }
        for (HostNetwork.Rule r : plan.rules()) {
            if (!have.contains(r)) {
                changes += attempt(() -> net.addRule(r), failed);
            }
        }
        return changes;
    }

    /** 1 if {@code change} was made, 0 (and the failure collected) if it threw. */
    private static int attempt(Runnable change, List<RuntimeException> failed) {
        try {
            change.run();
            return 1;
        } catch (RuntimeException e) {
            failed.add(e);
            return 0;
        }
    }
}
