package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.testing.DataDirs;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.MutableClock;
import io.patronus.controller.testing.TestFleet;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.PathSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.patronus.controller.testing.Configs.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which status reports are journalled, how observed configurations are kept, group commit, and retention. */
@Timeout(60)
class DeviceReportsTest {
    @TempDir
    Path dir;

    @Test
    void status_unchangedHeartbeat_notJournalled_lastSeenKeptInMemoryAndByTheCheckpoint() throws Exception {
        try (TestFleet fleet = new TestFleet(dir.resolve("live"))) {
            FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            ControllerStore store = fleet.controller().store();
            long version = a.bundle().version();
            Optional<BundleConfig> observed = Optional.of(a.bundle().config());
            assertEquals(200, a.applied(version, observed).status());
            long sequence = store.appliedSequence();

            fleet.clock().advance(Duration.ofSeconds(15));
            Instant heartbeat = fleet.clock().instant();
            assertEquals(200, a.status(DeviceState.CONFIG_APPLIED, version, 0, "", new PathSummary(1, 1, 0), observed, 0).status());
            assertEquals(sequence, store.appliedSequence(), "an unchanged heartbeat writes nothing to the log");
            ApplianceRecord seen = store.appliance("branch-1").orElseThrow();
            assertEquals(Optional.of(heartbeat), seen.lastSeen());
            assertEquals(new PathSummary(1, 1, 0), seen.paths());

            // A kill -9 now loses the heartbeat (the durable state before it is there); a checkpoint keeps it.
            DataDirs.copyAsAfterKill(fleet.dataDir(), dir.resolve("killed"));
            assertTrue(store.checkpointIfDue(Duration.ZERO));
            DataDirs.copyAsAfterKill(fleet.dataDir(), dir.resolve("checkpointed"));

            fleet.clock().advance(Duration.ofSeconds(15));
            a.status(DeviceState.ROLLED_BACK, version, version + 1, "no handshake", new PathSummary(0, 0, 2), observed, 0);
            assertEquals(sequence + 1, store.appliedSequence(), "a rejected version is journalled");
        }
        try (TestFleet killed = new TestFleet(dir.resolve("killed"))) {
            ApplianceRecord a = killed.controller().store().appliance("branch-1").orElseThrow();
            assertEquals("CONFIG_APPLIED", a.state());
            assertEquals(new PathSummary(2, 0, 0), a.paths(), "as the last journalled report had it");
        }
        try (TestFleet checkpointed = new TestFleet(dir.resolve("checkpointed"))) {
            assertEquals(new PathSummary(1, 1, 0), checkpointed.controller().store().appliance("branch-1").orElseThrow().paths());
        }
    }

    @Test
    void status_dataPlaneProblem_journalledOnceShownInTheFleetViewAndClearedWhenGone() throws Exception {
        String problem = "tunnel reconcile failing since 2026-11-24T00:00:00Z: 1 route or rule change failed: RTM_DELROUTE"
                + " (delete route) on route 192.0.2.250/32 table 1000 failed: ESRCH (No such process)";
        FakeAppliance a;
        try (TestFleet fleet = new TestFleet(dir)) {
            a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            ControllerStore store = fleet.controller().store();
            long version = a.bundle().version();
            assertEquals(200, a.applied(version, Optional.empty()).status());
            PathSummary paths = new PathSummary(2, 0, 0);
            long sequence = store.appliedSequence();

            assertEquals(200, a.status(DeviceState.MESH_UP, version, 0, "", paths, Optional.empty(), 0, problem).status());
            assertEquals(sequence + 1, store.appliedSequence(), "a new problem is journalled");
            fleet.clock().advance(Duration.ofSeconds(15));
            assertEquals(200, a.status(DeviceState.MESH_UP, version, 0, "", paths, Optional.empty(), 0, problem).status());
            assertEquals(sequence + 1, store.appliedSequence(), "the same problem again is a plain heartbeat");

            JsonNode list = fleet.admin().get("/v1/admin/appliances").json().path("items").get(0);
            assertEquals(problem, list.path("dataPlaneProblem").asText());
            assertEquals(problem, fleet.admin().get("/v1/admin/appliances/branch-1").json().path("dataPlaneProblem").asText());
        }
        try (TestFleet restarted = new TestFleet(dir)) {
            assertEquals(problem, restarted.controller().store().appliance("branch-1").orElseThrow().dataPlaneProblem(),
                    "replayed from the journal");
            FakeAppliance again = a.movedTo(restarted);
            long version = again.bundle().version();
            assertEquals(200, again.status(DeviceState.MESH_UP, version, 0, "", new PathSummary(2, 0, 0), Optional.empty(), 0).status());
            assertEquals("", restarted.admin().get("/v1/admin/appliances/branch-1").json().path("dataPlaneProblem").asText(),
                    "a report without a problem clears it");
        }
    }

