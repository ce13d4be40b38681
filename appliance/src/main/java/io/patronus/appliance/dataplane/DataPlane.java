package io.patronus.appliance.dataplane;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.appliance.tunnel.InMemoryHostNetwork;
import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.appliance.tunnel.TunnelReconciler;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.appliance.wg.WireGuardBackend;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.Site;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
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
 */
public final class DataPlane implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DataPlane.class.getName());
    private static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(10);
    private final WireGuardBackend wireGuard;
    private final HostNetwork host;
    private final WgKeyPair key;
    private final java.nio.file.Path keyFile;
    private final TunnelReconciler reconciler;
    private final String reason;
    private final Clock clock;
    /**
     * Device reads shared by the paths of one interface for a second: a path listing or probe round over N sites
     * would otherwise dump the whole device (N peers) once per path.
     */
    private final Map<String, Timed> recentReads = new ConcurrentHashMap<>();
    private static final Duration READ_REUSE = Duration.ofSeconds(1);

    private record Timed(java.time.Instant at, Optional<DeviceState> state) {
    }
    private ScheduledExecutorService scheduler;

    private DataPlane(WireGuardBackend wireGuard, HostNetwork host, WgKeyPair key, java.nio.file.Path keyFile,
                      Supplier<TunnelPlan> plan, String reason, Clock clock) {
        this.wireGuard = wireGuard;
        this.host = host;
        this.key = key;
        this.keyFile = keyFile;
        this.reason = reason;
        this.clock = clock;
        this.reconciler = new TunnelReconciler(wireGuard, host, key, plan);
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
        WgKeyPair key;
        java.nio.file.Path keyFile = config.dataDir().resolve("secrets").resolve("wg.key");
        try {
            key = WgKeyPair.loadOrCreate(keyFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the WireGuard key: " + e.getMessage(), e);
        }
        List<Link> links = config.links();
        String defaultColour = links.stream().min(java.util.Comparator.comparingInt(Link::priority)).map(Link::colour).orElse("");
        DataPlane dp = new DataPlane(choice.wireGuard(), choice.host(), key, keyFile,
                () -> TunnelPlan.of(config.site().id(), links, sites.get(), defaultColour), choice.reason(), clock);
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
    }

    /** Schedules a reconcile on the reconciler's thread (used after a site change, off the API's request thread). */
    public synchronized void reconcileSoon() {
        if (scheduler != null && !scheduler.isShutdown()) {
            scheduler.execute(this::reconcileQuietly);
        }
    }

    /** Reconciles now (after a site change); failures are logged and retried by the periodic run. */
    public void reconcileQuietly() {
        try {
            reconciler.reconcile();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tunnel reconcile failed (retrying in " + RECONCILE_INTERVAL.toSeconds()
                    + " s): " + e.getMessage(), e);
        }
    }

    public TunnelReconciler.Report reconcile() {
        return reconciler.reconcile();
    }

    public String kind() {
        return wireGuard.kind();
    }

    public String reason() {
        return reason;
    }

    public String publicKey() {
        return key.publicBase64();
    }

    /** The 0600 file holding the site's WireGuard private key. */
    public java.nio.file.Path keyFile() {
        return keyFile;
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
        Optional<PeerState> peer = device.flatMap(d -> d.peer(remote.get().publicKey()));
        return peer.map(p -> new TunnelCounters(iface,
                p.lastHandshake().map(h -> Math.max(0, Duration.between(h, clock.instant()).toSeconds())),
                p.rxBytes(), p.txBytes(), p.endpoint().map(DataPlane::endpoint)));
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
