package io.patronus.appliance.dataplane;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.appliance.tunnel.InMemoryHostNetwork;
import io.patronus.appliance.tunnel.ReconcileException;
import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.appliance.tunnel.TunnelReconciler;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.KeyRing;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.appliance.wg.WireGuardBackend;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.Site;
import io.patronus.provisioning.PeerKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The appliance's data plane: the WireGuard backend (kernel, userspace or in memory), the host's routing, and the
 * reconciler that keeps both matching the site list. Chosen once at start from {@code dataPlane.mode}: {@code auto}
 * takes kernel WireGuard when the kernel has it, else wireguard-go when running as root with it installed, else the
 * in-memory model, and says which and why.
 *
 * <p>Key rotation: the site's keys live in a {@link KeyRing} ({@code secrets/wg.key}, and {@code secrets/wg.next.key}
 * while rotating); {@link #switchKey} makes the next key the site's. Rotating remote sites come in through the
 * {@code peerKeys} supplier (the controller's bundle): while one of their next-key entries waits for its handover, the
 * devices are read every {@value #HANDOVER_CHECK_MS} ms for its first handshake, so the site's traffic moves to it
 * within that time after the remote switched.
 *
 * <p>First handshakes are staggered ({@link io.patronus.appliance.tunnel.HandshakeStagger}): a peer entry whose remote
 * end initiates is added without a keepalive for up to a second. Every {@value #HANDOVER_CHECK_MS} ms the reconciler
 * settles the new entries that have completed their first handshake or whose deferral is over (a targeted update of
 * those peers; an interface with new entries is read every 250 ms and when a deferral ends, none while no entry is
 * new), and {@link #firstHandshakePending} lets the prober keep quiet on new tunnels until their first handshake.
 */
public final class DataPlane implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DataPlane.class.getName());
    private static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(10);
    /** How often a pending handover (a rotating peer's next key) is checked for its first handshake. */
    static final long HANDOVER_CHECK_MS = 50;
    private final WireGuardBackend wireGuard;
    private final HostNetwork host;
    private final KeyRing keys;
    private final Supplier<List<Site>> sites;
    private final Supplier<Map<String, PeerKeys>> peerKeys;
    private final TunnelReconciler reconciler;
    private final String reason;
    private final Clock clock;
    /** Start and end of the last reconcile that succeeded: what the kernel holds reflects the sites read at the start. */
    private volatile Instant[] lastGoodReconcile = {Instant.EPOCH, Instant.EPOCH};
    private volatile ReconcileStatus reconcileStatus = ReconcileStatus.NONE;
    private final Object statusLock = new Object();
    /**
     * Device reads shared by the paths of one interface for a second: a path listing or probe round over N sites
     * would otherwise dump the whole device (N peers) once per path.
     */
    private final Map<String, Timed> recentReads = new ConcurrentHashMap<>();
    private static final Duration READ_REUSE = Duration.ofSeconds(1);

    private record Timed(java.time.Instant at, Optional<DeviceState> state) {
    }
    private ScheduledExecutorService scheduler;

    private DataPlane(WireGuardBackend wireGuard, HostNetwork host, KeyRing keys, Supplier<List<Site>> sites,
                      Supplier<Map<String, PeerKeys>> peerKeys, Supplier<TunnelPlan> plan, String reason, Clock clock) {
        this.wireGuard = wireGuard;
        this.host = host;
        this.keys = keys;
        this.sites = sites;
        this.peerKeys = peerKeys;
        this.reason = reason;
        this.clock = clock;
        this.reconciler = new TunnelReconciler(wireGuard, host, keys::current, plan, clock);
    }

    /** A backend and host network pair, with why it was chosen. */
    public record Choice(WireGuardBackend wireGuard, HostNetwork host, String reason) {
    }

    /** Picks the backend for the configured mode; fails with a clear message when a forced mode cannot work here. */
    public static Choice choose(ApplianceConfig config) {
        ApplianceConfig.DataPlaneMode mode = config.dataPlane().mode();
        java.nio.file.Path sockets = config.dataDir().resolve("wireguard");
        boolean root = "root".equals(System.getProperty("user.name"));
        switch (mode) {
            case MEMORY -> {
                return memory("configured: dataPlane.mode = memory");
            }
            case USERSPACE -> {
                if (!UserspaceWireGuard.available()) {
                    throw new IllegalStateException("dataPlane.mode is userspace but wireguard-go cannot run here: it needs root and"
                            + " /usr/bin/wireguard-go (apt-get install wireguard-go)");
                }
                return new Choice(new UserspaceWireGuard(sockets, Optional.empty()), HostNetworks.netlink(),
                        "configured: dataPlane.mode = userspace (wireguard-go)");
            }
            case KERNEL -> {
                if (!HostNetworks.kernelWireGuardAvailable()) {
                    throw new IllegalStateException("dataPlane.mode is kernel but this kernel has no WireGuard module; "
                            + "use dataPlane.mode: userspace or auto");
                }
                return new Choice(HostNetworks.kernelWireGuard(), HostNetworks.netlink(), "configured: dataPlane.mode = kernel");
            }
            default -> {
                if (!root) {
                    return memory("auto: not running as root, so no real tunnels can be created; using the in-memory data plane");
                }
                if (HostNetworks.kernelWireGuardAvailable()) {
                    return new Choice(HostNetworks.kernelWireGuard(), HostNetworks.netlink(), "auto: kernel WireGuard is available");
                }
                if (UserspaceWireGuard.available()) {
                    return new Choice(new UserspaceWireGuard(sockets, Optional.empty()), HostNetworks.netlink(),
                            "auto: no WireGuard in this kernel, using wireguard-go");
                }
                return memory("auto: no WireGuard in this kernel and wireguard-go is not installed; using the in-memory data plane");
            }
        }
    }

    private static Choice memory(String reason) {
        InMemoryWireGuard wg = new InMemoryWireGuard();
        return new Choice(wg, new InMemoryHostNetwork(wg::interfaces), reason);
    }

    /** Builds the data plane over a chosen backend; the site key pair lives in {@code secrets/wg.key} (0600). */
    public static DataPlane start(ApplianceConfig config, Choice choice, Supplier<List<Site>> sites, Clock clock) {
        return start(config, choice, sites, Map::of, clock);
    }

    /**
     * As above, with the next and retiring keys of rotating remote sites by site id (from the controller's bundle).
     */
    public static DataPlane start(ApplianceConfig config, Choice choice, Supplier<List<Site>> sites,
                                  Supplier<Map<String, PeerKeys>> peerKeys, Clock clock) {
        KeyRing keys;
        try {
            keys = KeyRing.open(config.dataDir().resolve("secrets"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the WireGuard key: " + e.getMessage(), e);
        }
        List<Link> links = config.links();
        String defaultColour = links.stream().min(java.util.Comparator.comparingInt(Link::priority)).map(Link::colour).orElse("");
        DataPlane dp = new DataPlane(choice.wireGuard(), choice.host(), keys, sites, peerKeys,
                () -> TunnelPlan.of(config.site().id(), links, sites.get(), peerKeys.get(), defaultColour), choice.reason(), clock);
        LOG.log(System.Logger.Level.INFO, "data plane: " + choice.wireGuard().kind() + " (" + choice.reason() + ")");
        return dp;
    }

    /** Reconciles now and then every 10 s (repairing drift such as an interface deleted by hand). */
    public synchronized void startReconciling() {
        reconcileQuietly();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tunnel-reconciler");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::reconcileQuietly, RECONCILE_INTERVAL.toMillis(), RECONCILE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::checkHandovers, HANDOVER_CHECK_MS, HANDOVER_CHECK_MS, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::settleFirstHandshakes, HANDOVER_CHECK_MS, HANDOVER_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** Gives new peer entries their keepalive once they have a handshake or their deferral is over (see the class comment). */
    private void settleFirstHandshakes() {
        try {
            reconciler.settleFirstHandshakes();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "first-handshake check failed (the periodic reconcile sets the keepalive): "
                    + e.getMessage());
        }
    }

    /**
     * Whether the tunnel towards {@code siteId} on {@code colour} is new and awaits its first handshake (at most
     * {@link io.patronus.appliance.tunnel.HandshakeStagger#PROBE_HOLD}): a probe would make this end initiate, or wait
     * inside WireGuard for the handshake. Cheap and lock-free: for a check before every probe.
     */
    public boolean firstHandshakePending(String siteId, String colour) {
        return reconciler.firstHandshakePending(siteId, colour);
    }

    /** Reconciles at once when a rotating peer's next key has completed its first handshake (see the class comment). */
    private void checkHandovers() {
        try {
            if (reconciler.handoverDue()) {
                LOG.log(System.Logger.Level.INFO, "a rotating site's next key completed a handshake: moving its prefixes to it");
                reconcile();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "handover check failed (the periodic reconcile retries): " + e.getMessage());
        }
    }

    /** Schedules a reconcile on the reconciler's thread (used after a site change, off the API's request thread). */
    public synchronized void reconcileSoon() {
        if (scheduler != null && !scheduler.isShutdown()) {
            scheduler.execute(this::reconcileQuietly);
        }
    }

    /**
     * Reconciles now (after a site change); failures are logged and retried by the periodic run. A failure that repeats
     * the previous one is logged on one line without its stack trace: the same trace every 10 s buries everything else
     * in the log, and {@link #reconcileStatus()} (health, metrics, debug dump) carries the count.
     */
    public void reconcileQuietly() {
        ReconcileStatus before = reconcileStatus;
        try {
            reconcile();
            if (before.consecutiveFailures() > 0) {
                LOG.log(System.Logger.Level.INFO, "tunnel reconcile succeeded again after " + before.consecutiveFailures()
                        + " failed attempt(s)");
            }
        } catch (RuntimeException e) {
            boolean sameFailure = before.failing() && before.lastError().equals(reconcileStatus.lastError());
            String retry = "tunnel reconcile failed (retrying in " + RECONCILE_INTERVAL.toSeconds() + " s): ";
            if (sameFailure) {
                LOG.log(System.Logger.Level.WARNING, retry + "the same error again (" + reconcileStatus.consecutiveFailures()
                        + " in a row since " + before.lastFailureAt().map(Instant::toString).orElse("?") + ")");
            } else {
                LOG.log(System.Logger.Level.WARNING, retry + e.getMessage(), e);
            }
        }
    }

    public TunnelReconciler.Report reconcile() {
        Instant started = clock.instant();
        TunnelReconciler.Report report;
        try {
            report = reconciler.reconcile();
        } catch (RuntimeException e) {
            synchronized (statusLock) {
                ReconcileStatus was = reconcileStatus;
                String error = e instanceof ReconcileException r ? r.failures() : String.valueOf(e.getMessage());
                reconcileStatus = new ReconcileStatus(was.lastSuccessAt(), Optional.of(was.failing() ? was.lastFailureAt().orElseThrow()
                        : clock.instant()), error, was.consecutiveFailures() + 1, was.failures() + 1);
            }
            throw e;
        }
        Instant done = clock.instant();
        lastGoodReconcile = new Instant[] {started, done};
        synchronized (statusLock) {
            ReconcileStatus was = reconcileStatus;
            reconcileStatus = new ReconcileStatus(Optional.of(done), was.lastFailureAt(), was.lastError(), 0, was.failures());
        }
        return report;
    }

    /**
     * How the tunnel reconcile is doing, for health, metrics and the debug dump.
     *
     * @param lastSuccessAt       the end of the last reconcile that applied everything
     * @param lastFailureAt       when the current run of failures began (a later failure keeps it)
     * @param lastError           what the last failure was, naming each operation and object that failed (without what
     *                            the reconcile did apply, so the same failure reads the same every time); "" if none
     * @param consecutiveFailures failed reconciles since the last success: 0 when the data plane matches the config
     * @param failures            failed reconciles since start
     */
    public record ReconcileStatus(Optional<Instant> lastSuccessAt, Optional<Instant> lastFailureAt, String lastError,
                                  int consecutiveFailures, long failures) {
        static final ReconcileStatus NONE = new ReconcileStatus(Optional.empty(), Optional.empty(), "", 0, 0);

        /** Whether the last reconcile failed: the tunnels, routes or rules may not match the configuration. */
        public boolean failing() {
            return consecutiveFailures > 0;
        }
    }

    public ReconcileStatus reconcileStatus() {
        return reconcileStatus;
    }

    /**
     * When the tunnels, routes and rules came to reflect the sites as they were at {@code changedAt} or later: the end
     * of the last successful reconcile, if it started at or after {@code changedAt}. A config bundle's confirmation
     * waits for it, so that "the controller is still reachable" is proven with the bundle's routes in place.
     */
    public Optional<Instant> inEffectSince(Instant changedAt) {
        Instant[] last = lastGoodReconcile;
        return last[0].isBefore(changedAt) ? Optional.empty() : Optional.of(last[1]);
    }

    public String kind() {
        return wireGuard.kind();
    }

    public String reason() {
        return reason;
    }

    /** The site's public key in use now. */
    public String publicKey() {
        return keys.current().publicBase64();
    }

    /** The 0600 file holding the site's WireGuard private key. */
    public java.nio.file.Path keyFile() {
        return keys.currentFile();
    }

    /** The public key of the next key pair, generating the pair (0600 {@code secrets/wg.next.key}) the first time. */
    public String nextPublicKey() throws IOException {
        return keys.nextOrCreate().publicBase64();
    }

    /** The next key pair's public key, when one was generated and not switched to yet. */
    public Optional<String> pendingNextKey() {
        return keys.next().map(WgKeyPair::publicBase64);
    }

    /**
     * Switches the site to its next key pair, whose public key must be {@code expected}: the key file first (see
     * {@link KeyRing}), then every interface in one configuration each. Does nothing when {@code expected} is in use
     * already. An interface that refuses the key keeps the old one until the periodic reconcile sets it; check with
     * {@link #keyApplied()}.
     *
     * @throws IllegalStateException when the next key is absent or another one
     */
    public synchronized void switchKey(String expected) throws IOException {
        if (publicKey().equals(expected)) {
            return;
        }
        String next = keys.next().map(WgKeyPair::publicBase64).orElseThrow(() -> new IllegalStateException(
                "asked to switch to WireGuard key " + expected + " but there is no next key in " + keys.currentFile().getParent()));
        if (!next.equals(expected)) {
            throw new IllegalStateException("asked to switch to WireGuard key " + expected + " but the next key is " + next);
        }
        WgKeyPair now = keys.promoteNext();
        LOG.log(System.Logger.Level.INFO, "WireGuard key switched to " + now.publicBase64() + " (" + keys.currentFile() + ")");
        try {
            reconciler.applyKey(now);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "setting the new WireGuard key on the interfaces failed (the reconcile retries): "
                    + e.getMessage());
        }
    }

    /** Whether every tunnel interface uses the site's current key. */
    public boolean keyApplied() {
        return reconciler.keyApplied();
    }

    /** Every WireGuard key of the remote sites (current, next, retiring) to its site id, for display. */
    public Map<String, String> siteByKey() {
        Map<String, String> out = new java.util.HashMap<>();
        Map<String, PeerKeys> extra = peerKeys.get();
        for (Site s : sites.get()) {
            out.put(s.publicKey(), s.id());
            PeerKeys k = extra.get(s.id());
            if (k != null) {
                k.next().ifPresent(n -> out.putIfAbsent(n, s.id()));
                k.retiring().ifPresent(n -> out.putIfAbsent(n, s.id()));
            }
        }
        return out;
    }

    public WireGuardBackend wireGuard() {
        return wireGuard;
    }

    /** Every device as read now, for {@code patronus wg show}. */
    public List<DeviceState> devices() {
        return wireGuard.interfaces().stream().map(wireGuard::read).flatMap(Optional::stream).toList();
    }

    /** The tunnel counters of a path: its colour's interface and the remote site's peer on it. */
    public Optional<TunnelCounters> counters(Path path, Optional<Site> remote) {
        if (remote.isEmpty()) {
            return Optional.empty();
        }
        String iface = TunnelPlan.interfaceName(path.colour());
        java.time.Instant now = clock.instant();
        Optional<DeviceState> device = recentReads.compute(iface, (k, old) ->
                old != null && Duration.between(old.at(), now).compareTo(READ_REUSE) < 0 ? old : new Timed(now, wireGuard.read(iface)))
                .state();
        Optional<PeerState> peer = device.flatMap(d -> activePeer(d, remote.get()));
        return peer.map(p -> new TunnelCounters(iface,
                p.lastHandshake().map(h -> Math.max(0, Duration.between(h, clock.instant()).toSeconds())),
                p.rxBytes(), p.txBytes(), p.endpoint().map(DataPlane::endpoint)));
    }

    /**
     * The entry carrying a site's traffic: during a rotation the one of its keys (current, next, retiring) that holds
     * its allowed IPs; otherwise, or when none does, the current key's.
     */
    private Optional<PeerState> activePeer(DeviceState d, Site site) {
        Optional<PeerState> current = d.peer(site.publicKey());
        PeerKeys extra = peerKeys.get().get(site.id());
        if (extra == null || current.map(p -> !p.allowedIps().isEmpty()).orElse(false)) {
            return current;
        }
        for (Optional<String> k : List.of(extra.next(), extra.retiring())) {
            Optional<PeerState> p = k.flatMap(d::peer).filter(x -> !x.allowedIps().isEmpty());
            if (p.isPresent()) {
                return p;
            }
        }
        return current;
    }

    /** {@code host:port}, with an IPv6 address in brackets so the port cannot be mistaken for part of it. */
    public static String endpoint(java.net.InetSocketAddress e) {
        String host = e.getAddress().getHostAddress();
        return (e.getAddress() instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + e.getPort();
    }

    /** Stops reconciling; tunnels stay up (see {@link WireGuardBackend#close()}). */
    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        wireGuard.close();
    }
}
