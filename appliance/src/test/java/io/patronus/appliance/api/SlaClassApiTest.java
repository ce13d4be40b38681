package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.ApiClient.Response;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/sla-classes} over HTTP against a real appliance: each class's own probe fields and what they resolve to. */
class SlaClassApiTest {
    @TempDir
    static Path dataDir;
    static RunningAppliance appliance;
    static ApiClient viewer;

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dataDir, Map.of("PATRONUS_FAILOVER_PROBE_INTERVAL", "150ms",
                "PATRONUS_FAILOVER_DETECT_MULTIPLIER", "5", "PATRONUS_FAILOVER_SLA_CLASS", "realtime"), c -> c.withSlaClasses(List.of(
                new SlaClass("default", 150, 2, 30),
                new SlaClass("realtime", 80, 0.5, 10, OptionalInt.of(50), OptionalInt.of(3)))));
        viewer = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
    }

    @AfterAll
    static void stop() {
        appliance.close();
    }

    @Test
    void list_classWithoutProbeFields_resolvesToTheFailoverDefaults() {
        JsonNode d = viewer.get("/v1/sla-classes").json().get("items").get(0);

        assertEquals("default", d.get("name").asText());
        assertFalse(d.has("probeIntervalMs"), "not set by the class: " + d);
        assertFalse(d.has("detectMultiplier"), d.toString());
        assertEquals(150, d.get("effectiveProbeIntervalMs").asInt());
        assertEquals(5, d.get("effectiveDetectMultiplier").asInt());
        assertFalse(d.get("judged").asBoolean());
    }

    @Test
    void list_classWithProbeFields_showsThemAndIsTheJudgedOne() {
        JsonNode v = viewer.get("/v1/sla-classes").json().get("items").get(1);

        assertEquals("realtime", v.get("name").asText());
        assertEquals(50, v.get("probeIntervalMs").asInt());
        assertEquals(3, v.get("detectMultiplier").asInt());
        assertEquals(50, v.get("effectiveProbeIntervalMs").asInt());
        assertEquals(3, v.get("effectiveDetectMultiplier").asInt());
        assertTrue(v.get("judged").asBoolean());
    }

    @Test
    void list_withoutToken_is401() {
        Response r = new ApiClient(appliance.baseUri()).get("/v1/sla-classes");
        assertEquals(401, r.status());
    }

    @Test
    void put_isNotARoute_theClassesComeFromConfigurationAndController() {
        Response r = viewer.send("PUT", "/v1/sla-classes", "{}");
        assertEquals(405, r.status(), r.body());
    }
}
