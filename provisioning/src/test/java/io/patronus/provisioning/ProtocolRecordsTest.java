package io.patronus.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.patronus.model.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolRecordsTest {
    private static final String WG_KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void enrolmentRequest_jsonRoundTrip_equal() throws Exception {
        EnrolmentRequest request = new EnrolmentRequest("ptok_1", "PAT-000123", DeviceKeys.csr(DeviceKeys.generate(), "PAT-000123"),
                WG_KEY, Map.of("fiber", "192.0.2.1:51820", "lte", "198.51.100.1:51821"), "0.1.0");

        String json = Json.mapper().writeValueAsString(request);
        assertEquals(request, Json.mapper().readValue(json, EnrolmentRequest.class));
    }

    @Test
    void enrolmentRequest_badWireguardKey_invalidRequestNamingField() {
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> new EnrolmentRequest("t", "PAT-1", "-----BEGIN CERTIFICATE REQUEST-----", "short", Map.of(), "0.1.0"));

        assertEquals("invalid_request", e.code());
        assertEquals(Optional.of("wireguardPublicKey"), e.field());
    }

    @Test
    void enrolmentRequest_badEndpoint_namesColour() {
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> new EnrolmentRequest("t", "PAT-1", "-----BEGIN CERTIFICATE REQUEST-----", WG_KEY, Map.of("fiber", "nowhere"), "0.1.0"));

        assertTrue(e.field().orElseThrow().startsWith("endpoints.fiber"), e.field().toString());
    }

    @Test
    void enrolmentRequest_missingTokenInJson_invalidRequestFromJackson() {
        ValueInstantiationException e = assertThrows(ValueInstantiationException.class,
                () -> Json.mapper().readValue("{\"serial\":\"PAT-1\"}", EnrolmentRequest.class));

        ProvisioningException cause = assertInstanceOf(ProvisioningException.class, e.getCause());
        assertEquals(Optional.of("token"), cause.field());
    }

    @Test
    void deviceStatus_jsonRoundTrip_withAndWithoutObservedConfig() throws Exception {
        DeviceStatus bare = new DeviceStatus(DeviceState.ENROLLED, 0, 0, null, AT, null, null, 0);
        DeviceStatus full = new DeviceStatus(DeviceState.ROLLED_BACK, 6, 7, "no handshake with branch-3", AT,
                new PathSummary(4, 1, 0), Optional.of(BundleConfig.empty()), 2);

        for (DeviceStatus status : List.of(bare, full)) {
            assertEquals(status, Json.mapper().readValue(Json.mapper().writeValueAsString(status), DeviceStatus.class));
        }
        JsonNode json = Json.mapper().valueToTree(full);
        assertEquals("ROLLED_BACK", json.get("state").asText());
        assertEquals(4, json.get("paths").get("up").asInt());
        assertFalse(json.has("dataPlaneProblem"), "left out when empty, for controllers older than the field: " + json);
    }

    @Test
    void deviceStatus_dataPlaneProblem_roundTripsAndIsCheckedLikeEveryText() throws Exception {
        DeviceStatus failing = new DeviceStatus(DeviceState.MESH_UP, 6, 0, "", AT, new PathSummary(4, 0, 0), Optional.empty(), 0,
                "tunnel reconcile failing since 2026-11-24T00:00:00Z (3 attempts): 1 route or rule change failed: ...");
        assertEquals(failing, Json.mapper().readValue(Json.mapper().writeValueAsString(failing), DeviceStatus.class));
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> new DeviceStatus(DeviceState.MESH_UP, 6, 0,
                "", AT, null, null, 0, "x".repeat(4097)));
        assertEquals(Optional.of("dataPlaneProblem"), e.field());
        assertEquals("", new DeviceStatus(DeviceState.MESH_UP, 6, 0, "", AT, null, null, 0, null).dataPlaneProblem());
    }

    @Test
    void telemetryBatch_sequencesNotIncreasing_namesEvent() {
        TelemetryEvent first = new TelemetryEvent(5, AT, "failover_decision", null);
        TelemetryEvent again = new TelemetryEvent(5, AT, "path_event", null);

        ProvisioningException e = assertThrows(ProvisioningException.class, () -> new TelemetryBatch(List.of(first, again)));
        assertEquals(Optional.of("events[1].sequence"), e.field());
    }

    @Test
    void telemetryBatch_overThousandEvents_refused() {
        List<TelemetryEvent> events = java.util.stream.LongStream.range(0, 1001)
                .mapToObj(i -> new TelemetryEvent(i, AT, "k", null)).toList();

        assertEquals("invalid_request", assertThrows(ProvisioningException.class, () -> new TelemetryBatch(events)).code());
    }

    @Test
    void telemetryBatch_jsonRoundTrip_keepsBody() throws Exception {
        TelemetryBatch batch = new TelemetryBatch(List.of(new TelemetryEvent(1042, AT, "failover_decision",
                Json.mapper().readTree("{\"from\":\"fiber\",\"to\":\"lte\"}"))));

        assertEquals(batch, Json.mapper().readValue(Json.mapper().writeValueAsString(batch), TelemetryBatch.class));
    }

    @Test
    void configBundle_versionZero_refused() {
        assertEquals(Optional.of("version"), assertThrows(ProvisioningException.class,
                () -> new ConfigBundle("branch-1", 0, AT, BundleConfig.empty())).field());
    }

    @Test
    void bundleConfig_duplicateSlaClass_refused() {
        var gold = new io.patronus.model.SlaClass("gold", 50, 1, 10);

        ProvisioningException e = assertThrows(ProvisioningException.class, () -> new BundleConfig(null, null, List.of(gold, gold)));
        assertEquals(Optional.of("slaClasses[1]"), e.field());
    }

    @Test
    void renewResponse_jsonRoundTrip_equal() throws Exception {
        RenewResponse response = new RenewResponse("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", AT);

        assertEquals(response, Json.mapper().readValue(Json.mapper().writeValueAsString(response), RenewResponse.class));
        assertEquals(new TelemetryAck(3), Json.mapper().readValue("{\"acknowledged\":3}", TelemetryAck.class));
    }
}
