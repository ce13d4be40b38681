package io.patronus.controller.fleet;

import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import io.patronus.model.Site;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.patronus.controller.testing.Configs.route;
import static io.patronus.controller.testing.Configs.sla;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The shared-fragment rendering: byte-identical payloads, and digests that change exactly when the configuration does. */
class BundleRenderingTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final GroupConfig GROUP = new GroupConfig(List.of(route("web", 20, "fiber", "lte"),
            route("voice", 10, "fiber", "lte")), List.of(sla("gold", 50), sla("bronze", 300)));

    private static SiteRecord site(int i, String name) {
        return new SiteRecord(String.format("site-%03d", i), "acme", name, "rack " + i, "retail",
                List.of(IpPrefix.parse("10." + i + ".0.0/16")), Optional.empty(), Map.of(), SiteOverrides.none(), 0, T0)
                .withEnrolment(FakeAppliance.randomKey(), Map.of("fiber", Endpoint.parse("192.0.2." + (i + 1) + ":51820")));
    }

    private static List<SiteRecord> fleet(int n) {
        List<SiteRecord> sites = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sites.add(site(i, "Site " + i));
        }
        return sites;
    }

    private static BundleRendering rendering(String siteId, List<SiteRecord> sites, List<KeyRotationRecord> rotations) {
        Mesh mesh = Mesh.of(sites, Mesh.Fragment::of);
        ConfigRenderer.Policies p = ConfigRenderer.policies(siteId, GROUP, SiteOverrides.none());
        return new BundleRendering(siteId, mesh, p, RenderingDigest.policies(p.policies(), p.slaClasses()),
                PeerKeyRing.of(rotations, mesh));
    }

    @Test
    void payload_isByteForByteTheJsonOfTheWholeBundle() throws Exception {
        List<SiteRecord> sites = fleet(5);
        KeyRotationRecord own = KeyRotationRecord.requested("site-002", 1, "manual", "admin", T0, FakeAppliance.randomKey());
        KeyRotationRecord peer = KeyRotationRecord.requested("site-003", 1, "manual", "admin", T0, FakeAppliance.randomKey())
                .distributing(FakeAppliance.randomKey(), T0, "test");
        KeyRotationRecord retiring = KeyRotationRecord.requested("site-004", 1, "manual", "admin", T0, FakeAppliance.randomKey())
                .distributing(FakeAppliance.randomKey(), T0, "test").switching(T0, "test")
                .retiring(T0, T0.plusSeconds(60), "test");
        for (List<KeyRotationRecord> rotations : List.of(List.<KeyRotationRecord>of(), List.of(own, peer, retiring))) {
            for (String id : List.of("site-000", "site-002", "site-004", "staged")) {
                BundleRendering r = rendering(id, sites, rotations);
                byte[] expected = Json.mapper().writeValueAsBytes(new ConfigBundle(id, 7, T0, r.config()));
                assertArrayEquals(expected, r.payload(7, T0), "payload of " + id + " with " + rotations.size() + " rotations");
            }
        }
    }

    @Test
    void config_equalsTheClassicRendering() {
        List<SiteRecord> sites = fleet(4);
        BundleConfig classic = ConfigRenderer.render(sites.get(1), sites, GROUP, SiteOverrides.none()).config();
        assertEquals(classic, rendering("site-001", sites, List.of()).config());
    }

    @Test
    void digest_peerChanged_changesForOthersButNotForThatSite() {
        List<SiteRecord> before = fleet(4);
        List<SiteRecord> after = new ArrayList<>(before);
        after.set(2, new SiteRecord(before.get(2).id(), before.get(2).organisation(), "Renamed", before.get(2).location(), before.get(2).group(),
                before.get(2).lanPrefixes(), before.get(2).wireguardPublicKey(), before.get(2).endpoints(),
                before.get(2).overrides(), 0, T0));
        assertNotEquals(rendering("site-000", before, List.of()).digest(), rendering("site-000", after, List.of()).digest());
        assertEquals(rendering("site-002", before, List.of()).digest(), rendering("site-002", after, List.of()).digest(),
                "a site's own bundle does not list it");
        assertEquals(rendering("site-000", before, List.of()).digest(), rendering("site-000", fleet4Again(before), List.of()).digest(),
                "equal sites, other instances: equal digest");
    }

    private static List<SiteRecord> fleet4Again(List<SiteRecord> sites) {
        return sites.stream().map(s -> new SiteRecord(s.id(), s.organisation(), s.name(), s.location(), s.group(), s.lanPrefixes(),
                s.wireguardPublicKey(), s.endpoints(), s.overrides(), s.groupRevision(), s.createdAt())).toList();
    }

    @Test
    void digest_keyRotation_changesTheDigestButNotTheContent() {
        List<SiteRecord> sites = fleet(3);
        KeyRotationRecord r = KeyRotationRecord.requested("site-001", 1, "manual", "admin", T0, FakeAppliance.randomKey())
                .distributing(FakeAppliance.randomKey(), T0, "test");
        BundleRendering plain = rendering("site-000", sites, List.of());
        BundleRendering rotating = rendering("site-000", sites, List.of(r));
        assertNotEquals(plain.digest(), rotating.digest());
        assertEquals(plain.contentDigest(), rotating.contentDigest());
        assertEquals(rendering("site-002", sites, List.of()).digest().length(), 64);
    }

    @Test
    void contentDigest_ofAReportedConfigurationInAnotherOrder_equalsTheRenderings() {
        List<SiteRecord> sites = fleet(6);
        BundleRendering r = rendering("site-003", sites, List.of());
        BundleConfig c = r.config();
        List<Site> shuffled = new ArrayList<>(c.sites());
        Collections.reverse(shuffled);
        List<io.patronus.model.Policy> policies = new ArrayList<>(c.policies());
        Collections.reverse(policies);
        BundleConfig reported = new BundleConfig(shuffled, policies, c.slaClasses().reversed());
        assertEquals(r.contentDigest(), RenderingDigest.content(reported, RenderingDigest::site));
        BundleConfig changed = new BundleConfig(shuffled.subList(1, shuffled.size()), policies, c.slaClasses());
        assertNotEquals(r.contentDigest(), RenderingDigest.content(changed, RenderingDigest::site));
    }
}
