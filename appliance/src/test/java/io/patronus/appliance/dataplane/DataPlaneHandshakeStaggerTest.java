package io.patronus.appliance.dataplane;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.appliance.tunnel.InMemoryHostNetwork;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data plane follows new tunnels up by itself: a deferring peer gets its keepalive about a second after the
 * appliance started, not at the periodic reconcile 10 s later, and a new tunnel's probes are released as soon as its
 * first handshake shows. Real scheduler and clock, in-memory WireGuard.
 */
class DataPlaneHandshakeStaggerTest {
    @TempDir
    Path dir;

    /** A public key of 32 equal bytes: all zeros is smaller than any site's own key, all 0xff larger. */
    private static String key(int fill) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) fill);
        return Base64.getEncoder().encodeToString(k);
    }

    private static Site site(int n, String key) {
        return new Site("s" + n, "Site " + n, "", key, Map.of("fiber", new Endpoint("192.0.2." + n, 51820)),
                List.of(IpPrefix.parse("100.64." + n + ".0/24")), SiteStatus.ACTIVE, Instant.EPOCH);
    }

    private static int keepalive(InMemoryWireGuard wg, String key) {
        return wg.read("wg-fiber").orElseThrow().peer(key).orElseThrow().persistentKeepalive();
    }

    @Test
    void deferredPeer_getsItsKeepaliveASecondAfterStart_andAHandshakeReleasesTheProbesAtOnce() throws Exception {
        ApplianceConfig base = ConfigLoader.load(Optional.empty(), Map.of());
        ApplianceConfig config = new ApplianceConfig(new ApplianceConfig.SiteIdentity("s1", "Site 1", ""), base.api(), dir,
                base.dataPlane(), base.wal(), base.history(), base.failover(), base.federation(),
                List.of(new Link("fiber", "eth0", "fiber", 10, 100_000)), base.slaClasses());
        InMemoryWireGuard wg = new InMemoryWireGuard();
        String smaller = key(0x00);
        String larger = key(0xff);
        List<Site> sites = List.of(site(2, smaller), site(3, larger));
        try (DataPlane dp = DataPlane.start(config, new DataPlane.Choice(wg, new InMemoryHostNetwork(wg::interfaces), "test"),
                () -> sites, Clock.systemUTC())) {
            long started = System.nanoTime();
            dp.startReconciling();

            assertEquals(0, keepalive(wg, smaller), "s2 initiates: this end waits");
            assertEquals(25, keepalive(wg, larger), "this end initiates towards s3");
            assertTrue(dp.firstHandshakePending("s2", "fiber"));
            assertTrue(dp.firstHandshakePending("s3", "fiber"));

            long deadline = started + Duration.ofSeconds(5).toNanos();
            while (keepalive(wg, smaller) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            double after = (System.nanoTime() - started) / 1e9;
            assertEquals(25, keepalive(wg, smaller), "no keepalive 5 s after start");
            assertTrue(after >= 0.9 && after < 2.5, "keepalive set " + after + " s after start: expected the 1 s deferral, "
                    + "well before the periodic reconcile (10 s)");

            wg.handshake("wg-fiber", larger, Instant.now());
            deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (dp.firstHandshakePending("s3", "fiber") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(dp.firstHandshakePending("s3", "fiber"), "released once the data plane saw the handshake");
        }
    }
}
