package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.appliance.wg.WireGuardBackend;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.IpPrefix;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.provisioning.PeerKeys;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static io.patronus.appliance.tunnel.TunnelReconcilerTest.LINKS;
import static io.patronus.appliance.tunnel.TunnelReconcilerTest.site;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconciler's part of a key rotation, on the in-memory WireGuard: a rotating remote site's next key gets its own
 * entry without allowed IPs, takes the site's prefixes once it has a handshake, and the retiring key is kept without
 * them; this site's own key is switched on every interface. Other peers are never touched and peers are never
 * replaced wholesale.
 */
class TunnelKeyRotationTest {
    /** The in-memory WireGuard, recording every configuration it is given. */
    static final class RecordingWireGuard implements WireGuardBackend {
        final InMemoryWireGuard wg = new InMemoryWireGuard();
        final List<String> configured = new ArrayList<>();
        final List<DeviceConfig> configs = new ArrayList<>();
        int reads;

        @Override
        public String kind() {
            return wg.kind();
        }

        @Override
        public void ensureInterface(String name) {
            wg.ensureInterface(name);
        }

        @Override
        public void deleteInterface(String name) {
            wg.deleteInterface(name);
        }

        @Override
        public List<String> interfaces() {
            return wg.interfaces();
        }

        @Override
        public void configure(String name, DeviceConfig config) {
            configured.add(name);
            configs.add(config);
            wg.configure(name, config);
        }

        @Override
        public Optional<DeviceState> read(String name) {
            reads++;
            return wg.read(name);
        }

        @Override
        public void close() {
            wg.close();
        }

        void clear() {
            configured.clear();
            configs.clear();
            reads = 0;
        }
    }

    final RecordingWireGuard wg = new RecordingWireGuard();
    final InMemoryHostNetwork net = new InMemoryHostNetwork(wg::interfaces);
    final Site s2 = site(2, "fiber", "lte");
    final Site s3 = site(3, "fiber", "lte");
    final AtomicReference<List<Site>> sites = new AtomicReference<>(List.of(s2, s3));
    final AtomicReference<Map<String, PeerKeys>> peerKeys = new AtomicReference<>(Map.of());
    final AtomicReference<WgKeyPair> own = new AtomicReference<>(WgKeyPair.generate());
    /** Stands still unless a test moves it: entries that defer their first initiation keep deferring. */
    final ManualClock clock = ManualClock.at("2026-11-23T12:00:00Z");
    final TunnelReconciler reconciler = new TunnelReconciler(wg, net, own::get,
            () -> TunnelPlan.of("s1", LINKS, sites.get(), peerKeys.get(), "fiber"), clock);
    final String k2 = WgKeyPair.generate().publicBase64();
    static final List<IpPrefix> LAN2 = List.of(IpPrefix.parse("100.64.2.0/24"));

    private PeerState peer(String iface, String key) {
        return wg.read(iface).orElseThrow().peer(key).orElseThrow();
    }

    private Site rekeyed(Site s, String key) {
        return new Site(s.id(), s.name(), s.location(), key, s.endpoints(), s.lanPrefixes(), SiteStatus.ACTIVE, s.createdAt());
    }

    @Test
    void nextKey_getsItsOwnEntryWithTheSameEndpointAndNoAllowedIps_andNothingElseChanges() {
        reconciler.reconcile();
        DeviceState before = wg.read("wg-fiber").orElseThrow();
        wg.clear();

        peerKeys.set(Map.of("s2", PeerKeys.next(k2)));
        TunnelReconciler.Report r = reconciler.reconcile();

        assertEquals(2, r.peersAdded(), "one next-key entry per colour");
        assertEquals(0, r.peersUpdated() + r.peersRemoved(), r.toString());
        for (String iface : List.of("wg-fiber", "wg-lte")) {
            PeerState next = peer(iface, k2);
            assertTrue(next.allowedIps().isEmpty(), iface + ": the next key carries nothing before its handshake");
            assertEquals(peer(iface, s2.publicKey()).endpoint(), next.endpoint());
            assertEquals(LAN2, peer(iface, s2.publicKey()).allowedIps());
        }
        assertEquals(before.peer(s3.publicKey()), wg.read("wg-fiber").orElseThrow().peer(s3.publicKey()), "site 3 untouched");
        assertTrue(wg.configs.stream().noneMatch(DeviceConfig::replacePeers));
        assertTrue(wg.configs.stream().allMatch(c -> c.privateKey().isEmpty()));
        assertTrue(reconciler.handoverPending());
        assertFalse(reconciler.handoverDue(), "no handshake yet");
        assertEquals(0, reconciler.reconcile().changes(), "idempotent while waiting");
        clock.advance(HandshakeStagger.DEFERRAL);
        reconciler.reconcile();
        for (String iface : List.of("wg-fiber", "wg-lte")) {
            assertEquals(25, peer(iface, k2).persistentKeepalive(), iface + ": it keeps trying to handshake with the site");
        }
        assertEquals(0, reconciler.reconcile().changes(), "idempotent while waiting for the handover");
    }