    @Test
    void status_observedEqualToAPublishedVersion_storedByVersion_localChangesStoredWhole() {
        try (TestFleet fleet = new TestFleet(dir)) {
            FakeAppliance a = fleet.enrolled("branch-1", "retail", "10.1.0.0/16");
            fleet.enrolled("branch-2", "retail", "10.2.0.0/16");
            ConfigBundle first = a.bundle();
            a.applied(first.version(), Optional.of(first.config()));
            ApplianceRecord stored = fleet.controller().store().appliance("branch-1").orElseThrow();
            assertEquals(Optional.of(first.version()), stored.observedVersion());
            assertTrue(stored.observedConfig().isEmpty(), "not stored again: it is the published configuration");
            assertTrue(fleet.admin().get("/v1/admin/appliances/branch-1/drift").json().path("inSync").asBoolean());

            // A newer version is published; the appliance still runs the older one, unchanged.
            fleet.admin().put("/v1/admin/groups/retail/config", Map.of("policies", List.of(route("voice", 10, "fiber", "lte")),
                    "slaClasses", List.of(), "rollout", Map.of("waves", List.of("100%"))));
            JsonNode drift = fleet.admin().get("/v1/admin/appliances/branch-1/drift").json();
            assertFalse(drift.path("inSync").asBoolean());
            assertEquals(first.version(), drift.path("observedVersion").asLong());
            assertTrue(drift.path("lines").toString().contains("- policy voice"), drift.toString());

            List<io.patronus.model.Policy> local = new ArrayList<>(first.config().policies());
            local.add(route("bulk", 50, "lte", "fiber"));
            BundleConfig changed = new BundleConfig(first.config().sites(), local, first.config().slaClasses());
            a.status(DeviceState.MESH_UP, first.version(), 0, "", new PathSummary(1, 0, 0), Optional.of(changed), 1);
            stored = fleet.controller().store().appliance("branch-1").orElseThrow();
            assertTrue(stored.observedVersion().isEmpty());
            assertEquals(Optional.of(changed), stored.observedConfig());
        }
    }

    @Test
    void status_manyAppliancesAtOnce_everyReportRecorded() throws Exception {
        try (TestFleet fleet = new TestFleet(dir)) {
            List<FakeAppliance> appliances = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                appliances.add(fleet.enrolled("b" + i, "default", "10." + i + ".0.0/16"));
            }
            List<ConfigBundle> bundles = appliances.stream().map(FakeAppliance::bundle).toList();
            List<CompletableFuture<Http.Answer>> answers = new ArrayList<>();
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < appliances.size(); i++) {
                    FakeAppliance a = appliances.get(i);
                    ConfigBundle b = bundles.get(i);
                    DeviceState state = round == 0 ? DeviceState.CONFIG_APPLIED : DeviceState.MESH_UP;
                    answers.add(CompletableFuture.supplyAsync(() -> a.status(state, b.version(), 0, "",
                            new PathSummary(2, 0, 0), Optional.of(b.config()), 0), threads));
                }
                for (CompletableFuture<Http.Answer> f : answers) {
                    assertEquals(200, f.get(20, TimeUnit.SECONDS).status());
                }
                answers.clear();
            }
            threads.close();
            for (int i = 0; i < appliances.size(); i++) {
                ApplianceRecord r = fleet.controller().store().appliance("b" + (i + 1)).orElseThrow();
                assertEquals("MESH_UP", r.state());
                assertEquals(bundles.get(i).version(), r.appliedVersion());
                assertEquals(Optional.of(bundles.get(i).version()), r.observedVersion());
                assertEquals(List.of("ENROLLED", "CONFIG_APPLIED", "MESH_UP"), r.progress().stream().map(p -> p.state()).toList());
            }
        }
    }

    @Test
    void retention_removesOldEventsAndAudit_aResentEventIsStillADuplicate_auditIdsKeepIncreasing() {
        MutableClock clock = new MutableClock();
        try (TestFleet fleet = new TestFleet(dir, clock, b -> b.telemetryRetention(Duration.ofHours(1))
                .auditRetention(Duration.ofHours(2)))) {
            FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            Map<String, Object> batch = Map.of("events", List.of(
                    Map.of("sequence", 1, "at", "2026-11-23T10:00:00Z", "kind", "path_event", "body", Map.of()),
                    Map.of("sequence", 2, "at", "2026-11-23T10:00:01Z", "kind", "path_event", "body", Map.of())));
            assertEquals(2, a.device().post("/v1/device/telemetry", batch).json().path("acknowledged").asLong());
            long lastAudit = lastAuditId(fleet);

            clock.advance(Duration.ofMinutes(90));
            ControllerStore.Pruned pruned = fleet.controller().enforceRetention();
            assertEquals(2, pruned.events());
            assertEquals(0, pruned.auditRecords(), "audit is kept for 2 h");
            assertEquals(0, fleet.admin().get("/v1/admin/events?site=branch-1").json().path("items").size());

            Http.Answer resent = a.device().post("/v1/device/telemetry", batch);
            assertEquals(2, resent.json().path("acknowledged").asLong());
            assertEquals(0, fleet.admin().get("/v1/admin/events?site=branch-1").json().path("items").size(),
                    "an expired event sent again is not stored again");
            JsonNode counter = fleet.admin().get("/v1/admin/events?site=branch-1").json().path("telemetry").get(0);
            assertEquals(2, counter.path("duplicates").asLong());
            assertEquals(2, counter.path("stored").asLong());

            clock.advance(Duration.ofHours(3));
            assertTrue(fleet.controller().enforceRetention().auditRecords() > 0);
            // (The store directly from here: the restarted server's certificate is issued at the test clock's time.)
            fleet.restart();
            ControllerStore store = fleet.controller().store();
            store.audit("", "admin", "after.restart", "x", "", "");
            List<String> left = store.audit(r -> true).stream().map(r -> r.action()).toList();
            assertEquals(List.of("retention.prune", "after.restart"), left, "only the records since the last pass");
            assertTrue(lastAuditId(fleet) > lastAudit, "ids go on from where they were, across the restart");
        }
    }

    private static long lastAuditId(TestFleet fleet) {
        return fleet.controller().store().audit(r -> true).stream().mapToLong(r -> r.id()).max().orElse(0);
    }
}
