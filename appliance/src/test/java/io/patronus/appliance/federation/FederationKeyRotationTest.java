package io.patronus.appliance.federation;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.Appliance;
import io.patronus.appliance.wg.KeyRing;
import io.patronus.appliance.wg.PeerState;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key rotation end to end in one JVM: a real controller and two real appliances (memory data plane, where no
 * handshake ever happens, so the peer moves the site's prefixes when the controller says the switch happened).
 */
class FederationKeyRotationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private static Optional<PeerState> peer(Appliance a, String key) {
        return a.dataPlane().wireGuard().read("wg-fiber").flatMap(d -> d.peer(key));
    }

    private static JsonNode fed(Appliance a) {
        return Json.mapper().valueToTree(a.federation().status());
    }

    @Test
    void rotation_throughControllerAndBothAppliances_endsWithTheNewKeyEverywhere() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir, Duration.ofDays(7), b -> b.keyRotationGrace(Duration.ofSeconds(4)))) {
            String fp = lab.controller().caFingerprint();
            Path b1 = lab.bootstrap("a1", lab.stageSite("branch-1", 1), fp);
            Path b2 = lab.bootstrap("a2", lab.stageSite("branch-2", 2), fp);
            try (Appliance a1 = Appliance.start(lab.applianceConfig("a1", b1, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC());
                 Appliance a2 = Appliance.start(lab.applianceConfig("a2", b2, "PAT-2", Duration.ofSeconds(30)), Clock.systemUTC())) {
                String k1 = a1.dataPlane().publicKey();
                ControllerLab.await(WAIT, () -> peer(a2, k1).isPresent(), () -> "a2 has no peer for branch-1 yet");

                JsonNode started = lab.call("POST", "/v1/admin/sites/branch-1/rotate-key", null);
                String id = started.path("id").asText();

                // Distributing: a2 has the next key beside the current one, without prefixes.
                ControllerLab.await(WAIT, () -> a1.dataPlane().pendingNextKey().isPresent()
                        && peer(a2, a1.dataPlane().pendingNextKey().get()).isPresent(), () -> "a2 never got the next key: "
                        + lab.call("GET", "/v1/admin/sites/branch-1/key", null));
                String k2 = a1.dataPlane().pendingNextKey().orElseThrow();
                assertTrue(Files.exists(dir.resolve("a1/secrets/wg.next.key")));
                assertTrue(peer(a2, k2).orElseThrow().allowedIps().isEmpty());
                assertEquals(List.of(IpPrefix.parse("10.1.0.0/16")), peer(a2, k1).orElseThrow().allowedIps());

                // The switch, then retiring: a2 carries branch-1's prefixes on the new key, keeps the old one empty.
                ControllerLab.await(WAIT, () -> a1.dataPlane().publicKey().equals(k2), () -> "a1 did not switch: "
                        + lab.call("GET", "/v1/admin/sites/branch-1/key", null) + " " + fed(a1));
                ControllerLab.await(WAIT, () -> peer(a2, k2).map(p -> !p.allowedIps().isEmpty()).orElse(false),
                        () -> "a2 did not move branch-1 to the new key: " + a2.dataPlane().devices());
                assertEquals(k2, a2.store().site("branch-1").orElseThrow().publicKey());
                assertEquals(Optional.of(k2), a1.dataPlane().wireGuard().read("wg-fiber").orElseThrow().publicKey());
                assertEquals(k2, KeyRing.open(dir.resolve("a1/secrets")).current().publicBase64(), "the key file holds the new key");
                assertFalse(Files.exists(dir.resolve("a1/secrets/wg.next.key")));
                assertNotEquals(k1, k2);
                Optional<PeerState> retiring = peer(a2, k1);
                assertTrue(retiring.isEmpty() || retiring.get().allowedIps().isEmpty(), "the old key carries nothing");

                // Done after the grace period: the old key is gone from a2.
                ControllerLab.await(WAIT, () -> lab.call("GET", "/v1/admin/sites/branch-1/key", null).path("rotation")
                        .path("phase").asText().equals("done"), () -> "" + lab.call("GET", "/v1/admin/sites/branch-1/key", null));
                ControllerLab.await(WAIT, () -> peer(a2, k1).isEmpty(), () -> "a2 still has the old key");
                JsonNode audit = lab.call("GET", "/v1/admin/audit?limit=1000", null).path("items");
                List<String> actions = new java.util.ArrayList<>();
                audit.forEach(r -> actions.add(r.path("action").asText()));
                assertTrue(actions.containsAll(List.of("key.rotate", "key.rotate.generated", "key.rotate.switch",
                        "key.rotate.switched", "key.rotate.done")), actions.toString());
                assertEquals(id, lab.call("GET", "/v1/admin/appliances/branch-1", null).path("keyRotation").path("id").asText());
                ControllerLab.await(WAIT, () -> !fed(a1).has("keyRotation"), () -> "a1 still shows a rotation: " + fed(a1));
            }
            // A restart finds the new key in the key file.
            try (Appliance again = Appliance.start(lab.applianceConfig("a1", b1, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                assertEquals(lab.call("GET", "/v1/admin/sites/branch-1", null).path("wireguardPublicKey").asText(),
                        again.dataPlane().publicKey());
            }
        }
    }
}
