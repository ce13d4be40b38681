package io.patronus.appliance.dataplane;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.appliance.tunnel.InMemoryHostNetwork;
import io.patronus.appliance.tunnel.ReconcileException;
import io.patronus.appliance.tunnel.RefusingHostNetwork;
import io.patronus.appliance.wg.InMemoryWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reconcile that cannot apply one route still applies everything else, and the data plane says so: failing since
 * when, how often, and why, until a reconcile succeeds again. In-memory WireGuard, a host network that refuses one
 * route while told to.
 */
class DataPlaneReconcileStatusTest {
    private static final IpPrefix REFUSED = IpPrefix.parse("100.64.3.0/24");

    @TempDir
    Path dir;

    private static Site site(int n) {
        return new Site("s" + n, "Site " + n, "", WgKeyPair.generate().publicBase64(),
                Map.of("fiber", new Endpoint("192.0.2." + n, 51820), "lte", new Endpoint("198.51.100." + n, 51821)),
                List.of(IpPrefix.parse("100.64." + n + ".0/24")), SiteStatus.ACTIVE, Instant.EPOCH);
    }

    @Test
    void reconcile_oneRouteRefused_everythingElseApplied_statusFailingUntilASuccess() throws Exception {
        ApplianceConfig base = ConfigLoader.load(Optional.empty(), Map.of());
        ApplianceConfig config = new ApplianceConfig(new ApplianceConfig.SiteIdentity("s1", "Site 1", ""), base.api(), dir,
                base.dataPlane(), base.wal(), base.history(), base.failover(), base.federation(),
                List.of(new Link("fiber", "eth0", "fiber", 10, 100_000), new Link("lte", "wwan0", "lte", 20, 50_000)),
                base.slaClasses());
        InMemoryWireGuard wg = new InMemoryWireGuard();
        InMemoryHostNetwork memory = new InMemoryHostNetwork(wg::interfaces);
        RefusingHostNetwork refusing = new RefusingHostNetwork(memory).refuseReplace(Optional.of(REFUSED));
        ManualClock clock = ManualClock.at("2026-11-24T00:00:00Z");
        List<Site> sites = List.of(site(2), site(3), site(4));
        try (DataPlane dp = DataPlane.start(config, new DataPlane.Choice(wg, refusing, "test"),
                () -> sites, clock)) {
            assertFalse(dp.reconcileStatus().failing(), "nothing has run yet");
            Instant changedAt = clock.instant();

            ReconcileException e = assertThrows(ReconcileException.class, dp::reconcile);
            assertTrue(e.getMessage().startsWith("2 route or rule changes failed"), e.getMessage());
            assertTrue(e.getMessage().contains("100.64.3.0/24 table 1000") && e.getMessage().contains("100.64.3.0/24 table 1001"),
                    e.getMessage());
            // Everything but the refused routes is in place: both colours' other routes and all three rules.
            assertEquals(List.of(IpPrefix.parse("100.64.2.0/24"), IpPrefix.parse("100.64.4.0/24")),
                    memory.routes(1000).stream().map(HostNetwork.Route::destination).toList());
            assertEquals(List.of(IpPrefix.parse("100.64.2.0/24"), IpPrefix.parse("100.64.4.0/24")),
                    memory.routes(1001).stream().map(HostNetwork.Route::destination).toList());
            assertEquals(3, memory.rules(0, Integer.MAX_VALUE).size());
            assertEquals(3, wg.read("wg-fiber").orElseThrow().peers().size());

            DataPlane.ReconcileStatus first = dp.reconcileStatus();
            assertTrue(first.failing());
            assertEquals(1, first.consecutiveFailures());
            assertEquals(Optional.of(changedAt), first.lastFailureAt());
            assertEquals(Optional.empty(), first.lastSuccessAt());
            assertEquals(e.failures(), first.lastError());
            assertFalse(first.lastError().contains("applied"), "stable from one attempt to the next: " + first.lastError());
            assertEquals(Optional.empty(), dp.inEffectSince(changedAt), "a config is not in effect while its routes are missing");

            clock.advance(Duration.ofSeconds(10));
            dp.reconcileQuietly(); // the periodic retry, the same failure
            DataPlane.ReconcileStatus second = dp.reconcileStatus();
            assertEquals(2, second.consecutiveFailures());
            assertEquals(Optional.of(changedAt), second.lastFailureAt(), "the run of failures keeps its start");
            assertEquals(2, second.failures());
            assertEquals(first.lastError(), second.lastError());

            refusing.refuseReplace(Optional.empty());
            clock.advance(Duration.ofSeconds(10));
            dp.reconcileQuietly();
            DataPlane.ReconcileStatus healed = dp.reconcileStatus();
            assertFalse(healed.failing());
            assertEquals(0, healed.consecutiveFailures());
            assertEquals(2, healed.failures());
            assertEquals(Optional.of(clock.instant()), healed.lastSuccessAt());
            assertEquals(3, memory.routes(1000).size());
            assertTrue(dp.inEffectSince(changedAt).isPresent());
        }
    }
}