    @Test
    void handshakeOnTheNextKey_movesTheSitesPrefixesToIt_nextKeyFirst_onThatInterfaceOnly() {
        reconciler.reconcile();
        peerKeys.set(Map.of("s2", PeerKeys.next(k2)));
        reconciler.reconcile();
        wg.clear();

        wg.wg.handshake("wg-fiber", k2, Instant.now());
        assertTrue(reconciler.handoverDue());
        TunnelReconciler.Report r = reconciler.reconcile();

        assertEquals(2, r.peersUpdated(), r.toString());
        assertEquals(List.of("wg-fiber"), wg.configured, "one configuration, on the interface that saw the handshake");
        List<PeerConfig> peers = wg.configs.getFirst().peers();
        assertEquals(List.of(k2, s2.publicKey()), peers.stream().map(PeerConfig::publicBase64).toList(),
                "the next key takes the prefixes before the current key gives them up");
        assertTrue(peers.stream().allMatch(p -> p.replaceAllowedIps() && !p.remove()));
        assertFalse(wg.configs.getFirst().replacePeers());
        assertEquals(LAN2, peer("wg-fiber", k2).allowedIps());
        assertTrue(peer("wg-fiber", s2.publicKey()).allowedIps().isEmpty(), "the old entry stays, without prefixes");
        assertEquals(LAN2, peer("wg-lte", s2.publicKey()).allowedIps(), "lte has seen no handshake on the next key yet");
        assertEquals(List.of(IpPrefix.parse("100.64.3.0/24")), peer("wg-fiber", s3.publicKey()).allowedIps());
        assertFalse(reconciler.handoverDue(), "nothing more to move on fiber");
        assertTrue(reconciler.handoverPending(), "lte still waits");
        assertEquals(0, reconciler.reconcile().changes());
    }

    @Test
    void handover_isReadBackFromTheDevice_soARestartedReconcilerKeepsIt() {
        reconciler.reconcile();
        peerKeys.set(Map.of("s2", PeerKeys.next(k2)));
        reconciler.reconcile();
        wg.wg.handshake("wg-fiber", k2, Instant.now());
        reconciler.reconcile();
        // Settle the first-handshake deferrals too: a restart during one would rightly give that entry its keepalive.
        clock.advance(HandshakeStagger.DEFERRAL);
        reconciler.reconcile();

        TunnelReconciler restarted = new TunnelReconciler(wg, net, own::get,
                () -> TunnelPlan.of("s1", LINKS, sites.get(), peerKeys.get(), "fiber"), clock);
        assertEquals(0, restarted.reconcile().changes(), "no move back to the old key");
        assertEquals(LAN2, peer("wg-fiber", k2).allowedIps());
    }

    @Test
    void retiringKey_isKeptWithoutPrefixes_thenRemovedAlone() {
        reconciler.reconcile();
        peerKeys.set(Map.of("s2", PeerKeys.next(k2)));
        reconciler.reconcile();
        String k1 = s2.publicKey();

        // The controller's bundle after the switch: the site's key is k2, k1 is retiring. The lte entry never had a
        // handshake on k2, so its prefixes move now.
        sites.set(List.of(rekeyed(s2, k2), s3));
        peerKeys.set(Map.of("s2", PeerKeys.retiring(k1)));
        wg.clear();
        reconciler.reconcile();
        for (String iface : List.of("wg-fiber", "wg-lte")) {
            assertEquals(LAN2, peer(iface, k2).allowedIps());
            assertTrue(peer(iface, k1).allowedIps().isEmpty());
        }
        assertFalse(reconciler.handoverPending());

        peerKeys.set(Map.of());
        wg.clear();
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(2, r.peersRemoved());
        assertEquals(0, r.peersAdded() + r.peersUpdated(), r.toString());
        assertTrue(wg.wg.read("wg-fiber").orElseThrow().peer(k1).isEmpty());
        assertEquals(2, wg.read("wg-fiber").orElseThrow().peers().size());
        assertTrue(wg.configs.stream().noneMatch(DeviceConfig::replacePeers));
    }

    @Test
    void cancelledRotation_dropsTheNextEntry_andTheCurrentKeepsItsPrefixes() {
        reconciler.reconcile();
        peerKeys.set(Map.of("s2", PeerKeys.next(k2)));
        reconciler.reconcile();
        peerKeys.set(Map.of());
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(2, r.peersRemoved());
        assertEquals(LAN2, peer("wg-fiber", s2.publicKey()).allowedIps());
        assertFalse(reconciler.handoverPending());
    }

    @Test
    void applyKey_setsTheNewPrivateKeyOnEveryInterface_andNothingElse() {
        reconciler.reconcile();
        clock.advance(HandshakeStagger.DEFERRAL);
        reconciler.reconcile();
        DeviceState before = wg.read("wg-fiber").orElseThrow();
        WgKeyPair fresh = WgKeyPair.generate();
        own.set(fresh);
        assertFalse(reconciler.keyApplied());
        wg.clear();

        reconciler.applyKey(fresh);

        assertEquals(List.of("wg-fiber", "wg-lte"), wg.configured);
        assertTrue(wg.configs.stream().allMatch(c -> c.peers().isEmpty() && !c.replacePeers() && c.listenPort().isEmpty()));
        assertTrue(reconciler.keyApplied());
        assertEquals(Optional.of(fresh.publicBase64()), wg.read("wg-lte").orElseThrow().publicKey());
        assertEquals(before.peers(), wg.read("wg-fiber").orElseThrow().peers());
        assertEquals(0, reconciler.reconcile().changes());
    }

    @Test
    void plan_ignoresAnExtraKeyEqualToTheCurrentOne() {
        TunnelPlan p = TunnelPlan.of("s1", LINKS, List.of(s2), Map.of("s2", PeerKeys.next(s2.publicKey())), "fiber");
        assertEquals(1, p.interfaces().getFirst().peers().size());
        assertEquals(TunnelPlan.Role.CURRENT, p.interfaces().getFirst().peers().get(s2.publicKey()).role());
    }
}
