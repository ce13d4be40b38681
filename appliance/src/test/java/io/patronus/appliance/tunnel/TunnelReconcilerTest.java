package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TunnelReconcilerTest {
    static final List<Link> LINKS = List.of(new Link("fiber", "eth0", "fiber", 10, 1_000_000),
            new Link("lte", "wwan0", "lte", 20, 50_000));

    static Site site(int n, String... colours) {
        Map<String, Endpoint> eps = new java.util.HashMap<>();
        for (String c : colours) {
            eps.put(c, new Endpoint((c.equals("fiber") ? "192.0.2." : "198.51.100.") + n, 51820 + (c.equals("fiber") ? 0 : 1)));
        }
        return new Site("s" + n, "Site " + n, "", WgKeyPair.generate().publicBase64(), eps,
                List.of(IpPrefix.parse("100.64." + n + ".0/24")), SiteStatus.ACTIVE, Instant.EPOCH);
    }

    final InMemoryWireGuard wg = new InMemoryWireGuard();
    final InMemoryHostNetwork net = new InMemoryHostNetwork(wg::interfaces);
    final AtomicReference<List<Site>> sites = new AtomicReference<>(new ArrayList<>());
    final WgKeyPair own = WgKeyPair.generate();
    /** Stands still: half the peers defer their first initiation (HandshakeStagger), and keep deferring throughout. */
    final ManualClock clock = ManualClock.at("2026-11-23T12:00:00Z");
    final TunnelReconciler reconciler = new TunnelReconciler(wg, net, () -> own,
            () -> TunnelPlan.of("s1", LINKS, sites.get(), "fiber"), clock);

    @Test
    void plan_givesEachColourItsInterfacePortTableAndMark() {
        TunnelPlan p = TunnelPlan.of("s1", LINKS, List.of(site(1, "fiber", "lte"), site(2, "fiber", "lte"), site(3, "fiber")), "fiber");
        assertEquals(List.of("wg-fiber", "wg-lte"), p.interfaces().stream().map(TunnelPlan.InterfacePlan::name).toList());
        assertEquals(List.of(51820, 51821), p.interfaces().stream().map(TunnelPlan.InterfacePlan::listenPort).toList());
        assertEquals(2, p.interfaces().get(0).peers().size(), "fiber: sites 2 and 3, never itself");
        assertEquals(1, p.interfaces().get(1).peers().size(), "lte: only site 2 has an lte endpoint");
        assertEquals(List.of(new HostNetwork.Rule(10000, 0x100, 0xff00, 1000), new HostNetwork.Rule(10100, 0, 0, 1000),
                new HostNetwork.Rule(10001, 0x200, 0xff00, 1001)), p.rules());
        assertEquals("wg-lte", p.routes().get(1001).get(IpPrefix.parse("100.64.2.0/24")));
    }

    @Test
    void firstReconcile_buildsEverything_andASecondOneDoesNothing() {
        sites.set(List.of(site(1, "fiber", "lte"), site(2, "fiber", "lte"), site(3, "fiber", "lte")));
        TunnelReconciler.Report first = reconciler.reconcile();
        assertEquals(2, first.interfacesCreated());
        assertEquals(4, first.peersAdded());
        assertEquals(4, first.routesChanged());
        assertEquals(3, first.rulesChanged());
        long ops = net.operationCount();
        TunnelReconciler.Report second = reconciler.reconcile();
        assertEquals(0, second.changes(), second.toString());
        assertEquals(ops, net.operationCount(), "no host operation on an unchanged plan");
    }

    @Test
    void firstReconcile_reservesTheListenPortsBeforeStartingAnyDevice() {
        sites.set(List.of(site(1, "fiber", "lte"), site(2, "fiber", "lte")));
        reconciler.reconcile();
        assertEquals(java.util.Set.of(51820, 51821), net.reservedPorts());
        assertEquals("reserve ports [51820, 51821]", net.operations().getFirst(), net.operations().toString());
    }

    @Test
    void addingASite_addsOnlyItsPeers_andTouchesNoOtherPeer() {
        List<Site> three = List.of(site(1, "fiber", "lte"), site(2, "fiber", "lte"), site(3, "fiber", "lte"));
        sites.set(three);
        reconciler.reconcile();
        DeviceState before = wg.read("wg-fiber").orElseThrow();
        List<Site> four = new ArrayList<>(three);
        four.add(site(4, "fiber", "lte"));
        sites.set(four);
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(2, r.peersAdded());
        assertEquals(0, r.peersUpdated() + r.peersRemoved() + r.interfacesCreated());
        DeviceState after = wg.read("wg-fiber").orElseThrow();
        for (var p : before.peers()) {
            assertEquals(p, after.peer(p.publicKey()).orElseThrow(), "existing peer unchanged");
        }
    }

    @Test
    void removingAndDeactivatingSites_removeTheirPeersAndRoutes() {
        Site s2 = site(2, "fiber", "lte");
        Site s3 = site(3, "fiber", "lte");
        sites.set(List.of(s2, s3));
        reconciler.reconcile();
        sites.set(List.of(s2.withStatus(SiteStatus.INACTIVE)));
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(4, r.peersRemoved());
        assertTrue(net.routes(1000).isEmpty());
        assertTrue(wg.read("wg-lte").orElseThrow().peers().isEmpty());
    }

    /** A failing delete of one route must not keep the rest from being applied (nor the rules, which come after). */
    @Test
    void reconcile_oneRouteDeleteFails_theOtherRoutesAndRulesAreStillApplied_andTheErrorNamesIt() {
        Site s2 = site(2, "fiber", "lte");
        Site s3 = site(3, "fiber", "lte");
        sites.set(List.of(s2, s3));
        reconciler.reconcile();
        IpPrefix stuck = IpPrefix.parse("100.64.2.0/24");
        HostNetwork refusing = new RefusingHostNetwork(net).refuseDelete(java.util.Optional.of(stuck));
        TunnelReconciler r = new TunnelReconciler(wg, refusing, () -> own,
                () -> TunnelPlan.of("s1", LINKS, sites.get(), "fiber"), clock);
        Site s4 = site(4, "fiber", "lte");
        sites.set(List.of(s3, s4));
        ReconcileException e = org.junit.jupiter.api.Assertions.assertThrows(ReconcileException.class, r::reconcile);
        assertTrue(e.getMessage().contains("2 route or rule changes failed") && e.getMessage().contains("100.64.2.0/24"),
                e.getMessage());
        assertEquals(List.of(IpPrefix.parse("100.64.2.0/24"), IpPrefix.parse("100.64.3.0/24"), IpPrefix.parse("100.64.4.0/24")),
                net.routes(1000).stream().map(HostNetwork.Route::destination).toList(), "s4's route added despite s2's stuck one");
        assertEquals(3, net.rules(0, Integer.MAX_VALUE).size());
        assertEquals(2, e.applied().routesChanged(), "s4's routes on both colours");
    }

    @Test
    void interfaceDeletedByHand_isRecreatedWithItsPeers() {
        sites.set(List.of(site(2, "fiber", "lte")));
        reconciler.reconcile();
        wg.deleteInterface("wg-lte");
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(1, r.interfacesCreated());
        assertEquals(1, wg.read("wg-lte").orElseThrow().peers().size());
        assertEquals(51821, wg.read("wg-lte").orElseThrow().listenPort());
    }

    @Test
    void changedLanPrefix_updatesThatPeerAndItsRoute() {
        Site s2 = site(2, "fiber");
        sites.set(List.of(s2));
        reconciler.reconcile();
        Site moved = new Site(s2.id(), s2.name(), "", s2.publicKey(), s2.endpoints(), List.of(IpPrefix.parse("100.65.0.0/16")),
                SiteStatus.ACTIVE, Instant.EPOCH);
        sites.set(List.of(moved));
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(1, r.peersUpdated());
        assertEquals(List.of(IpPrefix.parse("100.65.0.0/16")), wg.read("wg-fiber").orElseThrow().peers().get(0).allowedIps());
        assertEquals(List.of(new HostNetwork.Route(IpPrefix.parse("100.65.0.0/16"), "wg-fiber")), net.routes(1000));
        assertFalse(net.operations().isEmpty());
    }
}
