package io.patronus.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class StoreRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void restart_sameDataDir_everythingAsBefore() {
        try (TestFleet fleet = new TestFleet(dir)) {
            FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            fleet.enrolled("branch-2", "default", "10.2.0.0/16");
            fleet.token("branch-1");
            a.device().post("/v1/device/telemetry", Map.of("events", List.of(
                    Map.of("sequence", 1, "at", "2026-11-23T10:00:00Z", "kind", "k", "body", Map.of()))));
            a.device().post("/v1/device/telemetry", Map.of("events", List.of(
                    Map.of("sequence", 1, "at", "2026-11-23T10:00:00Z", "kind", "k", "body", Map.of()))));
            Map<String, JsonNode> before = adminState(fleet);
            String ca = fleet.controller().caFingerprint();
            long version = a.bundle().version();

            fleet.restart();

            assertEquals(before, adminState(fleet));
            assertEquals(ca, fleet.controller().caFingerprint(), "the CA survives a restart");
            ConfigBundle again = a.poll(0, 0).orElseThrow();
            assertEquals(version, again.version(), "nothing changed, so nothing is republished at start");
        }
    }

    @Test
    void crash_copyOfRunningDataDir_recoversEveryAcknowledgedChange() throws IOException {
        Path copy = dir.resolve("copy");
        Map<String, JsonNode> before;
        try (TestFleet fleet = new TestFleet(dir.resolve("live"))) {
            fleet.enrolled("branch-1", "default", "10.1.0.0/16");
            fleet.site("branch-2", "east", "10.2.0.0/16");
            before = adminState(fleet);
            // What a kill -9 leaves: the files as they are now, no final checkpoint (the copy ignores the live locks).
            copyTree(fleet.dataDir(), copy);
        }
        try (TestFleet recovered = new TestFleet(copy)) {
            assertTrue(recovered.controller().store().replayedAtOpen() > 0, "the changes came back from the log");
            Map<String, JsonNode> after = adminState(recovered);
            assertEquals(before.get("sites"), after.get("sites"));
            assertEquals(before.get("tokens"), after.get("tokens"));
            assertEquals(before.get("appliances"), after.get("appliances"));
        }
    }

    @Test
    void transact_bodyThrows_nothingWritten() {
        try (ControllerStore store = ControllerStore.open(StoreOptions.of(dir, 1 << 20, Clock.systemUTC()))) {
            long before = store.appliedSequence();
            assertThrows(IllegalStateException.class, () -> store.transact("test", tx -> {
                tx.audit("", "test", "x", "y", "z", "");
                throw new IllegalStateException("refused");
            }));
            assertEquals(before, store.appliedSequence());
            assertTrue(store.audit(a -> a.action().equals("x")).isEmpty());
        }
    }

    @Test
    void checkpointThenMoreChanges_reopenReplaysOnlyTheTail() {
        StoreOptions options = new StoreOptions(dir, WalOptions.defaults(dir.resolve("wal")).segmentBytes(1 << 20), 3,
                Clock.systemUTC());
        try (ControllerStore store = ControllerStore.open(options)) {
            for (int i = 0; i < 5; i++) {
                int n = i;
                store.transact("test", tx -> tx.putSite(new SiteRecord("s" + n, OrganisationRecord.FIRST, "S" + n, "", "default", List.of(),
                        Optional.empty(), Map.of(), SiteOverrides.none(), 0, Instant.parse("2026-01-01T00:00:00Z"))));
            }
        }
        try (ControllerStore store = ControllerStore.open(options)) {
            assertEquals(5, store.sites().size());
            assertEquals(0, store.replayedAtOpen(), "close checkpoints everything");
        }
    }

    @Test
    void open_checkpointOfSchema1_wholeBundlesReadAsVersionsWithoutDigest() throws IOException {
        Files.createDirectories(dir);
        LegacyBundle old = new LegacyBundle("branch-1", 5, Instant.parse("2026-01-01T00:00:00Z"),
                Json.mapper().createObjectNode().putArray("sites").addObject(), Json.mapper().createObjectNode().put("payload", "x"));
        new Snapshot(1, 0, Map.of("bundles", Map.of("branch-1", Json.mapper().writeValueAsString(old)),
                "audit", Map.of("7", Json.mapper().writeValueAsString(new AuditRecord(7, old.issuedAt(), "", "admin", "x", "y",
                        "ok", "", "", ""))))).write(dir);
        try (ControllerStore store = ControllerStore.open(StoreOptions.of(dir, 1 << 20, Clock.systemUTC()))) {
            assertEquals(new BundleVersion("branch-1", 5, old.issuedAt(), ""), store.bundle("branch-1").orElseThrow());
            assertEquals(8, store.audit(a -> a.action().equals("organisation.create")).getFirst().id(),
                    "the migration's line (the first organisation) goes on from the checkpoint's last id");
            store.audit("", "admin", "next", "z", "", "");
            assertEquals(9, store.audit(a -> a.action().equals("next")).getFirst().id());
        }
        try (ControllerStore store = ControllerStore.open(StoreOptions.of(dir, 1 << 20, Clock.systemUTC()))) {
            assertEquals(5, store.bundle("branch-1").orElseThrow().version(), "kept as a version by the new checkpoint");
        }
    }

    /**
     * Group configurations written before SLA classes had a probe interval and detect multiplier, in a checkpoint and
     * in a logged change after it, load with neither: their appliances keep the failover defaults.
     */
    @Test
    void open_slaClassesStoredBeforeProbeFields_loadWithoutThem() throws IOException {
        Files.createDirectories(dir);
        String oldClass = "{\"name\":\"gold\",\"maxLatencyMs\":50.0,\"maxLossPct\":1.0,\"maxJitterMs\":10.0}";
        String oldGroup = "{\"name\":\"retail\",\"currentRevision\":1,\"revisions\":{\"1\":{\"policies\":[],\"slaClasses\":["
                + oldClass + "]}},\"updatedAt\":\"2026-01-01T00:00:00Z\"}";
        new Snapshot(2, 0, Map.of("groups", Map.of("retail", oldGroup))).write(dir); // the schema of that time
        StoreOptions options = StoreOptions.of(dir, 1 << 20, Clock.systemUTC());
        try (io.patronus.wal.WriteAheadLog wal = io.patronus.wal.WriteAheadLog.open(options.wal())) {
            wal.append(io.patronus.wal.RecordType.STATE_MUTATION, ("{\"ops\":[{\"op\":\"group.put\",\"group\":"
                    + oldGroup.replace("retail", "branch") + "}],\"actor\":\"admin\",\"at\":\"2026-01-01T00:00:00Z\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        try (ControllerStore store = ControllerStore.open(options)) {
            assertEquals(1, store.replayedAtOpen());
            for (String group : List.of("retail", "branch")) {
                io.patronus.model.SlaClass gold = store.group(OrganisationRecord.FIRST, group).orElseThrow().current()
                        .slaClasses().getFirst();
                assertEquals(new io.patronus.model.SlaClass("gold", 50, 1, 10), gold, group);
                assertEquals(java.util.OptionalInt.empty(), gold.probeIntervalMs(), group);
                assertEquals(java.util.OptionalInt.empty(), gold.detectMultiplier(), group);
            }
        }
    }

    @Test
    void open_directoryInUse_refusedNamingIt() {
        try (ControllerStore store = ControllerStore.open(StoreOptions.of(dir, 1 << 20, Clock.systemUTC()))) {
            assertTrue(store.sites().isEmpty());
            StoreException e = assertThrows(StoreException.class,
                    () -> ControllerStore.open(StoreOptions.of(dir, 1 << 20, Clock.systemUTC())));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    private static Map<String, JsonNode> adminState(TestFleet fleet) {
        return Map.of(
                "sites", fleet.admin().get("/v1/admin/sites").json(),
                "tokens", fleet.admin().get("/v1/admin/tokens").json(),
                "appliances", Json.mapper().valueToTree(fleet.controller().store().appliances()),
                "groups", fleet.admin().get("/v1/admin/groups").json(),
                "events", fleet.admin().get("/v1/admin/events").json(),
                "audit", fleet.admin().get("/v1/admin/audit?limit=1000").json(),
                "bundles", Json.mapper().valueToTree(fleet.controller().store().bundle("branch-1").orElse(null)));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
