package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.ApiClient.Response;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /v1/failover}, its trigger and clear, and {@code /v1/events} over HTTP against a real appliance. */
class FailoverApiTest {
    @TempDir
    static Path dataDir;
    static RunningAppliance appliance;
    static ApiClient admin;

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dataDir);
        admin = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("branch-7", 7)).status());
        assertEquals(201, admin.post("/v1/policies", Fixtures.routePolicyJson("voice", 10)).status());
        assertEquals(201, admin.post("/v1/policies", """
                {"id":"block","name":"block","priority":5,"match":{"protocol":"tcp"},"action":{"type":"drop"}}""").status());
    }

    @AfterAll
    static void stop() {
        appliance.close();
    }

    private static JsonNode choice(String policyId) {
        appliance.appliance().failover().evaluateNow();
        for (JsonNode i : admin.get("/v1/failover").json().get("items")) {
            if (i.get("siteId").asText().equals("branch-7") && (policyId == null ? i.path("policyId").isNull() || i.path("policyId").isMissingNode()
                    : policyId.equals(i.path("policyId").asText()))) {
                return i;
            }
        }
        throw new AssertionError("no choice for " + policyId + ": " + admin.get("/v1/failover").body());
    }

    @Test
    void status_listsDefaultAndRoutePolicyChoicesWithReasons() {
        assertEquals("fiber", choice(null).get("colour").asText());
        JsonNode voice = choice("voice");
        assertFalse(voice.get("reason").asText().isBlank());
        assertFalse(voice.get("pinned").asBoolean());
    }

    @Test
    void trigger_pinsWinsAndIsAnEvent_clearReturnsToHealth() {
        Response t = admin.post("/v1/failover/trigger", "{\"policyId\":\"voice\",\"siteId\":\"branch-7\",\"colour\":\"lte\"}");
        assertEquals(200, t.status(), t.body());
        assertEquals("lte", t.json().get("colour").asText());
        assertEquals("manual", t.json().get("cause").asText());
        assertTrue(choice("voice").get("pinned").asBoolean());
        JsonNode events = admin.get("/v1/events?type=failover-pin&since=1h").json().get("items");
        assertTrue(events.size() >= 1, events.toString());
        assertTrue(events.get(0).get("summary").asText().contains("admin pinned policy voice to branch-7 to lte"), events.toString());

        Response c = admin.post("/v1/failover/clear", "{\"policyId\":\"voice\",\"siteId\":\"branch-7\"}");
        assertEquals(200, c.status(), c.body());
        assertTrue(c.json().get("cleared").asBoolean());
        assertFalse(choice("voice").get("pinned").asBoolean());
        Response again = admin.post("/v1/failover/clear", "{\"policyId\":\"voice\",\"siteId\":\"branch-7\"}");
        assertFalse(again.json().get("cleared").asBoolean());
    }

    @Test
    void trigger_badInput_fieldErrors() {
        Map<String, String> cases = Map.of(
                "{\"siteId\":\"nope\",\"colour\":\"lte\"}", "siteId",
                "{\"policyId\":\"nope\",\"siteId\":\"branch-7\",\"colour\":\"lte\"}", "policyId",
                "{\"policyId\":\"block\",\"siteId\":\"branch-7\",\"colour\":\"lte\"}", "policyId",
                "{\"siteId\":\"branch-7\",\"colour\":\"satellite\"}", "colour",
                "{\"siteId\":\"branch-7\"}", "colour",
                "{\"siteId\":\"branch-7\",\"colour\":\"lte\",\"force\":true}", "force");
        cases.forEach((body, field) -> {
            Response r = admin.post("/v1/failover/trigger", body);
            assertTrue(r.status() == 400 || r.status() == 422, body + " -> " + r.status());
            assertEquals(field, r.error().path("field").asText(), body + " -> " + r.body());
        });
    }

    @Test
    void events_badQuery_namesTheParameter() {
        assertEquals("since", admin.get("/v1/events?since=yesterday").error().path("field").asText());
        assertEquals("limit", admin.get("/v1/events?limit=0").error().path("field").asText());
        assertEquals("type", admin.get("/v1/events?type=bogus").error().path("field").asText());
    }

    @Test
    void viewer_cannotTrigger() {
        Response r = new ApiClient(appliance.baseUri()).post("/v1/failover/trigger", "{\"siteId\":\"branch-7\",\"colour\":\"lte\"}");
        assertEquals(401, r.status());
    }
}
