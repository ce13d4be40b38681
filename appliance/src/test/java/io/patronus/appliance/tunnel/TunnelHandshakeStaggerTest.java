package io.patronus.appliance.tunnel;

import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.Site;
import io.patronus.provisioning.PeerKeys;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.patronus.appliance.tunnel.HandshakeStaggerTest.keysInOrder;
import static io.patronus.appliance.tunnel.TunnelReconciler.HANDSHAKE_POLL;
import static io.patronus.appliance.tunnel.TunnelReconcilerTest.LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconciler's part of the first-handshake stagger, over the in-memory WireGuard with a fake clock, as the peer
 * writes it performs: an entry whose remote end initiates is written without a keepalive, then given it once it has a
 * handshake or its second is over, and never written again; a new tunnel's paths are held back from probing until its
 * first handshake (2 s at most); rotations compare the keys the handshakes will use.
 */
class TunnelHandshakeStaggerTest {
    /** Keys in the order the stagger compares them: this site (mid) sits between s2 (low) and s3 (high). */
    final List<WgKeyPair> keys = keysInOrder(6);
    final WgKeyPair lowest = keys.get(0);
    final WgKeyPair low = keys.get(1);
    final WgKeyPair mid = keys.get(2);
    final WgKeyPair high = keys.get(3);
    final WgKeyPair higher = keys.get(4);
    final WgKeyPair highest = keys.get(5);

    final ManualClock clock = ManualClock.at("2026-11-23T12:00:00Z");
    final Instant t0 = clock.instant();
    final TunnelKeyRotationTest.RecordingWireGuard wg = new TunnelKeyRotationTest.RecordingWireGuard();
    final InMemoryHostNetwork net = new InMemoryHostNetwork(wg::interfaces);
    final AtomicReference<WgKeyPair> own = new AtomicReference<>(mid);
    final Site s2 = keyed(TunnelReconcilerTest.site(2, "fiber", "lte"), low);
    final Site s3 = keyed(TunnelReconcilerTest.site(3, "fiber", "lte"), high);
    final AtomicReference<List<Site>> sites = new AtomicReference<>(List.of(s2, s3));
    final AtomicReference<Map<String, PeerKeys>> peerKeys = new AtomicReference<>(Map.of());
    final TunnelReconciler reconciler = reconciler();
    /** Public key to a readable name for the recorded operations. */
    final Map<String, String> names = new HashMap<>(Map.of(low.publicBase64(), "s2", high.publicBase64(), "s3"));

    private TunnelReconciler reconciler() {
        return new TunnelReconciler(wg, net, own::get, () -> TunnelPlan.of("s1", LINKS, sites.get(), peerKeys.get(), "fiber"), clock);
    }

    static Site keyed(Site s, WgKeyPair key) {
        return new Site(s.id(), s.name(), s.location(), key.publicBase64(), s.endpoints(), s.lanPrefixes(), s.status(), s.createdAt());
    }

