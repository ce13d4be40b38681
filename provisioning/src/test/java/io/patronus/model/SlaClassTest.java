package io.patronus.model;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.patronus.provisioning.BundleConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optional probe interval and detect multiplier of an SLA class: their JSON, old JSON without them, and their limits. */
class SlaClassTest {
    /** An SLA class as every bundle, API body and journal wrote it before the probe fields existed. */
    private static final String OLD_JSON = "{\"name\":\"gold\",\"maxLatencyMs\":50.0,\"maxLossPct\":1.0,\"maxJitterMs\":10.0}";

    @Test
    void readJson_writtenBeforeProbeFields_meansTheApplianceDefaults() throws Exception {
        SlaClass s = Json.mapper().readValue(OLD_JSON, SlaClass.class);

        assertEquals(new SlaClass("gold", 50, 1, 10), s);
        assertEquals(OptionalInt.empty(), s.probeIntervalMs());
        assertEquals(OptionalInt.empty(), s.detectMultiplier());
        assertEquals(Optional.empty(), s.probeInterval());
    }

    @Test
    void writeJson_withoutProbeFields_isTheJsonWrittenBeforeThem() throws Exception {
        // Digests of rendered configurations and signed bundles are computed over this JSON: it must not change.
        assertEquals(OLD_JSON, Json.mapper().writeValueAsString(new SlaClass("gold", 50, 1, 10)));
    }

    @Test
    void writeJson_withProbeFields_roundTrips() throws Exception {
        SlaClass s = new SlaClass("voice", 80, 1, 10, OptionalInt.of(50), OptionalInt.of(4));

        String json = Json.mapper().writeValueAsString(s);

        assertEquals("{\"name\":\"voice\",\"maxLatencyMs\":80.0,\"maxLossPct\":1.0,\"maxJitterMs\":10.0,\"probeIntervalMs\":50,"
                + "\"detectMultiplier\":4}", json);
        assertEquals(s, Json.mapper().readValue(json, SlaClass.class));
        assertEquals(Optional.of(Duration.ofMillis(50)), s.probeInterval());
    }

    @Test
    void readJson_probeFieldsNull_meansTheApplianceDefaults() throws Exception {
        SlaClass s = Json.mapper().readValue("{\"name\":\"gold\",\"maxLatencyMs\":50,\"maxLossPct\":1,\"maxJitterMs\":10,"
                + "\"probeIntervalMs\":null,\"detectMultiplier\":null}", SlaClass.class);

        assertEquals(new SlaClass("gold", 50, 1, 10), s);
    }

    @Test
    void readJson_fractionalProbeInterval_refusedNamingTheField() {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> Json.mapper().readValue(
                "{\"name\":\"gold\",\"maxLatencyMs\":50,\"maxLossPct\":1,\"maxJitterMs\":10,\"probeIntervalMs\":50.5}", SlaClass.class));

        assertEquals("probeIntervalMs", e.getPath().getLast().getFieldName());
    }

    @Test
    void construct_probeIntervalOutOfRange_refusedNamingFieldAndRange() {
        ValidationException fast = assertThrows(ValidationException.class,
                () -> new SlaClass("gold", 50, 1, 10, OptionalInt.of(9), OptionalInt.empty()));
        ValidationException slow = assertThrows(ValidationException.class,
                () -> new SlaClass("gold", 50, 1, 10, OptionalInt.of(10_001), OptionalInt.empty()));

        assertEquals("probeIntervalMs: must be between 10 and 10000, was 9", fast.getMessage());
        assertEquals("probeIntervalMs: must be between 10 and 10000, was 10001", slow.getMessage());
    }

    @Test
    void construct_detectMultiplierOutOfRange_refusedNamingFieldAndRange() {
        ValidationException zero = assertThrows(ValidationException.class,
                () -> new SlaClass("gold", 50, 1, 10, OptionalInt.empty(), OptionalInt.of(0)));
        ValidationException many = assertThrows(ValidationException.class,
                () -> new SlaClass("gold", 50, 1, 10, OptionalInt.empty(), OptionalInt.of(51)));

        assertEquals("detectMultiplier: must be between 1 and 50, was 0", zero.getMessage());
        assertEquals("detectMultiplier: must be between 1 and 50, was 51", many.getMessage());
    }

    @Test
    void construct_limitsOfTheRanges_accepted() {
        SlaClass low = new SlaClass("gold", 50, 1, 10, OptionalInt.of(10), OptionalInt.of(1));
        SlaClass high = new SlaClass("gold", 50, 1, 10, OptionalInt.of(10_000), OptionalInt.of(50));

        assertEquals(OptionalInt.of(10), low.probeIntervalMs());
        assertEquals(OptionalInt.of(50), high.detectMultiplier());
    }

    @Test
    void bundleConfig_withProbeFields_roundTripsAndOldBundleStillReads() throws Exception {
        BundleConfig config = new BundleConfig(List.of(), List.of(), List.of(new SlaClass("default", 150, 2, 30),
                new SlaClass("voice", 80, 1, 10, OptionalInt.of(50), OptionalInt.of(4))));

        String json = Json.mapper().writeValueAsString(config);
        BundleConfig old = Json.mapper().readValue("{\"sites\":[],\"policies\":[],\"slaClasses\":[" + OLD_JSON + "]}",
                BundleConfig.class);

        assertEquals(config, Json.mapper().readValue(json, BundleConfig.class));
        assertTrue(json.contains("\"probeIntervalMs\":50,\"detectMultiplier\":4"), json);
        assertEquals(List.of(new SlaClass("gold", 50, 1, 10)), old.slaClasses());
    }
}
