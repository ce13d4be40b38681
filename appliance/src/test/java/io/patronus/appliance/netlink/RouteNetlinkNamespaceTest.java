package io.patronus.appliance.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patronus.appliance.dataplane.NetlinkHostNetwork;
import io.patronus.appliance.netlink.genl.FamilyNotFoundException;
import io.patronus.appliance.netlink.genl.GenericNetlink;
import io.patronus.appliance.netlink.route.InterfaceAddress;
import io.patronus.appliance.netlink.route.Link;
import io.patronus.appliance.netlink.route.Route;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.netlink.route.Rule;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.appliance.wg.KernelWireGuard;
import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * rtnetlink against the real kernel, inside a network namespace the test creates and always deletes; every result
 * read back with our code is cross-checked with {@code ip -j}. Only 100.64.0.0/10 and TEST-NET addresses are used,
 * and nothing is done in the host's own namespace.
 */
class RouteNetlinkNamespaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private String ns;
    private RouteNetlink rt;

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private JsonNode ipJson(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns, "-j"));
        cmd.addAll(List.of(args));
        return JSON.readTree(run(cmd.toArray(String[]::new)));
    }

    @BeforeEach
    void createNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")), "needs iproute2");
        ns = "patronus-nltest-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        run("ip", "netns", "add", ns);
        rt = RouteNetlink.open(Optional.of(nsFile()));
    }

    private Path nsFile() {
        return Path.of("/var/run/netns", ns);
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        try {
            if (rt != null) {
                rt.close();
            }
        } finally {
            if (ns != null) {
                run("ip", "netns", "del", ns);
            }
        }
    }

    @Test
    void vethMtuUpAddressRouteRule_readBackMatchesIpJson() throws Exception {
        String ourNamespace = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        rt.addVethPair("nlt0", "nlt1");
        rt.setMtu("nlt0", 1380);
        rt.setUp("nlt0", true);
        rt.setUp("nlt1", true);
        InetAddress local = InetAddress.ofLiteral("100.64.7.1");
        rt.addAddress("nlt0", local, 24);
        int index = rt.index("nlt0");
        Route device = Route.device(IpPrefix.parse("100.64.9.0/24"), 1000, index);
        Route via = Route.via(IpPrefix.parse("198.51.100.0/24"), 1000, InetAddress.ofLiteral("100.64.7.2"), OptionalInt.of(index));
        rt.addRoute(device);
        rt.addRoute(via);
        Rule rule = Rule.fwmark(1000, 0x100, 0xff00, 1000);
        rt.addRule(rule);

        assertEquals(ourNamespace, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString(),
                "the test thread never changes namespace");

        // Links, ours vs ip -d -j link.
        Link link = rt.link("nlt0").orElseThrow();
        assertEquals(index, link.index());
        assertEquals(1380, link.mtu());
        assertTrue(link.up());
        assertEquals(Optional.of("veth"), link.kind());
        JsonNode ipLink = ipJson("-d", "link", "show", "nlt0").get(0);
        assertEquals(ipLink.get("ifindex").asInt(), link.index());
        assertEquals(ipLink.get("mtu").asInt(), link.mtu());
        assertTrue(ipLink.get("flags").toString().contains("\"UP\""));
        assertEquals(ipLink.get("linkinfo").get("info_kind").asText(), link.kind().orElseThrow());
        assertEquals(Optional.of("loopback"), rt.link("lo").map(l -> "loopback"));

        // Addresses.
        assertTrue(rt.addresses().contains(new InterfaceAddress(index, local, 24)), rt.addresses().toString());
        JsonNode ipAddr = ipJson("addr", "show", "dev", "nlt0").get(0).get("addr_info");
        boolean found = false;
        for (JsonNode a : ipAddr) {
            found |= a.get("local").asText().equals("100.64.7.1") && a.get("prefixlen").asInt() == 24;
        }
        assertTrue(found, ipAddr.toString());

        // Routes in table 1000 (above 255, so only RTA_TABLE can carry it).
        List<Route> routes = rt.routes(1000);
        assertEquals(2, routes.size(), routes.toString());
        assertTrue(routes.stream().anyMatch(r -> r.destination().equals(device.destination()) && r.gateway().isEmpty()
                && r.outputInterface().equals(OptionalInt.of(index)) && r.table() == 1000), routes.toString());
        assertTrue(routes.stream().anyMatch(r -> r.destination().equals(via.destination()) && r.gateway().equals(via.gateway())),
                routes.toString());
        JsonNode ipRoutes = ipJson("route", "show", "table", "1000");
        assertEquals(2, ipRoutes.size(), ipRoutes.toString());
        for (JsonNode r : ipRoutes) {
            assertEquals("nlt0", r.get("dev").asText());
            assertTrue(List.of("100.64.9.0/24", "198.51.100.0/24").contains(r.get("dst").asText()), r.toString());
            if (r.get("dst").asText().equals("198.51.100.0/24")) {
                assertEquals("100.64.7.2", r.get("gateway").asText());
            }
        }

        // Rules.
        assertTrue(rt.rules().contains(rule), rt.rules().toString());
        boolean ruleFound = false;
        for (JsonNode r : ipJson("rule", "show")) {
            ruleFound |= r.get("priority").asInt() == 1000 && "0x100".equals(r.path("fwmark").asText())
                    && "0xff00".equals(r.path("fwmask").asText()) && "1000".equals(r.path("table").asText());
        }
        assertTrue(ruleFound);
        NetlinkException dup = assertThrows(NetlinkException.class, () -> rt.addRule(rule));
        assertEquals("EEXIST", dup.errnoName());

        // And everything goes away again.
        rt.deleteRule(rule);
        rt.deleteRoute(via);
        rt.deleteRoute(device);
        rt.deleteAddress("nlt0", local, 24);
        assertFalse(rt.rules().contains(rule));
        assertTrue(rt.routes(1000).isEmpty());
        assertEquals(0, ipJson("route", "show", "table", "1000").size());
        assertFalse(rt.addresses().contains(new InterfaceAddress(index, local, 24)));
        rt.setUp("nlt0", false);
        assertFalse(rt.link("nlt0").orElseThrow().up());
        rt.deleteLink("nlt0");
        assertTrue(rt.link("nlt0").isEmpty());
        assertTrue(rt.link("nlt1").isEmpty(), "deleting one end of a veth pair deletes both");
    }

    @Test
    void deleteLink_missing_namesOperationAndEnodev() {
        NetlinkException e = assertThrows(NetlinkException.class, () -> rt.deleteLink("nosuch0"));
        assertEquals(19, e.errno());
        assertEquals("ENODEV", e.errnoName());
        assertTrue(e.getMessage().contains("RTM_DELLINK"), e.getMessage());
        assertTrue(e.getMessage().contains("'nosuch0'"), e.getMessage());
        assertTrue(e.getMessage().contains("ENODEV"), e.getMessage());
    }

    @Test
    void addLink_wireguardWithoutModule_eopnotsuppWithKernelText() {
        assumeTrue(!Files.isDirectory(Path.of("/sys/module/wireguard")), "this kernel has WireGuard");
        NetlinkException e = assertThrows(NetlinkException.class, () -> rt.addLink("wgtest0", "wireguard"));
        assertEquals("EOPNOTSUPP", e.errnoName());
        assertEquals(Optional.of("Unknown device type"), e.kernelMessage(), e.getMessage());
        assertFalse(KernelWireGuard.available(Optional.of(nsFile())));
    }

    @Test
    void genericNetlink_resolvesNlctrlAndReportsMissingWireguardAsTyped() {
        try (GenericNetlink g = GenericNetlink.open(Optional.of(nsFile()))) {
            assertEquals(GenericNetlink.GENL_ID_CTRL, g.requireFamily("nlctrl").id());
            if (!Files.isDirectory(Path.of("/sys/module/wireguard"))) {
                FamilyNotFoundException e = assertThrows(FamilyNotFoundException.class, () -> g.requireFamily("wireguard"));
                assertEquals("wireguard", e.family());
                assertEquals(2, e.errno());
                assertTrue(g.family("wireguard").isEmpty());
            }
        }
    }

    /** The kernel answers a filtered dump of a table that was never used with ENOENT; for us that is an empty table. */
    @Test
    void routes_tableNeverUsed_empty_otherTablesNotListed() throws Exception {
        assertEquals(List.of(), rt.routes(1000));
        rt.addVethPair("nlt0", "nlt1");
        rt.setUp("nlt0", true);
        int index = rt.index("nlt0");
        rt.addRoute(Route.device(IpPrefix.parse("100.64.30.0/24"), 2000, index));
        rt.addRoute(Route.device(IpPrefix.parse("2001:db8:30::/48"), 2000, index));
        rt.addRoute(Route.device(IpPrefix.parse("100.64.31.0/24"), 1000, index));
        assertEquals(List.of(IpPrefix.parse("100.64.31.0/24")), rt.routes(1000).stream().map(Route::destination).toList());
        assertEquals(List.of(IpPrefix.parse("100.64.30.0/24"), IpPrefix.parse("2001:db8:30::/48")),
                rt.routes(2000).stream().map(Route::destination).toList());
    }

    @Test
    void addRoute_duplicate_eexistNamesRoute() {
        rt.addVethPair("nlt0", "nlt1");
        rt.setUp("nlt0", true);
        Route r = Route.device(IpPrefix.parse("100.64.20.0/24"), 4000, rt.index("nlt0"));
        rt.addRoute(r);
        NetlinkException e = assertThrows(NetlinkException.class, () -> rt.addRoute(r));
        assertEquals("EEXIST", e.errnoName());
        assertTrue(e.getMessage().contains("RTM_NEWROUTE") && e.getMessage().contains("100.64.20.0/24"), e.getMessage());
    }

    /**
     * Regression: a PMTU exception in a colour's table made every tunnel reconcile fail for ten minutes (LabFederationTest:
     * after the cut-off config was rolled back, RTM_DELROUTE of the controller's /32 failed with ESRCH on every
     * reconcile, so no later bundle could take effect). Route dumps carry the kernel's cached nexthop exceptions; the
     * one here outlives its own route because the other route of the table shares the nexthop, as every route into a
     * colour's WireGuard interface does.
     */
    @Test
    void routes_pmtuExceptionOnASharedNexthop_isNotListedAndTheRouteStillDeletes() throws Exception {
        String router = ns + "-r";
        run("ip", "netns", "add", router);
        try {
            // A router whose link to 203.0.113.0/24 has a 1,000-byte MTU; it answers ARP for what it routes.
            run("ip", "link", "add", "nlt0", "netns", ns, "type", "veth", "peer", "name", "nlr0", "netns", router);
            run("ip", "-n", router, "link", "add", "nlm0", "mtu", "1000", "type", "veth", "peer", "name", "nlm1");
            for (String link : List.of("lo", "nlr0", "nlm0", "nlm1")) {
                run("ip", "-n", router, "link", "set", link, "up");
            }
            run("ip", "-n", router, "addr", "add", "198.51.100.2/24", "dev", "nlr0");
            run("ip", "-n", router, "route", "add", "203.0.113.0/24", "dev", "nlm0");
            run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.nlr0.proxy_arp=1");
            rt.setUp("lo", true);
            rt.setUp("nlt0", true);
            rt.addAddress("nlt0", InetAddress.ofLiteral("198.51.100.1"), 24);
            int index = rt.index("nlt0");
            Route host = Route.device(IpPrefix.parse("203.0.113.2/32"), 1000, index);
            Route other = Route.device(IpPrefix.parse("203.0.113.128/25"), 1000, index);
            rt.addRoute(host);
            rt.addRoute(other);
            run("ip", "-n", ns, "rule", "add", "pref", "100", "to", "203.0.113.0/24", "lookup", "1000");

            // Don't fragment, 1,228 bytes: the router answers "fragmentation needed, mtu 1000", and the kernel caches it.
            Process ping = new ProcessBuilder("ip", "netns", "exec", ns, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-M", "do",
                    "-s", "1200", "203.0.113.2").redirectErrorStream(true).start();
            String pingOutput = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(ping.waitFor(20, TimeUnit.SECONDS), "ping did not end");
            String cache = run("ip", "-n", ns, "route", "show", "cache", "table", "1000");
            assertTrue(cache.contains("203.0.113.2") && cache.contains("mtu 1000"), "no PMTU exception to test with: " + cache
                    + "\nping: " + pingOutput);

            assertEquals(List.of(host.destination(), other.destination()), rt.routes(1000).stream().map(Route::destination).toList());
            rt.deleteRoute(host);
            assertTrue(run("ip", "-n", ns, "route", "show", "cache", "table", "1000").contains("203.0.113.2"),
                    "the exception outlives its route on the shared nexthop");
            assertEquals(List.of(other.destination()), rt.routes(1000).stream().map(Route::destination).toList());
            NetlinkHostNetwork net = new NetlinkHostNetwork(rt);
            assertEquals(List.of(new HostNetwork.Route(other.destination(), "nlt0")), net.routes(1000));
            net.deleteRoute(1000, host.destination()); // already gone: nothing to do, no error
        } finally {
            run("ip", "netns", "del", router);
        }
    }
}