    /**
     * The peer writes since the last call, one line per peer: {@code wg-fiber s2 keepalive=0 ips=[100.64.2.0/24]} for
     * a whole entry, {@code wg-fiber s2 set keepalive=25} for a targeted update of the keepalive alone.
     */
    private List<String> writes() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < wg.configs.size(); i++) {
            for (PeerConfig p : wg.configs.get(i).peers()) {
                String who = wg.configured.get(i) + " " + names.getOrDefault(p.publicBase64(), p.publicBase64());
                int k = p.persistentKeepalive().orElse(-1);
                out.add(p.remove() ? who + " removed" : p.updateOnly() && !p.replaceAllowedIps() && p.allowedIps().isEmpty()
                        ? who + " set keepalive=" + k : who + " keepalive=" + k + " ips=" + p.allowedIps());
            }
        }
        wg.clear();
        return out;
    }

    /** Completes a handshake on every entry of s2 and s3 and lets the reconciler see them. */
    private void handshakeAll() {
        for (String iface : List.of("wg-fiber", "wg-lte")) {
            for (WgKeyPair k : List.of(low, high)) {
                wg.wg.handshake(iface, k.publicBase64(), clock.instant());
            }
        }
        reconciler.settleFirstHandshakes();
        writes();
    }

    private int keepalive(String iface, WgKeyPair peer) {
        return wg.read(iface).orElseThrow().peer(peer.publicBase64()).orElseThrow().persistentKeepalive();
    }

    @Test
    void peerOfASmallerKey_isWrittenWithoutKeepalive_thenGivenItWhenTheDeferralEnds_andThenNeverWrittenAgain() {
        reconciler.reconcile();
        assertEquals(List.of(
                "wg-fiber s2 keepalive=0 ips=[100.64.2.0/24]", "wg-fiber s3 keepalive=25 ips=[100.64.3.0/24]",
                "wg-lte s2 keepalive=0 ips=[100.64.2.0/24]", "wg-lte s3 keepalive=25 ips=[100.64.3.0/24]"), writes(),
                "s2's key is smaller: s2 initiates and this end waits; this end's key is smaller than s3's: it initiates");

        clock.advance(Duration.ofMillis(999));
        assertEquals(0, reconciler.settleFirstHandshakes());
        assertEquals(0, reconciler.reconcile().changes(), "nothing to do while the deferral runs");
        assertEquals(List.of(), writes());

        clock.advance(Duration.ofMillis(1));
        assertEquals(2, reconciler.settleFirstHandshakes());
        assertEquals(List.of("wg-fiber s2 set keepalive=25", "wg-lte s2 set keepalive=25"), writes(),
                "a targeted update of the keepalive alone, on each interface");
        assertEquals(0, reconciler.reconcile().changes(), "the next reconcile wants the same");

        clock.advance(Duration.ofSeconds(1));
        reconciler.settleFirstHandshakes();
        wg.clear();
        assertEquals(0, reconciler.settleFirstHandshakes());
        assertEquals(0, wg.reads, "no entry awaits its first handshake any more: nothing is read");
        long hostOps = net.operationCount();
        clock.advance(Duration.ofHours(1));
        assertEquals(0, reconciler.reconcile().changes());
        assertEquals(List.of(), writes(), "a settled peer is never written again");
        assertEquals(hostOps, net.operationCount());
    }

    @Test
    void reconcileAfterTheDeferral_setsTheKeepaliveItself() {
        reconciler.reconcile();
        writes();
        clock.advance(HandshakeStagger.DEFERRAL);
        TunnelReconciler.Report r = reconciler.reconcile();
        assertEquals(2, r.peersUpdated(), r.toString());
        assertEquals(List.of("wg-fiber s2 keepalive=25 ips=[100.64.2.0/24]", "wg-lte s2 keepalive=25 ips=[100.64.2.0/24]"), writes());
        assertEquals(0, reconciler.settleFirstHandshakes());
        assertEquals(List.of(), writes());
    }

    @Test
    void handshakeDuringTheDeferral_givesTheKeepaliveAtOnce_onThatInterfaceOnly() {
        reconciler.reconcile();
        writes();
        clock.advance(Duration.ofMillis(80));
        wg.wg.handshake("wg-fiber", low.publicBase64(), clock.instant());

        assertEquals(1, reconciler.settleFirstHandshakes());

        assertEquals(List.of("wg-fiber s2 set keepalive=25"), writes());
        clock.advance(Duration.ofMillis(920));
        reconciler.settleFirstHandshakes();
        assertEquals(List.of("wg-lte s2 set keepalive=25"), writes(), "lte: no handshake, the deferral is over");
        assertEquals(0, reconciler.reconcile().changes());
    }

    @Test
    void newTunnel_holdsItsProbesUntilItsFirstHandshake_atBothEnds_forTwoSecondsAtMost() {
        reconciler.reconcile();
        assertTrue(reconciler.firstHandshakePending("s2", "fiber"), "this end defers: a probe would initiate");
        assertTrue(reconciler.firstHandshakePending("s3", "fiber"), "this end initiates: a probe would wait for the handshake");
        assertFalse(reconciler.firstHandshakePending("s9", "fiber"), "no such site");

        clock.advance(Duration.ofMillis(1500));
        wg.wg.handshake("wg-fiber", high.publicBase64(), clock.instant());
        assertTrue(reconciler.firstHandshakePending("s3", "fiber"), "released by the check that sees the handshake");
        reconciler.settleFirstHandshakes();
        assertFalse(reconciler.firstHandshakePending("s3", "fiber"));
        assertTrue(reconciler.firstHandshakePending("s3", "lte"));
        assertTrue(reconciler.firstHandshakePending("s2", "fiber"), "past its deferral, still without a handshake");

        clock.advance(Duration.ofMillis(500));
        assertFalse(reconciler.firstHandshakePending("s2", "fiber"), "2 s after it was added: probed (and found down) as before");
        assertFalse(reconciler.firstHandshakePending("s3", "lte"));
    }

    @Test
    void settling_readsAnInterfaceEveryQuarterSecond_andWhenADeferralEnds_andNeverOnceAllAreSettled() {
        reconciler.reconcile();
        wg.clear();
        clock.advance(Duration.ofMillis(50));
        reconciler.settleFirstHandshakes();
        assertEquals(2, wg.reads, "both interfaces, once, right after the reconcile that added their entries");
        clock.advance(Duration.ofMillis(200));
        reconciler.settleFirstHandshakes();
        assertEquals(2, wg.reads, "not again within 250 ms");
        clock.advance(Duration.ofMillis(50));
        reconciler.settleFirstHandshakes();
        assertEquals(4, wg.reads);
        clock.advance(Duration.ofMillis(700));
        reconciler.settleFirstHandshakes();
        assertEquals(6, wg.reads, "the deferral ends 1 s after the entries were added: read, to set the keepalive");
        assertEquals(List.of("wg-fiber s2 set keepalive=25", "wg-lte s2 set keepalive=25"), writes());
        for (String iface : List.of("wg-fiber", "wg-lte")) {
            for (WgKeyPair k : List.of(low, high)) {
                wg.wg.handshake(iface, k.publicBase64(), clock.instant());
            }
        }
        clock.advance(HANDSHAKE_POLL);
        reconciler.settleFirstHandshakes();
        assertEquals(2, wg.reads, "the next poll sees the handshakes");
        assertFalse(reconciler.firstHandshakePending("s3", "lte"));
        wg.clear();
        clock.advance(Duration.ofSeconds(1));
        reconciler.settleFirstHandshakes();
        assertEquals(0, wg.reads, "every entry has its handshake: nothing is read");
    }

    @Test
    void entryFoundOnTheDevice_doesNotDefer_soARestartDuringADeferralSettlesIt() {
        reconciler.reconcile();
        writes();

        TunnelReconciler restarted = reconciler();
        restarted.reconcile();

        assertEquals(List.of("wg-fiber s2 keepalive=25 ips=[100.64.2.0/24]", "wg-lte s2 keepalive=25 ips=[100.64.2.0/24]"), writes());
        assertFalse(restarted.firstHandshakePending("s2", "fiber"), "only entries it added itself hold their probes");
        assertEquals(0, reconciler().reconcile().changes(), "a settled mesh gives a restarted reconciler nothing to do");
    }

    @Test
    void siteRemovedWhileNew_leavesNothingAwaiting() {
        reconciler.reconcile();
        sites.set(List.of(s3));
        reconciler.reconcile();
        writes();
        assertFalse(reconciler.firstHandshakePending("s2", "fiber"));
        clock.advance(HandshakeStagger.DEFERRAL);
        reconciler.settleFirstHandshakes();
        assertEquals(List.of(), writes(), "no keepalive for a peer that is gone");
    }

    @Test
    void remoteNextKey_isComparedItself_andItsDeferralHoldsBackNoProbes() {
        reconciler.reconcile();
        handshakeAll();
        names.put(lowest.publicBase64(), "s3-next");

        // s3's current key is larger than this site's (this end initiated), its next key smaller (s3 will initiate).
        peerKeys.set(Map.of("s3", PeerKeys.next(lowest.publicBase64())));
        reconciler.reconcile();

        assertEquals(List.of("wg-fiber s3-next keepalive=0 ips=[]", "wg-lte s3-next keepalive=0 ips=[]"), writes());
        assertEquals(25, keepalive("wg-fiber", high), "the current entry keeps its keepalive");
        assertFalse(reconciler.firstHandshakePending("s3", "fiber"), "probes go through the current entry, which has a session");

        // s3 switches and initiates on fiber: the handover and the keepalive go out in one write.
        clock.advance(Duration.ofMillis(300));
        wg.wg.handshake("wg-fiber", lowest.publicBase64(), clock.instant());
        assertTrue(reconciler.handoverDue());
        reconciler.reconcile();
        assertEquals(List.of("wg-fiber s3-next keepalive=25 ips=[100.64.3.0/24]", "wg-fiber s3 keepalive=25 ips=[]"), writes());
        clock.advance(Duration.ofMillis(700));
        reconciler.settleFirstHandshakes();
        assertEquals(List.of("wg-lte s3-next set keepalive=25"), writes(), "lte: the deferral is over, no handshake yet");
    }

    @Test
    void ownKeySwitch_reordersNoSettledPeer_andLaterPeersCompareTheNewKey() {
        reconciler.reconcile();
        clock.advance(HandshakeStagger.PROBE_HOLD);
        reconciler.reconcile();
        writes();

        // This site switches from the middle key to the largest: s3 (high) would now be the initiator of a new tunnel.
        own.set(highest);
        reconciler.applyKey(highest);
        writes();
        assertEquals(0, reconciler.reconcile().changes(), "settled peers keep their keepalive whatever the order now");
        assertEquals(25, keepalive("wg-fiber", high));

        // s4's key lies between the old key and the new: the old key would have initiated, the new one defers.
        Site s4 = keyed(TunnelReconcilerTest.site(4, "fiber"), higher);
        names.put(higher.publicBase64(), "s4");
        sites.set(List.of(s2, s3, s4));
        reconciler.reconcile();
        assertEquals(List.of("wg-fiber s4 keepalive=0 ips=[100.64.4.0/24]"), writes());
    }

    @Test
    void twoEndsOfATunnel_exactlyOneInitiates() {
        for (int i = 0; i < 20; i++) {
            WgKeyPair a = WgKeyPair.generate();
            WgKeyPair b = WgKeyPair.generate();
            InMemoryWireGuard wgA = new InMemoryWireGuard();
            InMemoryWireGuard wgB = new InMemoryWireGuard();
            Site siteA = keyed(TunnelReconcilerTest.site(1, "fiber"), a);
            Site siteB = keyed(TunnelReconcilerTest.site(2, "fiber"), b);
            List<Site> both = List.of(siteA, siteB);
            new TunnelReconciler(wgA, new InMemoryHostNetwork(wgA::interfaces), () -> a,
                    () -> TunnelPlan.of("s1", LINKS, both, "fiber"), clock).reconcile();
            new TunnelReconciler(wgB, new InMemoryHostNetwork(wgB::interfaces), () -> b,
                    () -> TunnelPlan.of("s2", LINKS, both, "fiber"), clock).reconcile();
            int atA = wgA.read("wg-fiber").orElseThrow().peer(b.publicBase64()).orElseThrow().persistentKeepalive();
            int atB = wgB.read("wg-fiber").orElseThrow().peer(a.publicBase64()).orElseThrow().persistentKeepalive();
            assertEquals(25, atA + atB, "one end with the keepalive, the other without: " + atA + " / " + atB);
        }
    }
}
