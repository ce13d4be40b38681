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

/** {@code POST /v1/policies/test}, {@code GET /v1/policies/{id}/stats} and {@code GET /v1/classifier} over HTTP. */
class ClassifierApiTest {
    @TempDir
    static Path dataDir;
    static RunningAppliance appliance;
    static ApiClient admin;

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dataDir);
        admin = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("branch-2", 2)).status());
        assertEquals(201, admin.post("/v1/policies", Fixtures.routePolicyJson("voice", 10)).status());
        assertEquals(201, admin.post("/v1/policies", """
                {"id":"no-telnet","name":"No telnet","priority":5,"match":{"protocol":"tcp","destinationPorts":["23"]},
                 "action":{"type":"drop"}}""").status());
    }

    @AfterAll
    static void stop() {
        appliance.close();
    }

    private static JsonNode test(String body) {
        Response r = admin.post("/v1/policies/test", body);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    @Test
    void test_voiceFlowToRemoteSite_namesSitePolicyAndPrimaryColour() {
        JsonNode d = test("""
                {"source":"100.64.1.10","destination":"10.2.3.4","protocol":"udp","destinationPort":3478,"dscp":46}""");
        assertEquals("steered", d.path("verdict").asText());
        assertEquals("branch-2", d.path("site").asText());
        assertEquals("voice", d.path("policy").path("id").asText());
        assertEquals("fiber", d.path("colour").asText());
        assertEquals("0x100/0xff00", d.path("fwmark").asText());
        assertEquals("memory", d.path("classifier").asText());
        assertTrue(d.path("reasons").toString().contains("policy Voice voice (priority 10)"), d.toString());
    }

    @Test
    void test_otherDscp_defaultColour() {
        JsonNode d = test("""
                {"source":"100.64.1.10","destination":"10.2.3.4","protocol":"udp","destinationPort":3478}""");
        assertEquals("default", d.path("verdict").asText());
        assertTrue(d.path("policy").isNull() || d.path("policy").isMissingNode(), d.toString());
        assertEquals("fiber", d.path("colour").asText());
    }

    @Test
    void test_dropPolicyAndUnknownDestination() {
        assertEquals("dropped", test("""
                {"source":"100.64.1.10","destination":"10.2.0.1","protocol":"tcp","sourcePort":40000,"destinationPort":23}""")
                .path("verdict").asText());
        assertEquals("no_site", test("""
                {"source":"100.64.1.10","destination":"203.0.113.9","protocol":"icmp"}""").path("verdict").asText());
    }

    @Test
    void test_badInput_fieldErrorsNever500() {
        Map<String, String> cases = Map.of(
                "{\"source\":\"not-an-ip\",\"destination\":\"10.2.3.4\",\"protocol\":\"udp\",\"destinationPort\":1}", "source",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"any\",\"destinationPort\":1}", "protocol",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"udp\",\"destinationPort\":70000}", "destinationPort",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"udp\"}", "destinationPort",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"icmp\",\"destinationPort\":1}", "destinationPort",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"udp\",\"destinationPort\":1,\"dscp\":64}", "dscp",
                "{\"source\":\"100.64.1.10\",\"destination\":\"10.2.3.4\",\"protocol\":\"udp\",\"destinationPort\":1,\"colour\":\"x\"}", "colour",
                "{\"destination\":\"10.2.3.4\",\"protocol\":\"udp\",\"destinationPort\":1}", "source");
        cases.forEach((body, field) -> {
            Response r = admin.post("/v1/policies/test", body);
            assertTrue(r.status() == 400 || r.status() == 422, body + " -> " + r.status() + " " + r.body());
            assertEquals(field, r.error().path("field").asText(), r.body());
        });
    }

    @Test
    void stats_knownPolicy_zerosNotLiveInMemoryMode_unknownPolicy404() {
        Response r = admin.get("/v1/policies/voice/stats");
        assertEquals(200, r.status(), r.body());
        assertEquals(0, r.json().path("packets").asLong());
        assertFalse(r.json().path("live").asBoolean());
        assertEquals(404, admin.get("/v1/policies/nope/stats").status());
    }

    @Test
    void classifier_memoryDataPlane_saysSoWithVerdictList() {
        Response r = admin.get("/v1/classifier");
        assertEquals(200, r.status(), r.body());
        assertEquals("memory", r.json().path("state").asText());
        assertEquals(7, r.json().path("verdicts").size());
        assertEquals(2, r.json().path("rules").asInt());
    }
}
