package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
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

import static io.patronus.controller.testing.Configs.group;
import static io.patronus.controller.testing.Configs.route;
import static io.patronus.controller.testing.Configs.sla;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class RolloutTest {
    @TempDir
    Path dir;
    TestFleet fleet;
    FakeAppliance a;
    FakeAppliance b;
    FakeAppliance c;
    FakeAppliance d;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
        a = fleet.enrolled("a-site", "retail", "10.1.0.0/16");
        b = fleet.enrolled("b-site", "retail", "10.2.0.0/16");
        c = fleet.enrolled("c-site", "retail", "10.3.0.0/16");
        d = fleet.enrolled("d-site", "retail", "10.4.0.0/16");
        for (FakeAppliance x : List.of(a, b, c, d)) {
            x.applied(x.bundle().version(), Optional.empty());
        }
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    private Http.Answer putVoice(String primary) {
        return fleet.admin().put("/v1/admin/groups/retail/config", group(List.of(route("voice", 10, primary, "broadband")),
                List.of(sla("default", 150))));
    }

    private JsonNode rollout(String id) {
        fleet.controller().tickRollouts();
        return fleet.admin().get("/v1/admin/rollouts/" + id).json();
    }

    private static boolean hasVoice(ConfigBundle bundle) {
        return bundle.config().policies().stream().anyMatch(p -> p.id().equals("voice"));
    }

    @Test
    void rollout_healthyWaves_canaryThenHalfThenAll() {
        Http.Answer put = putVoice("fiber");
        assertEquals(200, put.status(), put.toString());
        JsonNode r = put.json().path("rollout");
        String id = r.path("id").asText();
        assertEquals("RUNNING", r.path("state").asText());
        assertEquals(3, r.path("waves").size());
        assertEquals(List.of("a-site"), List.of(r.path("waves").get(0).path("sites").get(0).asText()));
        assertEquals(List.of("b-site"), List.of(r.path("waves").get(1).path("sites").get(0).asText()),
                "50% of 4 is the canary and one more");
        assertEquals(2, r.path("waves").get(2).path("sites").size());
        assertTrue(hasVoice(a.bundle()), "the canary has the change");
        assertTrue(!hasVoice(b.bundle()) && !hasVoice(c.bundle()) && !hasVoice(d.bundle()), "the others wait");

        ConfigBundle canary = a.bundle();
        a.applied(canary.version(), Optional.empty());
        JsonNode afterCanary = rollout(id);
        assertEquals("HEALTHY", afterCanary.path("waves").get(0).path("state").asText());
        assertEquals(2, afterCanary.path("currentWave").asInt());
        assertTrue(hasVoice(b.bundle()));
        assertTrue(!hasVoice(c.bundle()) && !hasVoice(d.bundle()));

        b.applied(b.bundle().version(), Optional.empty());
        assertEquals(3, rollout(id).path("currentWave").asInt());
        c.applied(c.bundle().version(), Optional.empty());
        d.applied(d.bundle().version(), Optional.empty());
        JsonNode done = rollout(id);
        assertEquals("COMPLETED", done.path("state").asText(), done.toString());
    }

    @Test
    void rollout_canaryRollsBack_haltsAndTheOthersKeepTheOldConfig() {
        String id = putVoice("fiber").json().path("rollout").path("id").asText();
        ConfigBundle canary = a.bundle();
        a.status(DeviceState.ROLLED_BACK, canary.version() - 1, canary.version(), "no WireGuard handshake with b-site within 120 s",
                new PathSummary(0, 0, 3), Optional.empty(), 0);
        JsonNode r = rollout(id);
        assertEquals("HALTED", r.path("state").asText(), r.toString());
        assertTrue(r.path("reason").asText().contains("a-site rolled back version " + canary.version()), r.toString());
        assertEquals("FAILED", r.path("waves").get(0).path("state").asText());
        assertEquals("PENDING", r.path("waves").get(1).path("state").asText());
        fleet.controller().tickRollouts();
        assertTrue(!hasVoice(b.bundle()) && !hasVoice(c.bundle()) && !hasVoice(d.bundle()), "a halted rollout releases nothing more");
        assertEquals(1, fleet.audit("rollout.halt").size());

        // The operator fixes the configuration: a new rollout supersedes nothing (the old one halted) and starts over.
        String next = putVoice("lte").json().path("rollout").path("id").asText();
        assertEquals("RUNNING", fleet.admin().get("/v1/admin/rollouts/" + next).json().path("state").asText());
    }

    @Test
    void rollout_waveNotHealthyInTime_halts() {
        Http.Answer put = fleet.admin().put("/v1/admin/groups/retail/config", Map.of(
                "policies", List.of(route("voice", 10, "fiber", "lte")), "slaClasses", List.of(),
                "rollout", Map.of("waves", List.of("1", "100%"), "gateTimeout", "30s")));
        String id = put.json().path("rollout").path("id").asText();
        assertEquals("30s", put.json().path("rollout").path("gateTimeout").asText());
        fleet.clock().advance(Duration.ofSeconds(31));
        JsonNode r = rollout(id);
        assertEquals("HALTED", r.path("state").asText());
        assertTrue(r.path("reason").asText().contains("not healthy within 30 s"), r.toString());
    }

    @Test
    void push_releasesCurrentRevisionEverywhereAndSupersedesTheRollout() {
        String id = putVoice("fiber").json().path("rollout").path("id").asText();
        Http.Answer push = fleet.admin().post("/v1/admin/groups/retail/push", null);
        assertEquals(200, push.status(), push.toString());
        for (FakeAppliance x : List.of(a, b, c, d)) {
            assertTrue(hasVoice(x.bundle()), x.serial());
        }
        assertEquals("SUPERSEDED", fleet.admin().get("/v1/admin/rollouts/" + id).json().path("state").asText());
    }

    @Test
    void groupConfig_unchanged_noNewRollout() {
        putVoice("fiber");
        Http.Answer again = putVoice("fiber");
        assertEquals(200, again.status());
        assertTrue(!again.json().path("changed").asBoolean());
        assertEquals(1, fleet.admin().get("/v1/admin/rollouts").json().path("items").size());
    }

    @Test
    void groupConfig_duplicatePriority_refused422NamingTheField() {
        Http.Answer bad = fleet.admin().put("/v1/admin/groups/retail/config", group(
                List.of(route("voice", 10, "fiber", "lte"), route("web", 10, "fiber", "lte")), List.of()));
        assertEquals(422, bad.status());
        assertEquals("policies[1].priority", bad.json().path("error").path("field").asText());
    }

    @Test
    void plan_cumulativeWaves() {
        assertEquals(List.of(List.of("a"), List.of("b"), List.of("c", "d")), RolloutEngine.plan(List.of("a", "b", "c", "d"),
                List.of("1", "50%", "100%")));
        assertEquals(List.of(List.of("a")), RolloutEngine.plan(List.of("a"), List.of("1", "50%", "100%")));
        assertEquals(List.of(), RolloutEngine.plan(List.of(), List.of("1", "100%")));
    }
}
