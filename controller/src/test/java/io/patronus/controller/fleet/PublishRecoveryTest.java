package io.patronus.controller.fleet;

import io.patronus.controller.store.Change;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.LegacyBundle;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.StoreOptions;
import io.patronus.controller.testing.DataDirs;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.provisioning.ConfigBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publish guarantees now that the store keeps bundle versions, not bundles: versions only increase across crashes,
 * an acknowledged publish survives kill -9, and a long-poll answered after a restart gets a verifiable bundle, the
 * very same one as before.
 */
@Timeout(60)
class PublishRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void crash_afterPublish_versionsKeepIncreasing_andTheLongPollGetsTheSameSignedBundle() throws Exception {
        Path copy = dir.resolve("after-kill");
        FakeAppliance a;
        String envelopeBefore;
        long version;
        try (TestFleet live = new TestFleet(dir.resolve("live"))) {
            a = live.enrolled("branch-1", "default", "10.1.0.0/16");
            live.enrolled("branch-2", "default", "10.2.0.0/16");
            Http.Answer poll = a.device().get("/v1/device/config?after=0&waitSeconds=0");
            assertEquals(200, poll.status(), poll.toString());
            envelopeBefore = poll.body();
            version = a.bundle().version();
            assertEquals(2, version);
            DataDirs.copyAsAfterKill(live.dataDir(), copy);
        }
        try (TestFleet recovered = new TestFleet(copy, new io.patronus.controller.testing.MutableClock(), b -> b)) {
            FakeAppliance again = a.movedTo(recovered);
            Http.Answer poll = again.device().get("/v1/device/config?after=0&waitSeconds=0");
            assertEquals(envelopeBefore, poll.body(), "the same bundle, byte for byte, signature included");
            ConfigBundle b = again.poll(0, 0).orElseThrow();
            assertEquals(version, b.version());
            assertEquals(List.of("branch-2"), b.config().sites().stream().map(io.patronus.model.Site::id).toList());
            assertTrue(again.poll(version, 1).isEmpty(), "nothing newer: the start published nothing");

            recovered.enrolled("branch-3", "default", "10.3.0.0/16");
            assertEquals(version + 1, again.poll(version, 5).orElseThrow().version());
        }
    }

    @Test
    void crash_betweenAChangeAndItsPublish_theStartPublishesAHigherVersion() throws Exception {
        Path copy = dir.resolve("after-kill");
        FakeAppliance a;
        long version;
        try (TestFleet live = new TestFleet(dir.resolve("live"))) {
            a = live.enrolled("branch-1", "default", "10.1.0.0/16");
            live.enrolled("branch-2", "default", "10.2.0.0/16");
            version = a.bundle().version();
            // A change made durable, then the crash before the publisher ran: the stored version's digest no longer
            // matches what the store renders.
            live.controller().store().transact("test", tx -> tx.putSite(rename(tx.store().site("branch-2").orElseThrow())));
            DataDirs.copyAsAfterKill(live.dataDir(), copy);
        }
        try (TestFleet recovered = new TestFleet(copy)) {
            ConfigBundle b = a.movedTo(recovered).poll(version, 5).orElseThrow();
            assertEquals(version + 1, b.version());
            assertEquals("Renamed", b.config().sites().getFirst().name());
        }
    }

    private static SiteRecord rename(SiteRecord s) {
        return new SiteRecord(s.id(), s.organisation(), "Renamed", s.location(), s.group(), s.lanPrefixes(), s.wireguardPublicKey(),
                s.endpoints(), s.overrides(), s.groupRevision(), s.createdAt());
    }

    @Test
    void publish_toManyAppliances_isOneLogRecordAndOneAuditLine() {
        try (TestFleet fleet = new TestFleet(dir)) {
            List<FakeAppliance> appliances = List.of(fleet.enrolled("b1", "default", "10.1.0.0/16"),
                    fleet.enrolled("b2", "default", "10.2.0.0/16"), fleet.enrolled("b3", "default", "10.3.0.0/16"));
            fleet.enrolled("b4", "default", "10.4.0.0/16");
            List<Long> before = appliances.stream().map(x -> x.bundle().version()).toList();
            int audits = fleet.audit("config.publish").size();
            long appends = fleet.controller().store().walStats().appends();

            assertEquals(204, fleet.admin().delete("/v1/admin/sites/b4").status());

            assertEquals(2, fleet.controller().store().walStats().appends() - appends,
                    "one record for the deletion, one for the three new versions");
            for (int i = 0; i < appliances.size(); i++) {
                assertEquals(before.get(i) + 1, appliances.get(i).bundle().version());
            }
            List<com.fasterxml.jackson.databind.JsonNode> lines = fleet.audit("config.publish");
            assertEquals(audits + 1, lines.size());
            assertEquals("appliances", lines.getLast().path("target").asText());
            assertTrue(lines.getLast().path("message").asText().startsWith("published new versions to 3 appliances"),
                    lines.getLast().toString());
        }
    }

    @Test
    void wholeBundleFromAnOlderLog_isRepublishedAboveItsVersion() {
        FakeAppliance a;
        try (TestFleet fleet = new TestFleet(dir)) {
            a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            assertEquals(1, a.bundle().version());
        }
        // What the log of the previous format holds: the whole bundle, at a version the appliance may run.
        try (ControllerStore store = ControllerStore.open(StoreOptions.of(dir, 1 << 20, java.time.Clock.systemUTC()))) {
            store.transact("old-controller", tx -> tx.put(new Change.Op.PutBundle(new LegacyBundle("branch-1", 7,
                    Instant.parse("2026-01-01T00:00:00Z"), Json.mapper().createObjectNode(),
                    Json.mapper().createObjectNode()))));
            assertEquals("", store.bundle("branch-1").orElseThrow().digest());
        }
        try (TestFleet fleet = new TestFleet(dir)) {
            ConfigBundle b = a.movedTo(fleet).poll(0, 0).orElseThrow();
            assertEquals(8, b.version(), "above the version of the old bundle");
        }
    }

    @Test
    void longPoll_parkedOverAPublishToTheWholeFleet_everyApplianceGetsItsOwnBundle() throws Exception {
        try (TestFleet fleet = new TestFleet(dir)) {
            List<FakeAppliance> appliances = List.of(fleet.enrolled("b1", "default", "10.1.0.0/16"),
                    fleet.enrolled("b2", "default", "10.2.0.0/16"), fleet.enrolled("b3", "default", "10.3.0.0/16"));
            List<java.util.concurrent.CompletableFuture<ConfigBundle>> polls = appliances.stream()
                    .map(x -> {
                        long v = x.bundle().version();
                        return java.util.concurrent.CompletableFuture.supplyAsync(() -> x.poll(v, 20).orElseThrow());
                    }).toList();
            Thread.sleep(300);
            Http.Answer put = fleet.admin().put("/v1/admin/groups/default/config", Map.of(
                    "policies", List.of(io.patronus.controller.testing.Configs.route("voice", 10, "fiber", "lte")),
                    "slaClasses", List.of(), "rollout", Map.of("waves", List.of("100%"))));
            assertEquals(200, put.status(), put.toString());
            for (int i = 0; i < appliances.size(); i++) {
                ConfigBundle b = polls.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("b" + (i + 1), b.siteId());
                assertEquals(1, b.config().policies().size());
                assertEquals(2, b.config().sites().size());
            }
        }
    }
}
