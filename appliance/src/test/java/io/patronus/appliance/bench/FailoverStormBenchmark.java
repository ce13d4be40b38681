package io.patronus.appliance.bench;

import io.patronus.appliance.bpf.AttachMode;
import io.patronus.appliance.classify.ClassifierRules;
import io.patronus.appliance.classify.PolicyClassifier;
import io.patronus.appliance.classify.SlotAssignments;
import io.patronus.appliance.events.EventJournal;
import io.patronus.appliance.failover.Decision;
import io.patronus.appliance.failover.FailoverEngine;
import io.patronus.appliance.failover.FailoverService;
import io.patronus.appliance.failover.Overrides;
import io.patronus.appliance.failover.PathHealth;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.bpf.Bpffs;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.PathStatus;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.wal.WalOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A failover storm: 100 paths fail at once (the fiber paths to 100 of 1,000 sites), and every steering entry they
 * carry (each site's default traffic and its voice policy: 200 entries) must be reprogrammed in the kernel's eBPF
 * steering map. Production parts throughout: {@link FailoverEngine} over 2,000 paths, {@link PolicyClassifier}
 * loaded and attached (tcx) to a veth pair that this runner creates for the run (no address, no route: no packet
 * goes anywhere) and deletes at the end, writing the real map in one batch.
 *
 * <p>Two timings per storm, from the moment the path states changed: <b>steered</b>, when the engine has decided and
 * the batch is in the kernel map (what the failover thread does before anything else), and <b>journalled</b>, the
 * whole {@link FailoverService#evaluateNow()}, which then also appends every decision with its evidence to the
 * write-ahead log (durable, on a real store in a temporary directory) — run on separate storms. Storms alternate
 * failing and recovering (failback hold 0, so recovery reprograms the 200 entries back). Not a unit test: the name
 * keeps it out of surefire; {@code scripts/bench-failover} runs it. Needs root (bpf, tcx, veth).
 *
 * <p>Arguments: {@code [storms per kind, default 200] [sites, default 1000] [failing, default 100]}.
 */
public final class FailoverStormBenchmark {
    private static final List<Link> LINKS = List.of(new Link("fiber", "eth0", "fiber", 10, 1000),
            new Link("lte", "wwan0", "lte", 20, 100));

    private FailoverStormBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int storms = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int siteCount = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int failing = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        if (storms < 1 || storms > 100_000 || siteCount < 1 || siteCount > 30_000 || failing < 1 || failing > siteCount) {
            throw new IllegalArgumentException("usage: FailoverStormBenchmark [storms 1-100000] [sites 1-30000] [failing <= sites]");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("FailoverStormBenchmark needs root (bpf, tcx, a veth pair)");
        }
        String id = HexFormat.of().toHexDigits((short) new Random().nextInt());
        String lan = "pfs-" + id + "a";
        Path pinDir = Bpffs.DEFAULT.resolve("patronus-bench-" + id);
        Path data = Files.createTempDirectory("patronus-failover-storm-");
        Runnable cleanup = () -> cleanup(lan, pinDir, data);
        Thread hook = new Thread(cleanup, "cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try (RouteNetlink rt = RouteNetlink.open()) {
            rt.addVethPair(lan, "pfs-" + id + "b");
        }
        Bpffs.ensureMounted(pinDir);
        try {
            run(storms, siteCount, failing, lan, pinDir, data);
        } finally {
            cleanup.run();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private static void run(int storms, int siteCount, int failing, String lan, Path pinDir, Path data) {
        Instant start = Instant.now();
        List<Site> sites = new ArrayList<>(siteCount);
        Map<String, PathHealth> health = new ConcurrentHashMap<>();
        String key = Fixtures.randomKey();
        for (int i = 0; i < siteCount; i++) {
            String siteId = "site-" + i;
            sites.add(new Site(siteId, "Site " + i, "", key, Map.of("fiber", Endpoint.parse("192.0.2.1:51820"),
                    "lte", Endpoint.parse("198.51.100.1:51820")),
                    List.of(IpPrefix.parse("100." + (64 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + "/32")),
                    SiteStatus.ACTIVE, start));
            for (Link l : LINKS) {
                health.put(pathId(siteId, l.colour()), new PathHealth(PathStatus.UP, 95, start.minusSeconds(600), ""));
            }
        }
        List<Policy> policies = List.of(new Policy("voice", "voice", 10, PolicyMatch.any(),
                new PolicyAction.Route("fiber", "lte", 70)));
        ApplianceMetrics metrics = new ApplianceMetrics();
        try (StateStore store = StateStore.open(new StoreOptions(data, WalOptions.defaults(data.resolve("wal")), 100_000, true,
                Clock.systemUTC()));
             PolicyClassifier classifier = new PolicyClassifier("local", LINKS, () -> sites, () -> policies,
                     SlotAssignments.inMemory(), Optional.of(new PolicyClassifier.KernelSide(lan, pinDir, AttachMode.AUTO)),
                     Clock.systemUTC())) {
            classifier.refresh();
            if (!classifier.status().state().equals("attached")) {
                throw new IllegalStateException("the classifier did not attach: " + classifier.status());
            }
            FailoverEngine engine = new FailoverEngine("local", LINKS, () -> sites, () -> policies,
                    pid -> Optional.ofNullable(health.get(pid)), Duration.ZERO, Overrides.inMemory(), Clock.systemUTC());
            FailoverService service = new FailoverService(engine, classifier, new EventJournal(store, 100_000), metrics); // as many events as an appliance keeps
            int planned = service.evaluateNow().size();
            System.out.printf(Locale.ROOT, "failover storm: %d sites x %d colours = %d paths, 1 route policy (fiber, backup lte): "
                    + "%d targets planned; %d paths fail per storm; classifier %s%n", siteCount, LINKS.size(),
                    siteCount * LINKS.size(), planned, failing, classifier.status().detail());

            Random random = new Random(7);
            int warmup = Math.max(20, storms / 5);
            long[] steered = new long[storms];
            long[] journalled = new long[storms];
            for (int round = -warmup; round < storms; round++) {
                for (int kind = 0; kind < 2; kind++) {
                    List<String> hit = pick(sites, failing, random);
                    // Fail them, measured; then recover them the same way, also measured (a storm in each direction).
                    for (boolean down : new boolean[] {true, false}) {
                        Instant now = Instant.now();
                        for (String s : hit) {
                            health.put(pathId(s, "fiber"), down ? new PathHealth(PathStatus.DOWN, 0, now, "3 probes lost")
                                    : new PathHealth(PathStatus.UP, 95, now, ""));
                        }
                        long t0 = System.nanoTime();
                        int changed;
                        if (kind == 0) {
                            List<Decision> decisions = engine.evaluate();
                            List<PolicyClassifier.SteerChange> changes = new ArrayList<>(decisions.size());
                            for (Decision d : decisions) {
                                changes.add(new PolicyClassifier.SteerChange(d.target().policyId(), d.target().siteId(), d.to()));
                            }
                            changed = classifier.steer(changes);
                        } else {
                            changed = service.evaluateNow().size();
                        }
                        long dt = System.nanoTime() - t0;
                        if (changed != failing * 2) {
                            throw new IllegalStateException("expected " + failing * 2 + " steering changes, got " + changed);
                        }
                        if (round >= 0 && down) {
                            (kind == 0 ? steered : journalled)[round] = dt;
                        }
                    }
                }
            }
            // The kernel side agrees with what was decided: the published steering has every target on fiber again.
            ClassifierRules rules = classifier.rules();
            long onFiber = rules.steering().values().stream().filter(s -> s.colour().equals("fiber")).count();
            System.out.printf(Locale.ROOT, "steering entries at the end: %d, on fiber %d (all recovered)%n",
                    rules.steering().size(), onFiber);
            report("steered    (engine decides + one batch into the eBPF map)", steered);
            report("journalled (the failover thread's whole evaluation: + each decision durably in the WAL)", journalled);
            System.out.printf(Locale.ROOT, "per failing path, steered: p50 %.1f us; runbook goal < 100 ms per failover, ours < 10 ms for all %d%n",
                    percentile(steered, 50) / 1e3 / failing, failing);
        }
    }

    private static String pathId(String site, String colour) {
        return io.patronus.model.Path.id("local", site, colour);
    }

    private static List<String> pick(List<Site> sites, int n, Random random) {
        List<String> ids = new ArrayList<>(sites.stream().map(Site::id).toList());
        Collections.shuffle(ids, random);
        return ids.subList(0, n);
    }

    private static void report(String what, long[] nanos) {
        System.out.printf(Locale.ROOT, "%s: %d storms, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n", what, nanos.length,
                percentile(nanos, 50) / 1e6, percentile(nanos, 90) / 1e6, percentile(nanos, 99) / 1e6,
                Arrays.stream(nanos).max().orElse(0) / 1e6);
    }

    private static double percentile(long[] values, double p) {
        long[] s = values.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    private static void cleanup(String lan, Path pinDir, Path data) {
        try (RouteNetlink rt = RouteNetlink.open()) {
            rt.deleteLink(lan);
        } catch (RuntimeException e) {
            // already gone
        }
        for (Path dir : List.of(pinDir, data)) {
            if (!Files.exists(dir)) {
                continue;
            }
            try (Stream<Path> w = Files.walk(dir)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                System.err.println("cleanup of " + dir + " failed: " + e.getMessage());
            }
        }
    }
}
