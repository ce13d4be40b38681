package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.model.Site;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.PathSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ConfigDistributionTest {
    @TempDir
    Path dir;
    TestFleet fleet;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    @Test
    void secondSiteEnrolled_bumpsFirstSitesVersion_andItsBundleHoldsTheSecondSite() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        assertEquals(1, a.bundle().version());
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");

        ConfigBundle bundleA = a.bundle();
        assertEquals(2, bundleA.version());
        Site peer = bundleA.config().sites().getFirst();
        assertEquals(1, bundleA.config().sites().size());
        assertEquals("branch-2", peer.id());
        assertEquals(b.wireguardKey(), peer.publicKey());
        assertEquals("10.2.0.0/16", peer.lanPrefixes().getFirst().toString());
        assertFalse(peer.endpoints().isEmpty());
        ConfigBundle bundleB = b.bundle();
        assertEquals(List.of("branch-1"), bundleB.config().sites().stream().map(Site::id).toList());
    }

    @Test
    void unchangedRendering_publishesNothing() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        long before = a.bundle().version();
        fleet.site("staged-only", "default", "10.3.0.0/16"); // not enrolled: not part of the mesh yet
        assertEquals(before, a.bundle().version());
        assertTrue(fleet.audit("config.publish").stream().noneMatch(r -> r.path("at").asText().isEmpty()
                && r.path("target").asText().equals("appliance/staged-only")));
    }

    @Test
    void longPoll_answersWithinASecondOfAPublish() throws Exception {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        long version = a.bundle().version();
        CompletableFuture<Optional<ConfigBundle>> poll = CompletableFuture.supplyAsync(() -> a.poll(version, 30));
        Thread.sleep(500); // the poll is parked
        assertFalse(poll.isDone());
        long published = System.nanoTime();
        fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        Optional<ConfigBundle> got = poll.get(5, TimeUnit.SECONDS);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published);
        assertTrue(got.isPresent());
        assertEquals(version + 1, got.get().version());
        assertTrue(waited < 1500, "the long-poll answered " + waited + " ms after the publish");
    }

    @Test
    void longPoll_nothingNew_answers204AfterWaitSeconds() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        long version = a.bundle().version();
        long start = System.nanoTime();
        Http.Answer answer = a.device().get("/v1/device/config?after=" + version + "&waitSeconds=1", Duration.ofSeconds(10));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(204, answer.status());
        assertTrue(took >= 950 && took < 3000, "took " + took + " ms");
    }

    @Test
    void longPoll_badParameters_refused400() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Http.Answer answer = a.device().get("/v1/device/config?after=-1");
        assertEquals(400, answer.status());
        assertEquals("after", answer.json().path("error").path("field").asText());
    }

    @Test
    void telemetry_resentTwice_storedOnceAndDuplicatesCounted() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Map<String, Object> batch = Map.of("events", List.of(
                Map.of("sequence", 10, "at", "2026-11-23T10:00:00Z", "kind", "failover_decision", "body", Map.of("to", "lte")),
                Map.of("sequence", 11, "at", "2026-11-23T10:00:01Z", "kind", "path_event", "body", Map.of("path", "x"))));
        for (int i = 0; i < 3; i++) {
            Http.Answer ack = a.device().post("/v1/device/telemetry", batch);
            assertEquals(200, ack.status(), ack.toString());
            assertEquals(11, ack.json().path("acknowledged").asLong());
        }
        JsonNode events = fleet.admin().get("/v1/admin/events?site=branch-1").json();
        assertEquals(2, events.path("items").size());
        assertEquals(4, events.path("telemetry").get(0).path("duplicates").asLong());
        assertEquals(2, events.path("telemetry").get(0).path("stored").asLong());
        assertEquals("failover_decision", events.path("items").get(0).path("kind").asText());
        // A batch overlapping the stored events: only the new one is stored, the ack moves on.
        Http.Answer ack = a.device().post("/v1/device/telemetry", Map.of("events", List.of(
                Map.of("sequence", 11, "at", "2026-11-23T10:00:01Z", "kind", "path_event", "body", Map.of()),
                Map.of("sequence", 12, "at", "2026-11-23T10:00:02Z", "kind", "path_event", "body", Map.of()))));
        assertEquals(12, ack.json().path("acknowledged").asLong());
        assertEquals(3, fleet.admin().get("/v1/admin/events?site=branch-1&limit=2").json().path("total").asLong());
        assertEquals(2, fleet.admin().get("/v1/admin/events?site=branch-1&limit=2").json().path("items").size());
        assertEquals(0, fleet.admin().get("/v1/admin/events?since=2026-11-23T10:00:05Z").json().path("total").asLong());
    }

    /** Regression: a replacement device numbers its events from 1 and they were dropped as the old device's duplicates. */
    @Test
    void telemetry_replacementDevice_numbersFromOneAgain_storedNotDroppedAsDuplicates() {
        FakeAppliance first = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        assertEquals(3, first.device().post("/v1/device/telemetry", events(1, 3, "old")).json().path("acknowledged").asLong());
        FakeAppliance replacement = new FakeAppliance(fleet, "SER-branch-1-new");
        replacement.enrol(fleet.token("branch-1"));

        Http.Answer ack = replacement.device().post("/v1/device/telemetry", events(1, 2, "new"));

        assertEquals(2, ack.json().path("acknowledged").asLong(), "acknowledged in the new device's own numbering");
        JsonNode stored = fleet.admin().get("/v1/admin/events?site=branch-1").json();
        assertEquals(5, stored.path("total").asLong());
        assertEquals(List.of("old", "old", "old", "new", "new"), stored.path("items").findValues("origin").stream()
                .map(JsonNode::asText).toList());
        assertEquals(0, stored.path("telemetry").get(0).path("duplicates").asLong());
        // A resend is still a duplicate, and the next event moves the ack on; also after a restart (replayed or checkpointed).
        fleet.restart();
        assertEquals(2, replacement.device().post("/v1/device/telemetry", events(1, 2, "new")).json().path("acknowledged").asLong());
        assertEquals(3, replacement.device().post("/v1/device/telemetry", events(3, 3, "new")).json().path("acknowledged").asLong());
        JsonNode after = fleet.admin().get("/v1/admin/events?site=branch-1").json();
        assertEquals(6, after.path("total").asLong());
        assertEquals(2, after.path("telemetry").get(0).path("duplicates").asLong());
        JsonNode view = fleet.admin().get("/v1/admin/appliances/branch-1").json().path("telemetry");
        assertEquals(3, view.path("acknowledged").asLong());
        assertEquals(6, view.path("highestSequence").asLong());
    }

    @Test
    void telemetry_siteDeletedAndItsIdUsedAgain_newDevicesEventsStored() {
        FakeAppliance first = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        first.device().post("/v1/device/telemetry", events(1, 4, "old"));
        Http.Answer deleted = fleet.admin().delete("/v1/admin/sites/branch-1");
        assertEquals(2, deleted.status() / 100, deleted.toString());
        FakeAppliance again = fleet.enrolled("branch-1", "default", "10.1.0.0/16");

        Http.Answer ack = again.device().post("/v1/device/telemetry", events(1, 2, "new"));

        assertEquals(2, ack.json().path("acknowledged").asLong());
        JsonNode stored = fleet.admin().get("/v1/admin/events?site=branch-1").json();
        assertEquals(List.of("old", "old", "old", "old", "new", "new"), stored.path("items").findValues("origin").stream()
                .map(JsonNode::asText).toList());
    }

    private static Map<String, Object> events(int from, int to, String origin) {
        List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (int i = from; i <= to; i++) {
            list.add(Map.of("sequence", i, "at", "2026-11-23T10:00:0" + i + "Z", "kind", "path_event", "body", Map.of("origin", origin)));
        }
        return Map.of("events", list);
    }

    @Test
    void telemetry_sequencesNotIncreasing_refused400() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Http.Answer answer = a.device().post("/v1/device/telemetry", Map.of("events", List.of(
                Map.of("sequence", 5, "at", "2026-11-23T10:00:00Z", "kind", "k", "body", Map.of()),
                Map.of("sequence", 5, "at", "2026-11-23T10:00:00Z", "kind", "k", "body", Map.of()))));
        assertEquals(400, answer.status(), answer.toString());
    }

    @Test
    void status_recordsLastSeenStateVersionsAndProgress() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        fleet.clock().advance(Duration.ofSeconds(5));
        Http.Answer answer = a.status(DeviceState.CONFIG_APPLIED, 1, 0, "", new PathSummary(3, 1, 0), Optional.empty(), 0);
        assertEquals(200, answer.status(), answer.toString());
        assertEquals(1, answer.json().path("desiredVersion").asLong());
        a.status(DeviceState.ROLLED_BACK, 1, 2, "no handshake with branch-2 within 120 s", new PathSummary(1, 0, 2),
                Optional.empty(), 0);
        JsonNode ap = fleet.admin().get("/v1/admin/appliances/branch-1").json();
        assertEquals("ROLLED_BACK", ap.path("state").asText());
        assertEquals(1, ap.path("appliedVersion").asLong());
        assertEquals(2, ap.path("rejectedVersion").asLong());
        assertEquals("no handshake with branch-2 within 120 s", ap.path("rejectReason").asText());
        assertEquals(2, ap.path("paths").path("down").asInt());
        assertTrue(ap.path("online").asBoolean());
        List<String> states = ap.path("progress").findValuesAsText("state");
        assertEquals(List.of("ENROLLED", "CONFIG_APPLIED", "ROLLED_BACK"), states);
        // Three missed heartbeats (15 s each) later it shows offline.
        fleet.clock().advance(Duration.ofSeconds(46));
        JsonNode list = fleet.admin().get("/v1/admin/appliances").json().path("items").get(0);
        assertFalse(list.path("online").asBoolean());
        assertEquals(Json.mapper().valueToTree(fleet.controller().store().appliance("branch-1").orElseThrow().lastSeen().orElseThrow()),
                list.path("lastSeen"));
    }

    @Test
    void siteDeleted_removedFromEveryOtherMesh() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        long v = a.bundle().version();
        assertEquals(204, fleet.admin().delete("/v1/admin/sites/branch-2").status());
        ConfigBundle after = a.bundle();
        assertEquals(v + 1, after.version());
        assertTrue(after.config().sites().isEmpty());
    }
}
