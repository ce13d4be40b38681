package io.patronus.appliance.paths;

import io.patronus.appliance.failover.PathHealth;
import io.patronus.appliance.netlink.route.InterfaceAddress;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.probe.PathReport;
import io.patronus.appliance.probe.PathReportListener;
import io.patronus.appliance.probe.ProbeReflector;
import io.patronus.appliance.probe.ProbeSettings;
import io.patronus.appliance.probe.ProbeTarget;
import io.patronus.appliance.probe.Prober;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.PathStatus;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Real path measurement on a real data plane: every path (local colour x remote site) is probed through its tunnel
 * by a {@link Prober}, whose sockets carry the colour's fwmark so that probes take that colour's policy route, and
 * every appliance answers probes with a {@link ProbeReflector} on its LAN address.
 *
 * <p>Addressing rule: an appliance is the first host of its site's first LAN prefix (100.64.2.0/24 -> 100.64.2.1);
 * it probes that address at each remote site and listens on its own LAN interface's first IPv4 address. Probes and
 * replies therefore stay inside the tunnels' allowed IPs.
 *
 * <p>Thread-safe; listeners are called on the prober's event thread.
 */
public final class ProbedPaths implements PathProbe, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProbedPaths.class.getName());
    private final String localSiteId;
    private final List<Link> links;
    private final Map<String, Integer> colourMarks;
    private final Supplier<List<Site>> sites;
    private final String lanInterface;
    private final int port;
    /** failover.probeInterval and failover.detectMultiplier: for an SLA class that names neither. */
    private final Duration defaultInterval;
    private final int defaultDetectMultiplier;
    private volatile SlaClass sla;
    private final Prober prober;
    private final List<PathReportListener> listeners = new CopyOnWriteArrayList<>();
    private final List<CarrierListener> carrierListeners = new CopyOnWriteArrayList<>();
    /** Colour -> since when its WAN interface has been down (administratively or without carrier); absent = up. */
    private final Map<String, Instant> linkDownSince = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Thread carrierWatch;
    private volatile Optional<ProbeReflector> reflector = Optional.empty();
    private volatile Optional<InetAddress> localAddress = Optional.empty();

    /**
     * @param defaultInterval         {@code failover.probeInterval}: the interval of paths whose SLA class names none
     * @param defaultDetectMultiplier {@code failover.detectMultiplier}: the multiplier of paths whose SLA class names none
     * @param sla                     the SLA class every path is judged against, probed at and detected with
     */
    public ProbedPaths(String localSiteId, List<Link> links, Map<String, Integer> colourMarks, Supplier<List<Site>> sites,
                       String lanInterface, int port, Duration defaultInterval, int defaultDetectMultiplier, int recoveryProbes,
                       SlaClass sla) {
        this.localSiteId = localSiteId;
        this.links = List.copyOf(links);
        this.colourMarks = Map.copyOf(colourMarks);
        this.sites = sites;
        this.lanInterface = lanInterface;
        this.port = port;
        this.defaultInterval = defaultInterval;
        this.defaultDetectMultiplier = defaultDetectMultiplier;
        this.sla = sla;
        ProbeSettings d = ProbeSettings.defaults();
        // The loss window spans 20 s of probes: 100 probes (10 s) is too few to tell 5% random loss from a 10% SLA
        // limit reliably (a 100-probe window of a 5% loss exceeds 10% about once in a few hundred windows); 200
        // per-direction samples put 13% (where the score falls below 50) five standard deviations above 5%. The window
        // is counted in probes and fixed for the prober's life, so it is sized on the default interval: a class probed
        // faster measures loss over a shorter time, one probed slower over a longer one.
        int lossWindow = (int) Math.max(d.lossWindow(), Math.min(10_000, Duration.ofSeconds(20).toNanos() / Math.max(1, defaultInterval.toNanos())));
        ProbeSettings settings = new ProbeSettings(recoveryProbes, d.holdDownBase(), d.holdDownMax(),
                d.flapWindow(), d.stableAfter(), lossWindow, d.rttWindow(), d.minLossSamples(), d.recoveryMargin(), d.bursts(),
                d.maxProbesPerSecond());
        this.prober = Prober.builder().settings(settings)
                .listener((before, after) -> listeners.forEach(l -> l.pathChanged(before, after))).build();
    }

    public void addListener(PathReportListener l) {
        listeners.add(l);
    }

    /** Told when a link's WAN interface goes down or comes back (colour, up, interface name). */
    @FunctionalInterface
    public interface CarrierListener {
        void changed(String colour, boolean up, String iface);
    }

    public void addCarrierListener(CarrierListener l) {
        carrierListeners.add(l);
    }

    /**
     * Sends no probe on a path while {@code held} (remote site id, colour) is true: the data plane's
     * {@code DataPlane#firstHandshakePending}, for new tunnels that have not completed their first handshake (a probe
     * would initiate one, or wait for it inside WireGuard). Such a path stays as it is, UNKNOWN before its first
     * probe, losing nothing.
     */
    public void holdWhile(java.util.function.BiPredicate<String, String> held) {
        prober.hold(t -> held.test(remoteSite(t.pathId()), t.colour()));
    }

    /** The remote site of a path id {@code source:destination:colour} (site ids hold no colon). */
    static String remoteSite(String pathId) {
        return pathId.substring(pathId.indexOf(':') + 1, pathId.lastIndexOf(':'));
    }

    /** Starts the prober and, once the LAN interface has an address, the reflector; then follows the site list. */
    public synchronized ProbedPaths start() {
        prober.start();
        refresh();
        carrierWatch = Thread.ofPlatform().daemon().name("carrier-watch").start(this::watchCarrier);
        return this;
    }

    /**
     * Polls the WAN interfaces' state every {@value #CARRIER_POLL_MS} ms: a link that goes down (set down, or its
     * carrier lost) makes its paths down at once instead of after {@code detectMultiplier} lost probes. It comes
     * back through the probes' normal recovery (good probes and hold-down). One rtnetlink dump per poll.
     */
    private void watchCarrier() {
        try (RouteNetlink rt = RouteNetlink.open()) {
            while (!Thread.currentThread().isInterrupted()) {
                Map<String, io.patronus.appliance.netlink.route.Link> byName = new java.util.HashMap<>();
                for (var l : rt.links()) {
                    byName.put(l.name(), l);
                }
                for (Link link : links) {
                    var l = byName.get(link.iface());
                    boolean up = l != null && (l.flags() & IFF_UP) != 0 && (l.flags() & IFF_LOWER_UP) != 0;
                    boolean wasDown = linkDownSince.containsKey(link.colour());
                    if (!up && !wasDown) {
                        linkDownSince.put(link.colour(), Instant.now());
                        carrierListeners.forEach(c -> c.changed(link.colour(), false, link.iface()));
                    } else if (up && wasDown) {
                        linkDownSince.remove(link.colour());
                        carrierListeners.forEach(c -> c.changed(link.colour(), true, link.iface()));
                    }
                }
                Thread.sleep(CARRIER_POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "carrier watch stopped: " + e.getMessage());
        }
    }

    private static final int CARRIER_POLL_MS = 20;
    private static final int IFF_UP = 0x1;
    private static final int IFF_LOWER_UP = 0x10000;

    /**
     * Judges every path against {@code newSla} from its next probe on (a committed config bundle changed it), probing
     * at its interval and detecting DOWN with its multiplier; the paths' estimates and states carry over.
     */
    public void sla(SlaClass newSla) {
        this.sla = java.util.Objects.requireNonNull(newSla, "sla");
        refresh();
    }

    /** Re-derives the probe targets from the sites (call after a site change; cheap when nothing changed). */
    public synchronized void refresh() {
        if (localAddress.isEmpty()) {
            localAddress = lanAddress();
            localAddress.ifPresent(a -> {
                try {
                    reflector = Optional.of(ProbeReflector.start(new InetSocketAddress(a, port), colourMarks));
                    LOG.log(System.Logger.Level.INFO, "probe reflector listening on " + a.getHostAddress() + ":" + port);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "probe reflector could not start on " + a.getHostAddress() + ":" + port
                            + ": " + e.getMessage());
                }
            });
        }
        if (localAddress.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no IPv4 address on LAN interface " + lanInterface + " yet: paths are not probed");
            return;
        }
        prober.setTargets(targets(localSiteId, sites.get(), links, colourMarks, localAddress.get(), port, sla,
                defaultInterval, defaultDetectMultiplier));
    }

    /**
     * The probe target of every path (local colour x active remote site with an endpoint of that colour), each probed
     * at the interval of the SLA class it is judged against and DOWN after that class's multiplier of lost probes;
     * {@code defaultInterval} and {@code defaultDetectMultiplier} stand in for what the class does not name.
     */
    static List<ProbeTarget> targets(String localSiteId, List<Site> sites, List<Link> links, Map<String, Integer> colourMarks,
                                     InetAddress local, int port, SlaClass sla, Duration defaultInterval,
                                     int defaultDetectMultiplier) {
        Duration interval = sla.probeInterval().orElse(defaultInterval);
        int detectMultiplier = sla.detectMultiplier().orElse(defaultDetectMultiplier);
        List<ProbeTarget> targets = new ArrayList<>();
        for (Site s : sites) {
            if (s.id().equals(localSiteId) || s.status() != SiteStatus.ACTIVE || s.lanPrefixes().isEmpty()) {
                continue;
            }
            Optional<InetAddress> remote = firstHost(s.lanPrefixes().getFirst());
            if (remote.isEmpty()) {
                continue;
            }
            for (Link l : links) {
                Integer mark = colourMarks.get(l.colour());
                if (!s.endpoints().containsKey(l.colour()) || mark == null) {
                    continue;
                }
                targets.add(new ProbeTarget(Path.id(localSiteId, s.id(), l.colour()), l.colour(),
                        new InetSocketAddress(local, 0), new InetSocketAddress(remote.get(), port), mark, interval,
                        detectMultiplier, sla));
            }
        }
        return targets;
    }

    private Optional<InetAddress> lanAddress() {
        try (RouteNetlink rt = RouteNetlink.open()) {
            int index = rt.index(lanInterface);
            return rt.addresses().stream().filter(a -> a.linkIndex() == index && a.address() instanceof Inet4Address)
                    .map(InterfaceAddress::address).findFirst();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<InetAddress> firstHost(IpPrefix p) {
        byte[] a = p.address();
        int hostBits = a.length * 8 - p.length();
        if (hostBits < 2) {
            return Optional.empty();
        }
        a[a.length - 1] |= 1;
        try {
            return Optional.of(InetAddress.getByAddress(a));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public io.patronus.appliance.probe.ProberStats stats() {
        return prober.stats();
    }

    public Optional<PathReport> report(String pathId) {
        return prober.report(pathId);
    }

    /** The failover engine's view of a path. */
    public Optional<PathHealth> health(String pathId) {
        String colour = pathId.substring(pathId.lastIndexOf(':') + 1);
        Instant down = linkDownSince.get(colour);
        if (down != null) {
            String iface = links.stream().filter(l -> l.colour().equals(colour)).map(Link::iface).findFirst().orElse(colour);
            return Optional.of(new PathHealth(PathStatus.DOWN, 0, down, "link " + iface + " is down"));
        }
        return prober.report(pathId).map(r -> new PathHealth(r.status(), r.score(), r.since(), String.format(java.util.Locale.ROOT,
                "rtt %.1f ms, loss %.1f%%, jitter %.1f ms; %s", r.rttMs(), r.lossPct(), r.jitterMs(), r.reason())));
    }

    @Override
    public String kind() {
        return "probe";
    }

    @Override
    public Measurement measure(Link link, Site remote, Instant now) {
        return assess(link, remote, now).map(Assessment::measurement).orElse(new Measurement(0, 0, 0));
    }

    @Override
    public Optional<Assessment> assess(Link link, Site remote, Instant now) {
        if (linkDownSince.containsKey(link.colour())) {
            return Optional.of(new Assessment(new Measurement(0, 100, 0), 0, PathStatus.DOWN));
        }
        return prober.report(Path.id(localSiteId, remote.id(), link.colour())).map(r -> new Assessment(
                new Measurement(clamp(r.rttMs()), Math.min(100, Math.max(0, r.lossPct())), clamp(r.jitterMs())), r.score(),
                r.status() == null ? PathStatus.UNKNOWN : r.status()));
    }

    private static double clamp(double v) {
        return Double.isFinite(v) ? Math.min(600_000, Math.max(0, v)) : 0;
    }

    @Override
    public synchronized void close() {
        if (carrierWatch != null) {
            carrierWatch.interrupt();
        }
        prober.close();
        reflector.ifPresent(ProbeReflector::close);
    }
}
