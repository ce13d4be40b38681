package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.PathSummary;
import io.patronus.provisioning.SignedEnvelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe interval and detect multiplier of group SLA classes: refused with the field named when out of range, kept
 * by the group, carried into the signed bundle every appliance of the group gets, and left out of it when unset (so
 * appliances that predate them still read the bundle).
 */
@Timeout(60)
class SlaClassProbeFieldsTest {
    private static final SlaClass VOICE = new SlaClass("voice", 80, 1, 10, OptionalInt.of(50), OptionalInt.of(4));

    @TempDir
    Path dir;
    TestFleet fleet;
    FakeAppliance a;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
        a = fleet.enrolled("branch-1", "retail", "10.1.0.0/16");
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    private Http.Answer putSla(String slaClassesJson) {
        return fleet.admin().put("/v1/admin/groups/retail/config",
                Json.mapper().createObjectNode().set("slaClasses", json(slaClassesJson)));
    }

    private static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The bundle's payload exactly as signed and sent. */
    private String wirePayload() {
        Http.Answer raw = a.device().get("/v1/device/config?after=0&waitSeconds=0");
        assertEquals(200, raw.status(), raw.toString());
        SignedEnvelope envelope = Json.mapper().convertValue(raw.json(), SignedEnvelope.class);
        return new String(envelope.payloadBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void groupConfig_slaClassWithProbeFields_keptByTheGroupAndCarriedInTheSignedBundle() {
        Http.Answer put = putSla("""
                [{"name":"default","maxLatencyMs":150,"maxLossPct":2,"maxJitterMs":30},
                 {"name":"voice","maxLatencyMs":80,"maxLossPct":1,"maxJitterMs":10,"probeIntervalMs":50,"detectMultiplier":4}]""");
        assertEquals(200, put.status(), put.toString());

        JsonNode voice = fleet.admin().get("/v1/admin/groups/retail/config").json().path("slaClasses").get(1);
        assertEquals(50, voice.path("probeIntervalMs").asInt(), voice.toString());
        assertEquals(4, voice.path("detectMultiplier").asInt(), voice.toString());

        ConfigBundle bundle = a.bundle();
        assertEquals(List.of(new SlaClass("default", 150, 2, 30), VOICE), bundle.config().slaClasses(),
                "verified and parsed as an appliance does");
        String payload = wirePayload();
        assertTrue(payload.contains("\"probeIntervalMs\":50,\"detectMultiplier\":4"), payload);
    }

    @Test
    void groupConfig_slaClassWithoutProbeFields_bundleWithoutThem() {
        assertEquals(200, putSla("[{\"name\":\"default\",\"maxLatencyMs\":150,\"maxLossPct\":2,\"maxJitterMs\":30}]").status());

        String payload = wirePayload();

        assertTrue(payload.contains("\"slaClasses\":[{\"name\":\"default\""), payload);
        assertFalse(payload.contains("probeIntervalMs") || payload.contains("detectMultiplier"),
                "an appliance that predates the fields refuses unknown ones: " + payload);
    }

    @Test
    void groupConfig_probeFieldChanged_newBundleVersionAndNoOtherChange() {
        assertEquals(200, putSla("[{\"name\":\"voice\",\"maxLatencyMs\":80,\"maxLossPct\":1,\"maxJitterMs\":10}]").status());
        ConfigBundle first = a.bundle();
        a.applied(first.version(), Optional.of(first.config()));

        Http.Answer put = putSla("[" + Json.mapper().valueToTree(VOICE) + "]");

        assertTrue(put.json().path("changed").asBoolean(), put.toString());
        ConfigBundle next = a.bundle();
        assertEquals(first.version() + 1, next.version());
        assertEquals(List.of(VOICE), next.config().slaClasses());
        assertEquals(first.config().sites(), next.config().sites());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "interval below 10 ms   | \"probeIntervalMs\":5        | slaClasses[0].probeIntervalMs  | between 10 and 10000, was 5",
            "interval above 10 s    | \"probeIntervalMs\":10001    | slaClasses[0].probeIntervalMs  | between 10 and 10000, was 10001",
            "fractional interval    | \"probeIntervalMs\":50.5     | slaClasses[0].probeIntervalMs  | Floating-point value (50.5)",
            "interval as text       | \"probeIntervalMs\":\"fast\" | slaClasses[0].probeIntervalMs  | fast",
            "interval past int      | \"probeIntervalMs\":99999999999 | slaClasses[0].probeIntervalMs | out of range of int",
            "multiplier zero        | \"detectMultiplier\":0       | slaClasses[0].detectMultiplier | between 1 and 50, was 0",
            "multiplier above 50    | \"detectMultiplier\":51      | slaClasses[0].detectMultiplier | between 1 and 50, was 51",
            "multiplier a list      | \"detectMultiplier\":[3]     | slaClasses[0].detectMultiplier | "})
    void groupConfig_badProbeField_refused422NamingTheFieldNever500(String what, String field, String path, String message) {
        Http.Answer bad = putSla("[{\"name\":\"voice\",\"maxLatencyMs\":80,\"maxLossPct\":1,\"maxJitterMs\":10," + field + "}]");

        assertEquals(422, bad.status(), bad.toString());
        assertEquals("invalid_field", bad.json().path("error").path("code").asText(), bad.toString());
        assertEquals(path, bad.json().path("error").path("field").asText(), bad.toString());
        String text = bad.json().path("error").path("message").asText();
        assertTrue(text.startsWith(path + ": ") && text.contains(message == null ? "" : message), text);
    }

    @Test
    void siteOverrides_slaClassWithProbeFields_reachThatSiteOnly() {
        FakeAppliance b = fleet.enrolled("branch-2", "retail", "10.2.0.0/16");
        assertEquals(200, putSla("[{\"name\":\"voice\",\"maxLatencyMs\":80,\"maxLossPct\":1,\"maxJitterMs\":10}]").status());
        for (FakeAppliance x : List.of(a, b)) {
            x.applied(x.bundle().version(), Optional.empty());
        }
        fleet.controller().tickRollouts();

        Http.Answer put = fleet.admin().put("/v1/admin/sites/branch-1/overrides",
                json("{\"slaClasses\":[" + Json.mapper().valueToTree(VOICE) + "]}"));
        assertEquals(200, put.status(), put.toString());

        assertEquals(List.of(VOICE), a.bundle().config().slaClasses());
        assertEquals(OptionalInt.empty(), b.bundle().config().slaClasses().getFirst().probeIntervalMs());
    }

    @Test
    void drift_probeFieldsDifferOnTheAppliance_listedAndAdoptedWithThem() {
        assertEquals(200, putSla("[{\"name\":\"voice\",\"maxLatencyMs\":80,\"maxLossPct\":1,\"maxJitterMs\":10}]").status());
        ConfigBundle desired = a.bundle();
        BundleConfig observed = new BundleConfig(desired.config().sites(), desired.config().policies(), List.of(VOICE));
        a.status(DeviceState.MESH_UP, desired.version(), 0, "", new PathSummary(1, 0, 0), Optional.of(observed), 1);

        JsonNode drift = fleet.admin().get("/v1/admin/appliances/branch-1/drift").json();
        List<String> lines = new java.util.ArrayList<>();
        drift.path("lines").forEach(l -> lines.add(l.asText()));
        assertEquals(List.of("~ slaClass voice: detectMultiplier (none) -> 4", "~ slaClass voice: probeIntervalMs (none) -> 50"),
                lines, drift.toString());

        assertEquals(200, fleet.admin().post("/v1/admin/appliances/branch-1/drift/adopt", null).status());
        assertEquals(List.of(VOICE), a.bundle().config().slaClasses());
    }
}
