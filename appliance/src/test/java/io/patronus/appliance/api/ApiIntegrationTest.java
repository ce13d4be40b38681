package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.auth.PasswordHasher;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.ApiClient.Response;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.Role;
import io.patronus.model.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REST API v1 driven over HTTP against a real appliance on a real port with a real data directory. */
class ApiIntegrationTest {
    @TempDir
    static Path dataDir;
    static RunningAppliance appliance;
    static ApiClient admin;

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dataDir);
        admin = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
    }

    @AfterAll
    static void stop() {
        appliance.close();
    }

    @Test
    void login_wrongPassword_is401WithErrorShape() {
        Response r = new ApiClient(appliance.baseUri()).post("/v1/auth/login", "{\"username\":\"admin\",\"password\":\"nope\"}");
        assertEquals(401, r.status());
        assertEquals("unauthorized", r.error().get("code").asText());
    }

    @Test
    void login_unknownUser_is401() {
        Response r = new ApiClient(appliance.baseUri()).post("/v1/auth/login", "{\"username\":\"mallory\",\"password\":\"x\"}");
        assertEquals(401, r.status());
    }

    @Test
    void everyRouteButLogin_withoutToken_is401() {
        ApiClient anon = new ApiClient(appliance.baseUri());
        for (String path : List.of("/v1/health", "/v1/sites", "/v1/links", "/v1/paths", "/v1/policies",
                "/v1/metrics/export", "/v1/db/check", "/v1/debug/dump")) {
            Response r = anon.get(path);
            assertEquals(401, r.status(), path);
            assertEquals("unauthorized", r.error().get("code").asText(), path);
        }
    }

    @Test
    void forgedToken_is401() {
        Response r = new ApiClient(appliance.baseUri()).withToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.AAAA").get("/v1/sites");
        assertEquals(401, r.status());
    }

    @Test
    void health_reportsSiteVersionAndCounts() {
        JsonNode h = admin.get("/v1/health").json();
        assertEquals("demo-site", h.get("siteId").asText());
        assertEquals("memory", h.get("dataPlane").asText());
        assertTrue(h.get("wal").get("lastSequence").asLong() > 0, "the admin user creation is logged");
        assertEquals(2, h.get("counts").get("links").asInt());
        assertEquals("ok", h.path("reconcile").path("state").asText(), h.toString());
        assertEquals(0, h.path("reconcile").path("failures").asInt());
        assertTrue(h.path("reconcile").has("lastSuccessAt"), h.toString());
    }

    @Test
    void sites_createGetListUpdateDelete() {
        Response created = admin.post("/v1/sites", Fixtures.siteJson("crud-1", 11));
        assertEquals(201, created.status(), created.body());
        assertEquals("/v1/sites/crud-1", created.location().orElseThrow());
        String createdAt = created.json().get("createdAt").asText();
        assertEquals("active", created.json().get("status").asText());

        assertEquals("Branch 11", admin.get("/v1/sites/crud-1").json().get("name").asText());
        assertTrue(ids(admin.get("/v1/sites?status=active").json()).contains("crud-1"));
        assertFalse(ids(admin.get("/v1/sites?status=inactive").json()).contains("crud-1"));

        String original = Fixtures.siteJson("crud-1", 11).replace("\"Branch 11\"", "\"Renamed\"");
        String updated = original.substring(0, original.lastIndexOf('}')) + ",\"status\":\"inactive\"}";
        Response put = admin.put("/v1/sites/crud-1", updated);
        assertEquals(200, put.status(), put.body());
        assertEquals("Renamed", put.json().get("name").asText());
        assertEquals(createdAt, put.json().get("createdAt").asText(), "createdAt survives a replace");
        assertTrue(ids(admin.get("/v1/sites?status=inactive").json()).contains("crud-1"));

        assertEquals(204, admin.delete("/v1/sites/crud-1").status());
        Response gone = admin.get("/v1/sites/crud-1");
        assertEquals(404, gone.status());
        assertEquals("not_found", gone.error().get("code").asText());
        assertEquals(404, admin.delete("/v1/sites/crud-1").status());
    }

    @Test
    void sites_duplicateId_is409() {
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("dup-1", 21)).status());
        Response r = admin.post("/v1/sites", Fixtures.siteJson("dup-1", 22));
        assertEquals(409, r.status());
        assertEquals("conflict", r.error().get("code").asText());
    }

    @Test
    void sites_lanPrefixOverlappingAnotherSite_is409NamingTheField() {
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("ovl-1", 31)).status());
        String overlapping = Fixtures.siteJson("ovl-2", 32).replace("\"10.32.0.0/16\"", "\"10.99.0.0/16\",\"10.31.4.0/24\"");
        Response r = admin.post("/v1/sites", overlapping);
        assertEquals(409, r.status(), r.body());
        assertEquals("lanPrefixes[1]", r.error().get("field").asText());
    }

    @Test
    void sites_invalidFields_are422NamingTheField() {
        assertField(admin.post("/v1/sites", Fixtures.siteJson("bad-1", 41).replaceAll("\"publicKey\":\"[^\"]+\"", "\"publicKey\":\"short\"")), "publicKey");
        assertField(admin.post("/v1/sites", Fixtures.siteJson("Bad Id", 42)), "id");
        assertField(admin.post("/v1/sites", Fixtures.siteJson("bad-3", 43).replace("\"10.43.0.0/16\"", "\"10.43.0.0/16\",\"10.44.1.1/16\"")), "lanPrefixes[1]");
        assertField(admin.post("/v1/sites", Fixtures.siteJson("bad-4", 45).replace("192.0.2.45:51820", "192.0.2.45:99999")), "endpoints.fiber");
        assertField(admin.post("/v1/sites", Fixtures.siteJson("bad-5", 46).replace("\"name\":\"Branch 46\",", "")), "name");
        assertField(admin.post("/v1/sites", Fixtures.siteJson("bad-6", 47).replace("\"name\"", "\"nmae\"")), "nmae");
        assertEquals(404, admin.get("/v1/sites/bad-1").status(), "nothing was stored");
    }

    @Test
    void sites_putWithDifferentBodyId_is422() {
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("put-1", 51)).status());
        assertField(admin.put("/v1/sites/put-1", Fixtures.siteJson("put-2", 51)), "id");
    }

    @Test
    void malformedJson_is400AndWrongContentType_is415() {
        Response r = admin.post("/v1/sites", "{\"id\": ");
        assertEquals(400, r.status());
        assertEquals("malformed_json", r.error().get("code").asText());
        Response arr = admin.post("/v1/policies", "[1,2]");
        assertEquals(400, arr.status());
        Response text = admin.send("POST", "/v1/sites", Fixtures.siteJson("txt-1", 81), "text/plain");
        assertEquals(415, text.status());
        assertEquals("unsupported_media_type", text.error().get("code").asText());
    }

    @Test
    void oversizedBody_is413AndStoresNothing() {
        String huge = Fixtures.siteJson("huge-1", 82).replace("\"Lab rack 82\"", "\"" + "x".repeat(2 << 20) + "\"");
        Response r = admin.post("/v1/sites", huge);
        assertEquals(413, r.status());
        assertEquals("payload_too_large", r.error().get("code").asText());
        assertEquals(404, admin.get("/v1/sites/huge-1").status());
    }

    @Test
    void policies_crudAndPriorityConflict() {
        Response c = admin.post("/v1/policies", Fixtures.routePolicyJson("voice", 10));
        assertEquals(201, c.status(), c.body());
        assertEquals("route", c.json().get("action").get("type").asText());
        assertEquals("10000-20000", c.json().get("match").get("destinationPorts").get(1).asText());
        Response dupPriority = admin.post("/v1/policies", Fixtures.routePolicyJson("video", 10));
        assertEquals(409, dupPriority.status());
        assertEquals("priority", dupPriority.error().get("field").asText());
        assertEquals(201, admin.post("/v1/policies", """
                {"id":"bulk","name":"Bulk","priority":20,"match":{"protocol":"tcp","destinationPorts":["873"]},
                 "action":{"type":"rate_limit","kbps":2000}}""").status());
        JsonNode list = admin.get("/v1/policies").json().get("items");
        assertEquals("voice", list.get(0).get("id").asText(), "sorted by priority");
        Response put = admin.put("/v1/policies/bulk", """
                {"name":"Bulk","priority":20,"action":{"type":"drop"}}""");
        assertEquals(200, put.status(), put.body());
        assertEquals("drop", admin.get("/v1/policies/bulk").json().get("action").get("type").asText());
        assertEquals(204, admin.delete("/v1/policies/bulk").status());
        assertEquals(404, admin.get("/v1/policies/bulk").status());
    }

    @Test
    void policies_invalidNestedFields_are422WithPath() {
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p1", 30).replace("\"failoverThreshold\":70", "\"failoverThreshold\":170")),
                "action.failoverThreshold");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p2", 31).replace("\"10000-20000\"", "\"20000-10000\"")),
                "match.destinationPorts[1]");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p3", 32).replace("\"udp\"", "\"icmp\"")),
                "match.destinationPorts");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p4", 33).replace("\"route\"", "\"teleport\"")),
                "action.type");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p5", 34).replace("[46]", "[64]")), "match.dscp[0]");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p6", 35).replace("\"protocol\":\"udp\"",
                "\"protocol\":\"udp\",\"sourcePrefixes\":[\"10.0.0.0/8\",\"10.0.0.300/8\"]")), "match.sourcePrefixes[1]");
        assertField(admin.post("/v1/policies", Fixtures.routePolicyJson("p7", 36).replace("\"3478\"", "\"70000\"")),
                "match.destinationPorts[0]");
    }

    @Test
    void viewer_canRead_butMutationIs403() {
        appliance.appliance().store().putUser(new User("viewer1", Role.VIEWER,
                PasswordHasher.owaspDefaults().hash("viewer-pass".toCharArray()), Instant.now()), "test");
        ApiClient viewer = new ApiClient(appliance.baseUri()).login("viewer1", "viewer-pass");
        assertEquals(200, viewer.get("/v1/sites").status());
        Response r = viewer.post("/v1/sites", Fixtures.siteJson("viewer-made", 61));
        assertEquals(403, r.status());
        assertEquals("forbidden", r.error().get("code").asText());
        assertEquals(403, viewer.get("/v1/db/check").status());
    }

    @Test
    void paths_followSitesAndLinks_andHaveHistory() {
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("paths-1", 71)).status());
        appliance.appliance().monitor().measureAll();
        JsonNode items = admin.get("/v1/paths?siteId=paths-1").json().get("items");
        assertEquals(2, items.size(), "one path per shared colour: " + items);
        JsonNode p = items.get(0);
        assertEquals("demo-site:paths-1:fiber", p.get("id").asText());
        assertTrue(p.get("latencyMs").asDouble() > 0);
        assertEquals(200, admin.get("/v1/paths/demo-site:paths-1:fiber").status());
        JsonNode h = admin.get("/v1/paths/demo-site:paths-1:fiber/health?since=1h").json();
        assertTrue(h.get("samples").size() >= 1, h.toString());
        assertEquals(400, admin.get("/v1/paths/demo-site:paths-1:fiber/health?since=yesterday").status());
        assertEquals("since", admin.get("/v1/paths/demo-site:paths-1:fiber/health?since=yesterday").error().get("field").asText());
        assertEquals(404, admin.get("/v1/paths/nope:nope:fiber").status());
        JsonNode sh = admin.get("/v1/sites/paths-1/health").json();
        assertEquals(2, sh.get("paths").size());
        assertEquals(400, admin.get("/v1/paths?status=sideways").status());
    }

    @Test
    void metrics_exportPrometheusAndJson() {
        Response prom = admin.get("/v1/metrics/export?format=prometheus");
        assertEquals(200, prom.status());
        assertTrue(prom.contentType().orElse("").startsWith("text/plain"));
        assertTrue(prom.body().contains("patronus_sites "), prom.body().substring(0, Math.min(500, prom.body().length())));
        assertTrue(prom.body().contains("patronus_api_requests_total{"));
        Response json = admin.get("/v1/metrics/export?format=json");
        assertEquals(200, json.status());
        assertTrue(json.json().get("metrics").size() > 10);
        assertEquals(400, admin.get("/v1/metrics/export?format=xml").status());
    }

    @Test
    void unknownRoute_is404AndWrongMethod_is405_bothJson() {
        Response r = admin.get("/v1/nothing-here");
        assertEquals(404, r.status());
        assertEquals("not_found", r.error().get("code").asText());
        Response m = admin.send("PATCH", "/v1/sites", "{}");
        assertEquals(405, m.status());
        assertEquals("method_not_allowed", m.error().get("code").asText());
    }

    @Test
    void dbCheck_isCleanOnAHealthyStore() {
        JsonNode c = admin.get("/v1/db/check").json();
        assertTrue(c.get("ok").asBoolean(), c.toString());
        assertTrue(c.get("log").get("records").asLong() >= 0);
    }

    @Test
    void debugDump_showsComponentTree() {
        JsonNode d = admin.get("/v1/debug/dump").json().get("components");
        assertEquals("appliance", d.get("name").asText());
        List<String> names = new ArrayList<>();
        d.get("children").forEach(c -> names.add(c.get("name").asText()));
        assertEquals(List.of("store", "data-plane", "path-monitor", "classifier", "failover", "federation", "api", "config"), names);
    }

    static void assertField(Response r, String field) {
        assertEquals(422, r.status(), r.body());
        assertEquals("invalid_field", r.error().get("code").asText(), r.body());
        assertEquals(field, r.error().get("field").asText(), r.body());
    }

    static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.get("items").forEach(n -> out.add(n.get("id").asText()));
        return out;
    }
}
