package io.patronus.appliance.bench;

import io.patronus.appliance.dataplane.NetlinkHostNetwork;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.appliance.tunnel.TunnelReconciler;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark runner (not a test): one appliance's share of a mesh of N sites (default 1,000): from the site list to
 * both colours' wireguard-go devices holding N-1 peers each, 2(N-1) routes in the colour tables and the rules, through
 * the real reconciler, UAPI and rtnetlink, in a network namespace it creates and removes. Prints the time of the first
 * reconcile, of an unchanged second one, and of adding one more site. Usage: {@code scripts/bench-wg mesh [sites]
 * [main-table routes]}: with the second argument the namespace's main table also holds that many routes first.
 */
public final class MeshConvergenceBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int mainRoutes = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        String ns = "pmesh" + ProcessHandle.current().pid();
        Path dir = Files.createTempDirectory("patronus-bench-mesh");
        new ProcessBuilder("ip", "netns", "add", ns).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        if (mainRoutes > 0) {
            // A host that also carries a large routing table of its own (a BGP feed, say) in main: every reconcile
            // lists the colour tables, and must not pay for main. Blackhole routes need no interface.
            Path batch = dir.resolve("main-routes.batch");
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < mainRoutes; i++) {
                b.append("route add blackhole 10.").append(i >> 16 & 0xff).append('.').append(i >> 8 & 0xff).append('.')
                        .append(i & 0xff).append("/32\n");
            }
            Files.writeString(batch, b);
            Commands.run("ip", "-n", ns, "-batch", batch.toString());
            System.out.printf("main table: %,d extra routes%n", mainRoutes);
        }
        UserspaceWireGuard wg = new UserspaceWireGuard(dir, Optional.of(ns));
        try (RouteNetlink rtnl = RouteNetlink.open(Optional.of(Path.of("/var/run/netns", ns)))) {
            List<Link> links = List.of(new Link("fiber", "wan-fiber", "fiber", 10, 1_000_000), new Link("lte", "wan-lte", "lte", 20, 50_000));
            List<Site> sites = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                sites.add(site(i));
            }
            List<Site> current = new ArrayList<>(sites);
            TunnelReconciler r = new TunnelReconciler(wg, new NetlinkHostNetwork(rtnl), WgKeyPair.generate(),
                    () -> TunnelPlan.of("s1", links, current, "fiber"));
            long t0 = System.nanoTime();
            TunnelReconciler.Report first = r.reconcile();
            double firstMs = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            TunnelReconciler.Report second = r.reconcile();
            double secondMs = (System.nanoTime() - t1) / 1e6;
            current.add(site(n + 1));
            long t2 = System.nanoTime();
            TunnelReconciler.Report third = r.reconcile();
            double addMs = (System.nanoTime() - t2) / 1e6;
            System.out.printf("sites=%d (one appliance's share: %d peers per colour, 2 colours)%n", n, n - 1);
            System.out.printf("first reconcile   %.0f ms  %s%n", firstMs, first);
            System.out.printf("unchanged again   %.0f ms  %s%n", secondMs, second);
            System.out.printf("one site added    %.0f ms  %s%n", addMs, third);
            if (second.changes() != 0) {
                throw new IllegalStateException("second reconcile was not a no-op: " + second);
            }
        } finally {
            for (String i : wg.interfaces()) {
                wg.deleteInterface(i);
            }
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Site site(int i) {
        return new Site("s" + i, "Site " + i, "", WgKeyPair.generate().publicBase64(),
                Map.of("fiber", new Endpoint("192.0.2." + (1 + i % 250), 51820), "lte", new Endpoint("198.51.100." + (1 + i % 250), 51821)),
                List.of(IpPrefix.parse("100." + (64 + i / 256) + "." + (i % 256) + ".0/24")), SiteStatus.ACTIVE, Instant.EPOCH);
    }
}
