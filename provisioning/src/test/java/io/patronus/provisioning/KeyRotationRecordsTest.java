package io.patronus.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.patronus.model.Json;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRotationRecordsTest {
    private static final String K1 = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String K2 = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
            15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

    @Test
    void bundleConfig_withoutRotation_serialisesTheOldShape() throws Exception {
        JsonNode json = Json.mapper().valueToTree(BundleConfig.empty());

        assertEquals(List.of("sites", "policies", "slaClasses"), List.copyOf(iterable(json)));
    }

    @Test
    void bundleConfig_oldJson_parsesWithEmptyRotationFields() throws Exception {
        BundleConfig c = Json.mapper().readValue("{\"sites\":[],\"policies\":[],\"slaClasses\":[]}", BundleConfig.class);

        assertEquals(Optional.empty(), c.keyRotation());
        assertTrue(c.peerKeys().isEmpty());
        assertEquals(BundleConfig.empty(), c);
    }

    @Test
    void bundleConfig_withRotation_jsonRoundTrip_equal() throws Exception {
        BundleConfig c = BundleConfig.empty().withKeys(Optional.of(KeyRotation.switchTo("kr-branch-1-1", K2)),
                Map.of("branch-2", PeerKeys.next(K1), "branch-3", PeerKeys.retiring(K2)));

        String text = Json.mapper().writeValueAsString(c);

        assertEquals(c, Json.mapper().readValue(text, BundleConfig.class));
        JsonNode json = Json.mapper().readTree(text);
        assertEquals("switch", json.path("keyRotation").path("phase").asText());
        assertEquals(K1, json.path("peerKeys").path("branch-2").path("next").asText());
        assertFalse(json.path("peerKeys").path("branch-2").has("retiring"));
    }

    @Test
    void keyRotation_switchWithoutPublicKey_invalidRequestNamingField() {
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> new KeyRotation("kr-1", KeyRotation.Phase.SWITCH, Optional.empty()));

        assertEquals(Optional.of("keyRotation.publicKey"), e.field());
    }

    @Test
    void keyRotation_unknownPhase_refusedByJackson() {
        assertThrows(Exception.class, () -> Json.mapper().readValue("{\"id\":\"kr-1\",\"phase\":\"explode\"}", KeyRotation.class));
    }

    @Test
    void peerKeys_badKey_invalidRequestNamingField() {
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> PeerKeys.next("short"));

        assertEquals(Optional.of("peerKeys.next"), e.field());
    }

    @Test
    void keyReport_jsonRoundTrip_andBadKeyNamed() throws Exception {
        KeyReport r = new KeyReport("kr-branch-1-1", K2, true);
        assertEquals(r, Json.mapper().readValue(Json.mapper().writeValueAsString(r), KeyReport.class));

        ValueInstantiationException e = assertThrows(ValueInstantiationException.class,
                () -> Json.mapper().readValue("{\"rotationId\":\"kr-1\",\"publicKey\":\"x\",\"active\":false}", KeyReport.class));
        assertEquals(Optional.of("publicKey"), assertInstanceOf(ProvisioningException.class, e.getCause()).field());
    }

    private static List<String> iterable(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
