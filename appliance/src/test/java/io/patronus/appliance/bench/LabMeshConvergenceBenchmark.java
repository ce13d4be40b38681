package io.patronus.appliance.bench;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.dataplane.NetlinkHostNetwork;
import io.patronus.appliance.lab.Lab;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Benchmark runner (not a test): how long a real N-site lab mesh (default 100) takes to converge, with one production
 * data plane per site in one JVM. Usage: {@code scripts/bench-wg lab-mesh [sites] [--start=cold|warm]
 * [--timeout=SECONDS] [--poll-ms=MS]}.
 *
 * <p><b>What runs.</b> {@code scripts/lab up} builds an N-site lab with two colours (fiber {@code 192.0.2.I}, lte
 * {@code 198.51.100.I}, LAN {@code 100.64.I.0/24}). Each site gets its own platform thread, which enters the site's
 * network namespace with {@code setns(2)} and there builds the site's {@link DataPlane} exactly as the appliance does
 * ({@link DataPlane#start}), over the userspace backend ({@link UserspaceWireGuard}: one wireguard-go per colour,
 * configured over UAPI) and our rtnetlink client ({@link NetlinkHostNetwork}). Because a namespace belongs to a
 * thread, the rtnetlink socket that thread opens, the wireguard-go processes it forks (the JDK forks on the calling
 * thread; the runner checks every one through {@code /proc/PID/ns/net}) and the reconcile and supervisor threads it
 * starts all live in that site's namespace, while the rest of the JVM stays in the host's. 100 appliance JVMs would
 * not fit a 2-core machine; the data plane is the part whose convergence is measured, and it is the production code.
 *
 * <p><b>The moment.</b> Every site's key is generated first ({@code secrets/wg.key}, as on an appliance); then the
 * list of all N sites (key, one endpoint per colour, LAN prefix) is given to every data plane at the same instant
 * (time zero), and each site thread reconciles at once. {@code --start=cold} (default): nothing runs before time
 * zero; each site's first reconcile is the appliance's start ({@link DataPlane#startReconciling}), so it starts its
 * wireguard-go processes, configures N-1 peers per colour, and installs links, routes and rules. {@code --start=warm}:
 * the appliances are already running with an empty site list (wireguard-go up, no peers) and the site list arrives,
 * as when a controller provisions the mesh; the reconcile after it ({@link DataPlane#reconcile}) adds the peers and
 * routes. In both, the periodic reconcile (every 10 s) and the handover check run as on an appliance.
 *
 * <p><b>Measured.</b> (1) When every site's first reconcile with the full list was in effect
 * ({@link DataPlane#inEffectSince}), and the duration of each site's first reconcile call (p50/p95/max). (2) When every
 * tunnel end has completed a handshake: each of the N(N-1) peer entries of each colour, read from the devices over
 * UAPI (the data plane's own {@code read}); the time of an end is the device's own handshake timestamp, not the
 * moment the runner saw it, so the polling interval does not add to it. Handshakes need no traffic here:
 * wireguard-go sends a keepalive, and so a handshake initiation, as soon as a peer with a persistent keepalive is
 * configured on an up device or the device comes up, and the reconciler gives every peer one (25 s): at once at the
 * end of each tunnel whose key is the smaller, after the first handshake or 1 s at the other
 * ({@link io.patronus.appliance.tunnel.HandshakeStagger}). (3) Processes,
 * threads, memory (RSS and PSS of the JVM and of every wireguard-go) and CPU time, and the machine's busy share,
 * between time zero and convergence. (4) One ping each way between the LAN hosts of the first and the last site,
 * through the tunnels.
 *
 * <p><b>The host.</b> N sites on one machine exceed two machine-wide kernel limits that one appliance never nears:
 * the ARP table (the sites share one L2 segment per colour, so the lab needs N(N-1) entries per colour, against a
 * default limit of 1,024) and the inotify instances of one user (one per wireguard-go, default limit 128). The runner
 * raises both for the run and puts them back ({@link HostLimits}), and reports whether the ARP table still overflowed.
 *
 * <p><b>Bounds and cleanup.</b> Convergence is given up after {@code --timeout} seconds (default 600); the runner then
 * prints what it has, with the missing tunnel ends, and exits 1. Whatever happens (an exception, Ctrl-C), a
 * {@code finally} and a shutdown hook stop every data plane's reconciles and supervision, kill every process in the
 * lab's namespaces (found by namespace inode, so also one started after the namespace lost its name), remove the lab
 * ({@code scripts/lab down}), wait for reconciles still running and look again, remove the state directory, put the
 * kernel limits back, and say whether anything was left. Only a SIGKILL of the runner skips that; {@code scripts/lab
 * gc} then removes the lab and its processes (the raised limits stay). Test traffic stays inside the lab's
 * namespaces (TEST-NET and 100.64.0.0/10 addresses only).
 */
public final class LabMeshConvergenceBenchmark {
    private static final List<String> COLOURS = List.of("fiber", "lte");
    private static final Map<String, String> COLOUR_NET = Map.of("fiber", "192.0.2.", "lte", "198.51.100.");

    private LabMeshConvergenceBenchmark() {
    }

    /** The runner's arguments. */
    record Options(int sites, boolean warm, Duration timeout, long pollMillis) {
        static Options parse(String[] args) {
            int sites = 100;
            boolean warm = false;
            Duration timeout = Duration.ofMinutes(10);
            long poll = 1000;
            for (String a : args) {
                if (a.startsWith("--start=")) {
                    String v = a.substring(8);
                    if (!v.equals("cold") && !v.equals("warm")) {
                        throw new IllegalArgumentException("--start must be cold or warm, was '" + v + "'");
                    }
                    warm = v.equals("warm");
                } else if (a.startsWith("--timeout=")) {
                    timeout = Duration.ofSeconds(Long.parseLong(a.substring(10)));
                } else if (a.startsWith("--poll-ms=")) {
                    poll = Long.parseLong(a.substring(10));
                } else if (a.matches("[0-9]+")) {
                    sites = Integer.parseInt(a);
                } else {
                    throw new IllegalArgumentException("usage: LabMeshConvergenceBenchmark [sites 2-250] [--start=cold|warm]"
                            + " [--timeout=SECONDS] [--poll-ms=MS]; unknown argument '" + a + "'");
                }
            }
            if (sites < 2 || sites > 250) {
                throw new IllegalArgumentException("sites must be 2-250 (the lab's limit), was " + sites);
            }
            if (poll < 10) {
                throw new IllegalArgumentException("--poll-ms must be at least 10, was " + poll);
            }
            return new Options(sites, warm, timeout, poll);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        // The data planes log one INFO line per reconcile and per start: 2N lines of noise here. Warnings stay.
        Logger.getLogger("").setLevel(Level.WARNING);
        String loadBefore = ProcFs.loadAverage();
        long labStart = System.nanoTime();
        Lab lab = Lab.up(o.sites(), COLOURS.toArray(String[]::new));
        double labSeconds = (System.nanoTime() - labStart) / 1e9;
        Path root = Files.createTempDirectory("plm");
        List<SiteRun> runs = new ArrayList<>();
        for (int i = 1; i <= o.sites(); i++) {
            runs.add(new SiteRun(i, lab.namespace(i), root.resolve("s" + i)));
        }
        HostLimits limits = new HostLimits();
        Cleanup cleanup = new Cleanup(lab, root, runs, limits);
        Thread hook = new Thread(cleanup::run, "lab-mesh-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 1;
        try {
            System.out.printf(Locale.ROOT, "lab-mesh: %d sites x %d colours %s, start=%s, lab %s up in %.1f s, %d CPUs, load %s%n",
                    o.sites(), COLOURS.size(), COLOURS, o.warm() ? "warm" : "cold", lab.name(), labSeconds,
                    Runtime.getRuntime().availableProcessors(), loadBefore);
            // Every site resolves every other site's address on each colour's shared segment: N(N-1) entries per
            // colour, plus the LAN hosts and a margin. And one inotify instance per wireguard-go, next to the others'.
            long arpEntries = (long) COLOURS.size() * o.sites() * (o.sites() - 1) + 4L * o.sites() + 1024;
            limits.atLeast("net/ipv4/neigh/default/gc_thresh3", arpEntries);
            limits.atLeast("net/ipv4/neigh/default/gc_thresh2", arpEntries);
            limits.atLeast("fs/inotify/max_user_instances", limits.value("fs/inotify/max_user_instances")
                    + (long) COLOURS.size() * o.sites());
            exit = run(o, lab, runs);
        } catch (Exception | Error e) {
            System.out.println("lab-mesh: FAILED: " + e);
            e.printStackTrace(System.out);
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it found the cleanup done
            }
        }
        System.exit(exit);
    }

    private static int run(Options o, Lab lab, List<SiteRun> runs) throws Exception {
        int n = runs.size();
        ApplianceConfig base = ConfigLoader.load(Optional.empty(), Map.of());
        AtomicReference<List<Site>> siteList = new AtomicReference<>(List.of());
        AtomicReference<Instant> timeZero = new AtomicReference<>(Instant.MAX);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        long setupStart = System.nanoTime();
        for (SiteRun r : runs) {
            r.start(base, o.warm(), siteList, timeZero, ready, release);
        }
        if (!ready.await(o.timeout().toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("the site data planes were not ready within " + o.timeout().toSeconds() + " s");
        }
        for (SiteRun r : runs) {
            if (r.setupFailure != null) {
                throw new IllegalStateException("site " + r.index + " could not start its data plane: " + r.setupFailure,
                        r.setupFailure);
            }
        }
        System.out.printf(Locale.ROOT, "setup: %d data planes built%s in %.1f s%n", n,
                o.warm() ? " and reconciled with an empty site list (wireguard-go running, no peers)" : "",
                (System.nanoTime() - setupStart) / 1e9);
        List<Site> sites = new ArrayList<>();
        Map<String, Integer> siteOfKey = new HashMap<>();
        for (SiteRun r : runs) {
            sites.add(site(r.index, r.dataPlane.publicKey()));
            siteOfKey.put(r.dataPlane.publicKey(), r.index);
        }
        Map<Long, Double> wgCpuBefore = new HashMap<>();
        for (long pid : wireGuardPids(runs)) {
            wgCpuBefore.put(pid, ProcFs.cpuSeconds(pid));
        }
        long arpFullsBefore = ProcFs.arpTableFulls();
        double jvmCpuBefore = ProcFs.cpuSeconds(ProcessHandle.current().pid());
        ProcFs.CpuTicks ticksBefore = ProcFs.cpuTicks();
        String loadAtZero = ProcFs.loadAverage();

        // Time zero: every data plane sees the full site list from here on, and every site thread is released.
        siteList.set(List.copyOf(sites));
        Instant t0 = Instant.now();
        long t0Nanos = System.nanoTime();
        timeZero.set(t0);
        release.countDown();

        Handshakes hs = new Handshakes(n, siteOfKey);
        long deadline = t0Nanos + o.timeout().toNanos();
        long nextProgress = t0Nanos + TimeUnit.SECONDS.toNanos(5);
        boolean converged = false;
        String atReconciled = "";
        while (true) {
            int reconciled = 0;
            for (SiteRun r : runs) {
                if (r.reconciledAt == null) {
                    r.dataPlane.inEffectSince(t0).ifPresent(at -> r.reconciledAt = at);
                }
                reconciled += r.reconciledAt == null ? 0 : 1;
                for (int c = 0; c < COLOURS.size(); c++) {
                    if (hs.pendingAt(r.index, c) > 0) {
                        Optional<DeviceState> d = r.dataPlane.wireGuard().read(TunnelPlan.interfaceName(COLOURS.get(c)));
                        if (d.isPresent()) {
                            hs.record(r.index, c, d.get(), t0);
                        }
                    }
                }
            }
            long now = System.nanoTime();
            if (reconciled == n && atReconciled.isEmpty()) {
                atReconciled = String.format(Locale.ROOT, "until seen reconciled everywhere (%.1f s): machine %.0f%% busy;"
                        + " JVM %.1f CPU-s, wireguard-go %.1f CPU-s", (now - t0Nanos) / 1e9, 100 * ProcFs.cpuTicks().busySince(ticksBefore),
                        ProcFs.cpuSeconds(ProcessHandle.current().pid()) - jvmCpuBefore, wireGuardCpu(runs, wgCpuBefore));
            }
            if (reconciled == n && hs.pending() == 0) {
                converged = true;
                break;
            }
            if (now > deadline) {
                break;
            }
            if (now > nextProgress) {
                System.out.printf(Locale.ROOT, "  t=%5.1f s: %d/%d sites reconciled, %d/%d tunnel ends handshaken, load %s%n",
                        (now - t0Nanos) / 1e9, reconciled, n, hs.total() - hs.pending(), hs.total(), ProcFs.loadAverage());
                nextProgress = now + TimeUnit.SECONDS.toNanos(5);
            }
            Thread.sleep(o.pollMillis());
        }
        double observedSeconds = (System.nanoTime() - t0Nanos) / 1e9;
        ProcFs.CpuTicks ticksAfter = ProcFs.cpuTicks();
        double jvmCpu = ProcFs.cpuSeconds(ProcessHandle.current().pid()) - jvmCpuBefore;
        String loadAfter = ProcFs.loadAverage();

        // Results.
        System.out.printf(Locale.ROOT, "%s after %.1f s (the runner saw it; the times below are the events' own)%n",
                converged ? "converged" : "NOT CONVERGED, gave up", observedSeconds);
        double[] reconcileCalls = runs.stream().filter(r -> r.firstCallNanos > 0).mapToDouble(r -> r.firstCallNanos / 1e9)
                .sorted().toArray();
        long failedFirst = runs.stream().filter(r -> r.firstFailure != null || r.firstAttemptFailed).count();
        double allReconciled = runs.stream().map(r -> r.reconciledAt).filter(a -> a != null)
                .mapToDouble(a -> seconds(t0, a)).max().orElse(Double.NaN);
        long notReconciled = runs.stream().filter(r -> r.reconciledAt == null).count();
        System.out.printf(Locale.ROOT, "first reconcile in effect at every site: %s (%d not)%n",
                notReconciled == 0 ? fmt(allReconciled) : "no", notReconciled);
        System.out.printf(Locale.ROOT, "  one site's first reconcile call: min %s, p50 %s, p95 %s, max %s; %d first attempts failed%n",
                fmt(pct(reconcileCalls, 0)), fmt(pct(reconcileCalls, 50)), fmt(pct(reconcileCalls, 95)),
                fmt(pct(reconcileCalls, 100)), failedFirst);
        runs.stream().filter(r -> r.firstFailure != null).limit(3)
                .forEach(r -> System.out.println("    site " + r.index + ": " + r.firstFailure));
        hs.print();
        if (!converged) {
            hs.printMissing(10);
        }
        System.out.printf(Locale.ROOT, "CPU from time zero (%d CPUs), %s; until seen converged (%.1f s): machine %.0f%% busy,"
                        + " JVM %.1f CPU-s, wireguard-go %.1f CPU-s; load %s -> %s%n",
                Runtime.getRuntime().availableProcessors(), atReconciled.isEmpty() ? "not reconciled everywhere" : atReconciled,
                observedSeconds, 100 * ticksAfter.busySince(ticksBefore), jvmCpu, wireGuardCpu(runs, wgCpuBefore), loadAtZero,
                loadAfter);
        long arpFulls = ProcFs.arpTableFulls() - arpFullsBefore;
        System.out.printf(Locale.ROOT, "ARP table full (machine-wide, during the run): %d times%s%n", arpFulls,
                arpFulls > 0 ? " -- sends failed for want of a neighbour entry; see HostLimits" : "");
        boolean placed = resources(runs);
        boolean traffic = converged && traffic(lab, n);
        return converged && placed && traffic ? 0 : 1;
    }

    /** Memory, processes and threads now, and whether every wireguard-go runs in its own site's namespace. */
    private static boolean resources(List<SiteRun> runs) {
        int count = 0;
        int misplaced = 0;
        long rss = 0;
        long pss = 0;
        long maxRss = 0;
        int threads = 0;
        for (SiteRun r : runs) {
            for (String c : COLOURS) {
                Optional<Long> pid = r.wireGuard.pid(TunnelPlan.interfaceName(c));
                if (pid.isEmpty()) {
                    continue;
                }
                OptionalLong ns = NetworkNamespaces.ofProcess(pid.get());
                boolean isWg = ProcFs.command(pid.get()).map("wireguard-go"::equals).orElse(false);
                if (!isWg || ns.isEmpty() || ns.getAsLong() != r.nsInode) {
                    misplaced++;
                    System.out.printf("  MISPLACED: site %d %s pid %d is %s in namespace %s, expected wireguard-go in %d%n",
                            r.index, c, pid.get(), ProcFs.command(pid.get()).orElse("gone"), ns, r.nsInode);
                }
                Optional<ProcFs.Usage> u = ProcFs.usage(pid.get());
                if (u.isPresent()) {
                    count++;
                    rss += u.get().rssKib();
                    pss += u.get().pssKib();
                    maxRss = Math.max(maxRss, u.get().rssKib());
                    threads += u.get().threads();
                }
            }
        }
        ProcFs.Usage jvm = ProcFs.usage(ProcessHandle.current().pid()).orElseThrow();
        System.out.printf(Locale.ROOT, "processes: %d wireguard-go (expected %d), %d in another namespace than their site's; "
                + "%d wireguard-go threads; 1 JVM with %d threads%n", count, 2 * runs.size(), misplaced, threads, jvm.threads());
        System.out.printf(Locale.ROOT, "memory: JVM RSS %.0f MiB (PSS %.0f MiB, heap used %.0f MiB); wireguard-go RSS %.0f MiB"
                        + " in all (%.1f MiB each on average, max %.1f MiB), PSS %.0f MiB in all%n",
                jvm.rssKib() / 1024.0, jvm.pssKib() / 1024.0,
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0,
                rss / 1024.0, count == 0 ? 0 : rss / 1024.0 / count, maxRss / 1024.0, pss / 1024.0);
        return misplaced == 0 && count == 2 * runs.size();
    }

    /** One ping each way between the LAN hosts of the first and the last site: traffic crosses the mesh. */
    private static boolean traffic(Lab lab, int n) {
        boolean ok = true;
        for (int[] pair : new int[][] {{1, n}, {n, 1}}) {
            Lab.Result last = null;
            for (int attempt = 0; attempt < 3 && (last == null || last.exitCode() != 0); attempt++) {
                last = lab.exec(pair[0] + "-lan", "ping", "-c", "1", "-W", "2", "100.64." + pair[1] + ".10");
            }
            System.out.printf("traffic: LAN host of site %d -> LAN host of site %d: %s%n", pair[0], pair[1],
                    last.exitCode() == 0 ? "ping answered" : "NO ANSWER: " + last.output().strip());
            ok &= last.exitCode() == 0;
        }
        return ok;
    }

    private static Site site(int i, String publicKey) {
        Map<String, Endpoint> endpoints = new HashMap<>();
        for (int c = 0; c < COLOURS.size(); c++) {
            endpoints.put(COLOURS.get(c), new Endpoint(COLOUR_NET.get(COLOURS.get(c)) + i, TunnelPlan.BASE_PORT + c));
        }
        return new Site("s" + i, "Lab site " + i, "", publicKey, endpoints, List.of(IpPrefix.parse("100.64." + i + ".0/24")),
                SiteStatus.ACTIVE, Instant.EPOCH);
    }

    private static List<Long> wireGuardPids(List<SiteRun> runs) {
        List<Long> out = new ArrayList<>();
        for (SiteRun r : runs) {
            if (r.wireGuard != null) {
                for (String c : COLOURS) {
                    r.wireGuard.pid(TunnelPlan.interfaceName(c)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** CPU time of the sites' wireguard-go processes since the snapshot (processes started after it count in full). */
    private static double wireGuardCpu(List<SiteRun> runs, Map<Long, Double> before) {
        double sum = 0;
        for (long pid : wireGuardPids(runs)) {
            sum += ProcFs.cpuSeconds(pid) - before.getOrDefault(pid, 0.0);
        }
        return sum;
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /** Nearest-rank percentile of sorted values; NaN when there are none. */
    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String fmt(double seconds) {
        return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.2f s", seconds);
    }

    /**
     * One site: its namespace, state directory, and the data plane its own thread builds and reconciles inside that
     * namespace. Fields written by the site thread are volatile: the runner's thread reads them.
     */
    private static final class SiteRun {
        final int index;
        final String namespace;
        final Path nsFile;
        final long nsInode;
        final Path dataDir;
        volatile NetlinkHostNetwork host;
        volatile UserspaceWireGuard wireGuard;
        volatile DataPlane dataPlane;
        volatile Throwable setupFailure;
        volatile RuntimeException firstFailure;
        volatile boolean firstAttemptFailed;
        volatile long firstCallNanos;
        volatile Instant reconciledAt;
        volatile Thread thread;

        SiteRun(int index, String namespace, Path dataDir) {
            this.index = index;
            this.namespace = namespace;
            this.nsFile = Path.of("/run/netns", namespace);
            this.nsInode = NetworkNamespaces.inode(nsFile);
            this.dataDir = dataDir;
        }

        void start(ApplianceConfig base, boolean warm, AtomicReference<List<Site>> sites, AtomicReference<Instant> timeZero,
                   CountDownLatch ready, CountDownLatch release) {
            thread = Thread.ofPlatform().name("site-" + index).daemon().start(() -> {
                try {
                    NetworkNamespaces.enter(nsFile);
                    host = new NetlinkHostNetwork(RouteNetlink.open());
                    wireGuard = new UserspaceWireGuard(dataDir.resolve("wireguard"), Optional.empty());
                    List<Link> links = List.of(new Link("fiber", "wan-fiber", "fiber", 10, 100_000),
                            new Link("lte", "wan-lte", "lte", 20, 100_000));
                    ApplianceConfig config = new ApplianceConfig(new ApplianceConfig.SiteIdentity("s" + index, "Lab site " + index, ""),
                            base.api(), dataDir, base.dataPlane(), base.wal(), base.history(), base.failover(), base.federation(),
                            links, base.slaClasses());
                    dataPlane = DataPlane.start(config, new DataPlane.Choice(wireGuard, host, "lab-mesh benchmark: wireguard-go in "
                            + namespace), sites::get, Clock.systemUTC());
                    if (warm) {
                        dataPlane.startReconciling();
                        if (dataPlane.inEffectSince(Instant.EPOCH).isEmpty()) {
                            throw new IllegalStateException("the warm-up reconcile (empty site list) failed; see the warning above");
                        }
                    }
                } catch (Throwable t) {
                    setupFailure = t;
                    ready.countDown();
                    return;
                }
                ready.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    return;
                }
                long start = System.nanoTime();
                try {
                    if (warm) {
                        dataPlane.reconcile();
                    } else {
                        // The appliance's start: the first reconcile, on this thread, then the periodic one on a
                        // thread this one starts (so in this namespace too).
                        dataPlane.startReconciling();
                    }
                } catch (RuntimeException e) {
                    firstFailure = e;
                }
                firstCallNanos = System.nanoTime() - start;
                // A failed first reconcile is retried by the periodic one, 10 s later, as on an appliance.
                firstAttemptFailed = dataPlane.inEffectSince(timeZero.get()).isEmpty();
            });
        }
    }

    /**
     * The handshake state of every tunnel end: for each site, colour and remote site, the device's own timestamp of
     * the first completed handshake seen, in seconds after time zero.
     */
    private static final class Handshakes {
        private final int n;
        private final Map<String, Integer> siteOfKey;
        /** [colour][site][remote], NaN until seen. */
        private final double[][][] at;
        private final int[][] pending;
        private int pendingTotal;

        Handshakes(int n, Map<String, Integer> siteOfKey) {
            this.n = n;
            this.siteOfKey = siteOfKey;
            this.at = new double[COLOURS.size()][n + 1][n + 1];
            this.pending = new int[n + 1][COLOURS.size()];
            for (double[][] c : at) {
                for (double[] s : c) {
                    Arrays.fill(s, Double.NaN);
                }
            }
            for (int s = 1; s <= n; s++) {
                Arrays.fill(pending[s], n - 1);
            }
            pendingTotal = COLOURS.size() * n * (n - 1);
        }

        int pendingAt(int site, int colour) {
            return pending[site][colour];
        }

        int pending() {
            return pendingTotal;
        }

        int total() {
            return COLOURS.size() * n * (n - 1);
        }

        void record(int site, int colour, DeviceState device, Instant t0) {
            for (PeerState p : device.peers()) {
                Integer remote = siteOfKey.get(p.publicKey());
                if (remote != null && remote != site && p.lastHandshake().isPresent() && Double.isNaN(at[colour][site][remote])) {
                    at[colour][site][remote] = seconds(t0, p.lastHandshake().get());
                    pending[site][colour]--;
                    pendingTotal--;
                }
            }
        }

        /** Every end's time, or of one colour ({@code colour} >= 0), sorted; ends not seen are left out. */
        private double[] ends(int colour) {
            List<Double> out = new ArrayList<>();
            for (int c = 0; c < COLOURS.size(); c++) {
                if (colour >= 0 && c != colour) {
                    continue;
                }
                for (int s = 1; s <= n; s++) {
                    for (int r = 1; r <= n; r++) {
                        if (s != r && !Double.isNaN(at[c][s][r])) {
                            out.add(at[c][s][r]);
                        }
                    }
                }
            }
            return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        }

        /**
         * When every pair of sites had both ends of a tunnel handshaken: on colour {@code colour}, or on whichever colour
         * got there first ({@code -1}); NaN if some pair never did.
         */
        private double allPairs(int colour) {
            double worst = 0;
            for (int s = 1; s <= n; s++) {
                for (int r = s + 1; r <= n; r++) {
                    double best = Double.POSITIVE_INFINITY;
                    for (int c = 0; c < COLOURS.size(); c++) {
                        double a = at[c][s][r];
                        double b = at[c][r][s];
                        if ((colour < 0 || c == colour) && !Double.isNaN(a) && !Double.isNaN(b)) {
                            best = Math.min(best, Math.max(a, b));
                        }
                    }
                    if (Double.isInfinite(best)) {
                        return Double.NaN;
                    }
                    worst = Math.max(worst, best);
                }
            }
            return worst;
        }

        void print() {
            int perColour = n * (n - 1);
            print("every tunnel end, both colours", ends(-1), COLOURS.size() * perColour);
            for (int c = 0; c < COLOURS.size(); c++) {
                print("  " + COLOURS.get(c) + " ends", ends(c), perColour);
            }
            List<String> pairs = new ArrayList<>();
            for (int c = 0; c < COLOURS.size(); c++) {
                pairs.add(COLOURS.get(c) + " " + fmt(allPairs(c)));
            }
            System.out.printf(Locale.ROOT,
                    "  every one of the %d site pairs with both ends handshaken: on at least one colour %s; %s%n",
                    n * (n - 1) / 2, fmt(allPairs(-1)), String.join(", ", pairs));
            double[] all = ends(-1);
            // An initiation that found no answer is sent again only after REKEY_TIMEOUT (5 s): ends later than that
            // needed a second handshake attempt.
            long retried = Arrays.stream(all).filter(x -> x >= 5).count();
            int latePairs = 0;
            int bothLate = 0;
            for (int c = 0; c < COLOURS.size(); c++) {
                for (int s = 1; s <= n; s++) {
                    for (int r = s + 1; r <= n; r++) {
                        boolean a = !(at[c][s][r] < 5);
                        boolean b = !(at[c][r][s] < 5);
                        latePairs += a || b ? 1 : 0;
                        bothLate += a && b ? 1 : 0;
                    }
                }
            }
            // Both ends late: neither side completed its first handshake. Two initiations that cross (each side
            // sends before it has seen the other's) leave both sides as responders waiting for a confirmation that
            // never comes, until one of them retries.
            System.out.printf(Locale.ROOT, "  %d of %d ends completed 5 s or more after time zero (REKEY_TIMEOUT: an unanswered"
                    + " initiation is retried after 5 s): %d tunnels, %d of them late at both ends%n", retried, all.length,
                    latePairs, bothLate);
            List<String> last = new ArrayList<>();
            for (int c = 0; c < COLOURS.size(); c++) {
                for (int s = 1; s <= n; s++) {
                    for (int r = s + 1; r <= n; r++) {
                        double t = Math.max(at[c][s][r], at[c][r][s]);
                        if (!Double.isNaN(t)) {
                            last.add(String.format(Locale.ROOT, "%09.3f %s s%d-s%d (%.2f s / %.2f s)", t, COLOURS.get(c), s, r,
                                    at[c][s][r], at[c][r][s]));
                        }
                    }
                }
            }
            last.sort(Comparator.reverseOrder());
            System.out.println("  last tunnels to complete (colour, sites, each end): "
                    + String.join(", ", last.stream().limit(5).map(x -> x.substring(x.indexOf(' ') + 1)).toList()));
            if (all.length > 0 && all[0] < 0) {
                System.out.printf(Locale.ROOT, "  (%d handshake timestamps before time zero: clock skew of %.3f s)%n",
                        Arrays.stream(all).filter(x -> x < 0).count(), all[0]);
            }
        }

        private static void print(String what, double[] ends, int expected) {
            System.out.printf(Locale.ROOT, "handshakes, %s: %d/%d; 50%% %s, 90%% %s, 99%% %s, all %s%n", what, ends.length, expected,
                    fmt(pct(ends, 50)), fmt(pct(ends, 90)), fmt(pct(ends, 99)),
                    ends.length == expected ? fmt(pct(ends, 100)) : "not reached");
        }

        void printMissing(int limit) {
            List<String> missing = new ArrayList<>();
            Set<Integer> sites = new LinkedHashSet<>();
            for (int c = 0; c < COLOURS.size(); c++) {
                for (int s = 1; s <= n; s++) {
                    for (int r = 1; r <= n; r++) {
                        if (s != r && Double.isNaN(at[c][s][r])) {
                            sites.add(s);
                            if (missing.size() < limit) {
                                missing.add("s" + s + " " + COLOURS.get(c) + " -> s" + r);
                            }
                        }
                    }
                }
            }
            System.out.printf("  missing: %d ends at %d sites, e.g. %s%n", pendingTotal, sites.size(), missing);
        }
    }

    /**
     * Leaves nothing behind, once, from the {@code finally} or the shutdown hook: supervision stopped first (so that no
     * supervisor restarts a killed wireguard-go), then every wireguard-go of the data planes or in one of the lab's
     * namespaces killed, then the lab and the state directory removed.
     */
    private static final class Cleanup {
        private final Lab lab;
        private final Path root;
        private final List<SiteRun> runs;
        private final HostLimits limits;
        private boolean done;

        Cleanup(Lab lab, Path root, List<SiteRun> runs, HostLimits limits) {
            this.lab = lab;
            this.root = root;
            this.runs = runs;
            this.limits = limits;
        }

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            Set<Long> inodes = new HashSet<>();
            for (SiteRun r : runs) {
                inodes.add(r.nsInode);
                try {
                    if (r.dataPlane != null) {
                        r.dataPlane.close(); // no more periodic reconciles; supervisors detached
                    } else if (r.wireGuard != null) {
                        r.wireGuard.close();
                    }
                    if (r.host != null) {
                        r.host.close();
                    }
                } catch (RuntimeException e) {
                    System.out.println("cleanup: closing site " + r.index + ": " + e);
                }
                if (r.thread != null) {
                    r.thread.interrupt(); // a site thread still waiting for time zero ends
                }
            }
            int killed = killIn(inodes);
            try {
                lab.close();
            } catch (RuntimeException e) {
                System.out.println("cleanup: removing the lab: " + e);
            }
            // A reconcile that was running (a site's first, or a periodic one that had started before close) may
            // still start a wireguard-go, in a namespace that outlives its name as long as the thread is in it: wait
            // for those threads to end, then look again.
            awaitThreads(Duration.ofSeconds(30));
            killed += killIn(inodes);
            wireGuardGoOutput(root);
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.out.println("cleanup: removing " + root + ": " + e);
            }
            limits.restore();
            List<Long> left = processesIn(inodes);
            boolean labGone = Files.notExists(Path.of("/run/netns", lab.namespace(1)));
            System.out.printf("cleanup: %d processes killed in the lab's namespaces, lab %s %s, %s%n", killed, lab.name(),
                    labGone ? "removed" : "STILL THERE", left.isEmpty() ? "nothing left running in them" : "STILL RUNNING: " + left);
        }

        /** Kills every process in one of the namespaces (wireguard-go, or a launch of one in progress); how many. */
        private static int killIn(Set<Long> inodes) {
            List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
            for (long pid : processesIn(inodes)) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroyForcibly();
                    exits.add(h.onExit());
                });
            }
            try {
                CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.out.println("cleanup: waiting for the lab's processes to exit: " + e);
            }
            return exits.size();
        }

        /** Waits, up to {@code limit}, for the site threads and the data planes' reconcile and supervisor threads. */
        private void awaitThreads(Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            List<Thread> threads = new ArrayList<>();
            runs.stream().map(r -> r.thread).filter(t -> t != null).forEach(threads::add);
            Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tunnel-reconciler") || t.getName().startsWith("wireguard-go-"))
                    .forEach(threads::add);
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    t.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            long alive = threads.stream().filter(Thread::isAlive).count();
            if (alive > 0) {
                System.out.println("cleanup: " + alive + " site or reconcile threads still running after " + limit.toSeconds() + " s");
            }
        }

        /**
         * What the sites' wireguard-go processes wrote (their logs, errors only, go with the state directory): each
         * distinct line once, with how many logs have it.
         */
        private static void wireGuardGoOutput(Path root) {
            Map<String, Integer> lines = new java.util.TreeMap<>();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                    for (String line : new LinkedHashSet<>(Files.readAllLines(f))) {
                        lines.merge(line.replaceAll("[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:.]+ ", "").strip(), 1, Integer::sum);
                    }
                }
            } catch (IOException | RuntimeException e) {
                System.out.println("cleanup: reading the wireguard-go logs: " + e);
            }
            lines.remove("");
            // wireguard-go's banner (a box saying the kernel has WireGuard), in every log: not worth repeating.
            lines.keySet().removeIf(l -> l.startsWith("\u2502") || l.startsWith("\u250c") || l.startsWith("\u2514"));
            if (!lines.isEmpty()) {
                System.out.println("wireguard-go output (lines, with the number of logs that have them):");
                lines.entrySet().stream().limit(20).forEach(e -> System.out.printf("  %4d x %s%n", e.getValue(), e.getKey()));
            }
        }

        /** Every process in one of the lab's namespaces (found by inode, also after the namespace's name is gone). */
        private static List<Long> processesIn(Set<Long> inodes) {
            long self = ProcessHandle.current().pid();
            return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(p -> p != self)
                    .filter(p -> NetworkNamespaces.ofProcess(p).stream().anyMatch(inodes::contains)).toList();
        }
    }
}
