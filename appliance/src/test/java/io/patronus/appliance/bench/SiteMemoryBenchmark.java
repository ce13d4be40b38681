package io.patronus.appliance.bench;

import io.patronus.appliance.probe.ProbeReflector;
import io.patronus.appliance.probe.ProbeTarget;
import io.patronus.appliance.probe.Prober;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;

import com.sun.management.GcInfo;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Memory per remote site: the Java heap an appliance holds for each site it meshes with, at 1,000 sites (the
 * runbook's limit is 1 MB per site, our goal 20 KB). Two parts, each the live heap (after full collections) with the
 * sites against the same process without them:
 * <ol>
 * <li><b>appliance</b>: a real appliance ({@link RunningAppliance}: store, API, path monitor with history, failover
 *     engine, classifier model, memory data plane) given the sites and one route policy in one configuration change,
 *     then left running until the monitor, the failover engine and the classifier have taken them in;</li>
 * <li><b>probing</b>: a {@link Prober} with two paths per site (two colours, 100 ms) against a reflector on
 *     loopback, run for 25 s so that every path's 20 s loss window and RTT window are full, which the memory data
 *     plane of part 1 does not have.</li>
 * </ol>
 * The sum is the heap per site. The store's files (MapDB, write-ahead log) are on disk, not on the heap, and are
 * reported apart. Run with a fixed heap, the serial collector and {@code -XX:MarkSweepDeadRatio=0}
 * ({@code scripts/bench-failover} does) so that the live size after {@code System.gc()} is exact: by default the serial
 * collector's full collection leaves up to 5% of the heap as dead objects it does not bother to compact away (filler
 * arrays in a class histogram). That dead space, and the garbage the running appliance allocated between the
 * collection and the reading (see {@link #liveHeap()}), made the appliance part vary between 6.0 and 8.6 KiB per site
 * from run to run, of which 4.6 were live. Not a unit test: the name keeps it out of surefire.
 *
 * <p>Arguments: {@code [sites, default 1000]}. With {@code -Dbench.histogram=N} each part also prints the N classes
 * whose live heap grew most with the sites (class histograms before and after), to see what a site costs.
 */
public final class SiteMemoryBenchmark {
    private static final int HISTOGRAM_TOP = Integer.getInteger("bench.histogram", 0);

    private SiteMemoryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        if (n < 1 || n > 20_000) {
            throw new IllegalArgumentException("usage: SiteMemoryBenchmark [sites 1-20000]");
        }
        System.out.printf(Locale.ROOT, "site memory: %d sites, heap max %d MiB, collector %s%n", n,
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList());
        long appliancePerSite = appliancePart(n);
        long probingPerSite = probingPart(n);
        System.out.printf(Locale.ROOT, "heap per site: %d B appliance + %d B probing = %.1f KiB (runbook < 1 MB, goal < 20 KB)%n",
                appliancePerSite, probingPerSite, (appliancePerSite + probingPerSite) / 1024.0);
    }

    private static long appliancePart(int n) throws Exception {
        Path dir = Files.createTempDirectory("patronus-site-memory-");
        try (RunningAppliance running = RunningAppliance.start(dir.resolve("data"))) {
            var a = running.appliance();
            Thread.sleep(3_000);
            Map<String, long[]> histogramBefore = histogram(); // first, so that it is live in both measurements
            long before = liveHeap();
            long filesBefore = size(dir);
            List<Site> sites = new ArrayList<>(n);
            String key = Fixtures.randomKey();
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                sites.add(new Site("site-" + i, "Site " + i, "", key, Map.of("fiber", Endpoint.parse("192.0.2." + (1 + i % 250)
                        + ":51820"), "lte", Endpoint.parse("198.51.100." + (1 + i % 250) + ":51820")),
                        List.of(IpPrefix.parse("100." + (64 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + "/32")),
                        SiteStatus.ACTIVE, now));
            }
            List<Policy> policies = List.of(new Policy("voice", "voice", 10, PolicyMatch.any(),
                    new PolicyAction.Route("lte", "fiber", 70)));
            a.store().replaceConfig(sites, policies, "bench");
            // The monitor measures emulated paths every 5 s and failover ticks every 200 ms: let both see every site.
            Instant end = Instant.now().plusSeconds(60);
            while (a.monitor().paths().size() < n * 2 || a.failover().engine().choices().size() < n * 2) {
                if (Instant.now().isAfter(end)) {
                    throw new IllegalStateException("the appliance did not take the sites in: paths " + a.monitor().paths().size()
                            + ", failover targets " + a.failover().engine().choices().size());
                }
                Thread.sleep(200);
            }
            Thread.sleep(11_000);
            long after = liveHeap();
            long filesAfter = size(dir);
            printGrowth("appliance", histogramBefore, histogram(), n);
            System.out.printf(Locale.ROOT, "appliance: %d paths, %d failover targets; live heap %.1f -> %.1f MiB (+%d B per site);"
                            + " store files %.1f -> %.1f MiB on disk%n", a.monitor().paths().size(),
                    a.failover().engine().choices().size(), before / 1048576.0, after / 1048576.0, (after - before) / n,
                    filesBefore / 1048576.0, filesAfter / 1048576.0);
            return (after - before) / n;
        } finally {
            delete(dir);
        }
    }

    private static long probingPart(int n) throws Exception {
        SlaClass sla = new SlaClass("default", 150, 2, 30);
        try (ProbeReflector reflector = ProbeReflector.builder().listen(new InetSocketAddress("127.0.0.1", 0)).start();
             Prober prober = Prober.builder().build()) {
            prober.start();
            Thread.sleep(2_000);
            Map<String, long[]> histogramBefore = histogram();
            long before = liveHeap();
            List<ProbeTarget> targets = new ArrayList<>(n * 2);
            for (int i = 0; i < n; i++) {
                for (String colour : List.of("fiber", "lte")) {
                    targets.add(new ProbeTarget(colour + ":site-" + i, colour, new InetSocketAddress("127.0.0.1", 0),
                            reflector.localAddress(), 0, Duration.ofMillis(100), sla));
                }
            }
            prober.setTargets(targets);
            Thread.sleep(25_000);
            long after = liveHeap();
            printGrowth("probing", histogramBefore, histogram(), n);
            System.out.printf(Locale.ROOT, "probing: %d paths at 100 ms for 25 s (%d probes sent); live heap %.1f -> %.1f MiB"
                    + " (+%d B per site)%n", targets.size(), prober.stats().sent(), before / 1048576.0, after / 1048576.0,
                    (after - before) / n);
            return (after - before) / n;
        }
    }

    /**
     * The heap in use just after full collections, once two in a row agree within 64 KiB. Read from the collection's
     * own report ({@code GcInfo.getMemoryUsageAfterGc}), not from the heap's usage a moment later: a running appliance
     * allocates megabytes per second with 1,000 sites (the failover pass every 200 ms), and counting that garbage
     * made the appliance part vary between runs.
     */
    private static long liveHeap() throws InterruptedException {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = usedAfterLastFullGc();
            if (Math.abs(used - last) < 64 * 1024) {
                return used;
            }
            last = used;
            Thread.sleep(200);
        }
        return last;
    }

    private static long usedAfterLastFullGc() {
        Set<String> heapPools = new HashSet<>();
        ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .forEach(p -> heapPools.add(p.getName()));
        GcInfo latest = null;
        for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof com.sun.management.GarbageCollectorMXBean gc && gc.getLastGcInfo() != null
                    && gc.getLastGcInfo().getMemoryUsageAfterGc().keySet().containsAll(heapPools)
                    && (latest == null || gc.getLastGcInfo().getEndTime() > latest.getEndTime())) {
                latest = gc.getLastGcInfo();
            }
        }
        if (latest == null) {
            throw new IllegalStateException("no collector reports the heap after its last collection: run with -XX:+UseSerialGC");
        }
        return latest.getMemoryUsageAfterGc().entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
    }

    /** Class name to {instances, bytes} of the live heap (the JVM's GC.class_histogram), or empty when not asked for. */
    private static Map<String, long[]> histogram() throws Exception {
        Map<String, long[]> classes = new HashMap<>();
        if (HISTOGRAM_TOP <= 0) {
            return classes;
        }
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return classes;
    }

    private static void printGrowth(String part, Map<String, long[]> before, Map<String, long[]> after, int n) {
        if (HISTOGRAM_TOP <= 0) {
            return;
        }
        long[] none = {0, 0};
        long total = after.values().stream().mapToLong(v -> v[1]).sum() - before.values().stream().mapToLong(v -> v[1]).sum();
        System.out.printf(Locale.ROOT, "  %s growth: %.1f B per site in all classes; the %d that grew most:%n", part,
                total / (double) n, HISTOGRAM_TOP);
        after.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> -(e.getValue()[1] - before.getOrDefault(e.getKey(), none)[1])))
                .limit(HISTOGRAM_TOP)
                .forEach(e -> {
                    long[] b = before.getOrDefault(e.getKey(), none);
                    System.out.printf(Locale.ROOT, "  %s growth: %8.1f instances, %7.1f B per site  %s%n", part,
                            (e.getValue()[0] - b[0]) / (double) n, (e.getValue()[1] - b[1]) / (double) n, e.getKey());
                });
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> w = Files.walk(dir)) {
            return w.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
