package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.MutableClock;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Site;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.KeyRotation;
import io.patronus.provisioning.PeerKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The controller's side of WireGuard key rotation: the state machine, its bundles, persistence, automation, audit. */
@Timeout(60)
class KeyRotationTest {
    @TempDir
    Path dir;
    TestFleet fleet;

    @AfterEach
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private TestFleet fleet(Duration interval, Duration grace) {
        // Device certificates outlive the months the clock is moved on by: renewal is not what these tests are about.
        fleet = new TestFleet(dir, new MutableClock(), b -> b.keyRotationInterval(interval).keyRotationGrace(grace)
                .deviceCertificateValidity(Duration.ofDays(400)));
        return fleet;
    }

    private static Site site(ConfigBundle b, String id) {
        return b.config().sites().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    /** Reports the newest bundle applied, as a real appliance does once it committed it. */
    private static long applyNewest(FakeAppliance a) {
        long v = a.bundle().version();
        assertEquals(200, a.applied(v, Optional.empty()).status());
        return v;
    }

    private JsonNode key(String site) {
        return fleet.admin().get("/v1/admin/sites/" + site + "/key").json();
    }

    private String phase(String site) {
        return key(site).path("rotation").path("phase").asText();
    }

    @Test
    void rotation_generateDistributeSwitchRetire_eachBundleCarriesItsStep() {
        fleet(Duration.ZERO, Duration.ofHours(24));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        FakeAppliance c = fleet.enrolled("branch-3", "default", "10.3.0.0/16");
        String k1 = a.wireguardKey();

        Http.Answer started = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of());
        assertEquals(200, started.status(), started.toString());
        String id = started.json().path("id").asText();
        assertEquals("kr-branch-1-1", id);
        assertEquals("requested", started.json().path("phase").asText());
        assertEquals(Optional.of(KeyRotation.generate(id)), a.bundle().config().keyRotation());
        assertTrue(b.bundle().config().peerKeys().isEmpty(), "no next key to distribute yet");

        String k2 = FakeAppliance.randomKey();
        Http.Answer reported = a.keys(id, k2, false);
        assertEquals(200, reported.status(), reported.toString());
        assertEquals("distributing", reported.json().path("phase").asText());
        assertEquals(200, a.keys(id, k2, false).status(), "a repeated report is idempotent");
        for (FakeAppliance peer : List.of(b, c)) {
            ConfigBundle pb = peer.bundle();
            assertEquals(Optional.of(PeerKeys.next(k2)), pb.config().peerKeys("branch-1"));
            assertEquals(k1, site(pb, "branch-1").publicKey(), "the current key stays until the switch");
        }
        assertEquals(Optional.of(KeyRotation.generate(id)), a.bundle().config().keyRotation(), "no switch before the peers have it");
        JsonNode waiting = key("branch-1").path("rotation").path("waitingFor");
        assertEquals(2, waiting.size(), waiting.toString());

        applyNewest(b);
        fleet.controller().tickKeyRotations();
        assertEquals("distributing", phase("branch-1"), "branch-3 has not applied the next key yet");
        assertEquals(409, a.keys(id, k2, true).status(), "switching before the switch was ordered is refused");
        assertEquals("rotation_not_switching", a.keys(id, k2, true).code());

        applyNewest(c);
        fleet.controller().tickKeyRotations();
        assertEquals("switching", phase("branch-1"));
        assertEquals(Optional.of(KeyRotation.switchTo(id, k2)), a.bundle().config().keyRotation());
        assertEquals(Optional.of(PeerKeys.next(k2)), b.bundle().config().peerKeys("branch-1"), "peers keep the next key meanwhile");

        Http.Answer wrongKey = a.keys(id, FakeAppliance.randomKey(), true);
        assertEquals(409, wrongKey.status());
        assertEquals("rotation_key_mismatch", wrongKey.code());
        Http.Answer switched = a.keys(id, k2, true);
        assertEquals(200, switched.status(), switched.toString());
        assertEquals("retiring", switched.json().path("phase").asText());
        assertEquals(Optional.empty(), a.bundle().config().keyRotation());
        for (FakeAppliance peer : List.of(b, c)) {
            ConfigBundle pb = peer.bundle();
            assertEquals(k2, site(pb, "branch-1").publicKey());
            assertEquals(Optional.of(PeerKeys.retiring(k1)), pb.config().peerKeys("branch-1"));
        }
        assertEquals(k2, fleet.admin().get("/v1/admin/sites/branch-1").json().path("wireguardPublicKey").asText());

        fleet.clock().advance(Duration.ofHours(23));
        fleet.controller().tickKeyRotations();
        assertEquals("retiring", phase("branch-1"));
        fleet.clock().advance(Duration.ofHours(2));
        fleet.controller().tickKeyRotations();
        assertEquals("done", phase("branch-1"));
        assertTrue(b.bundle().config().peerKeys().isEmpty(), "the old key is dropped after the grace period");
        assertEquals(k2, site(c.bundle(), "branch-1").publicKey());

        for (String action : List.of("key.rotate", "key.rotate.generated", "key.rotate.switch", "key.rotate.switched",
                "key.rotate.done")) {
            assertEquals(1, fleet.audit(action).size(), action);
        }
        assertTrue(fleet.audit("rotation_not_switching").size() >= 1, "the refused switch is audited");
        assertEquals("device:branch-1/SER-branch-1", fleet.audit("key.rotate.switched").getFirst().path("actor").asText());
        JsonNode appliance = fleet.admin().get("/v1/admin/appliances/branch-1").json();
        assertEquals("done", appliance.path("keyRotation").path("phase").asText(), appliance.toString());
    }

    @Test
    void refusals_unknownRotation_secondRequest_cancelAfterSwitch() {
        fleet(Duration.ZERO, Duration.ofHours(24));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        fleet.site("staged", "default", "10.9.0.0/16");

        Http.Answer notEnrolled = fleet.admin().post("/v1/admin/sites/staged/rotate-key", Map.of());
        assertEquals(409, notEnrolled.status());
        assertEquals("not_enrolled", notEnrolled.code());
        assertEquals(404, fleet.admin().post("/v1/admin/sites/nowhere/rotate-key", Map.of()).status());

        String id = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of()).json().path("id").asText();
        Http.Answer again = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of());
        assertEquals(409, again.status());
        assertEquals("rotation_in_progress", again.code());
        Http.Answer unknown = a.keys("kr-branch-1-9", FakeAppliance.randomKey(), false);
        assertEquals(404, unknown.status());
        assertEquals("rotation_unknown", unknown.code());
        Http.Answer foreign = b.keys(id, FakeAppliance.randomKey(), false);
        assertEquals(404, foreign.status(), "a device reports only its own site's rotation");
        Http.Answer oldKey = a.keys(id, a.wireguardKey(), false);
        assertEquals("rotation_key_mismatch", oldKey.code());

        String k2 = FakeAppliance.randomKey();
        a.keys(id, k2, false);
        applyNewest(b);
        fleet.controller().tickKeyRotations();
        assertEquals("switching", phase("branch-1"));
        Http.Answer cancel = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key/cancel", Map.of());
        assertEquals(409, cancel.status());
        assertEquals("rotation_switching", cancel.code());
    }

    @Test
    void cancel_beforeSwitch_peersDropTheNextKey_andTheSiteKeepsItsKey() {
        fleet(Duration.ZERO, Duration.ofHours(24));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        String id = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of()).json().path("id").asText();
        a.keys(id, FakeAppliance.randomKey(), false);
        assertFalse(b.bundle().config().peerKeys().isEmpty());

        Http.Answer cancel = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key/cancel", Map.of());
        assertEquals(200, cancel.status(), cancel.toString());
        assertEquals("cancelled", cancel.json().path("phase").asText());
        assertTrue(b.bundle().config().peerKeys().isEmpty());
        assertEquals(Optional.empty(), a.bundle().config().keyRotation());
        assertEquals(a.wireguardKey(), site(b.bundle(), "branch-1").publicKey());
        assertEquals("rotation_cancelled", a.keys(id, FakeAppliance.randomKey(), false).code());
        assertEquals(1, fleet.audit("key.rotate.cancel").size());
        assertEquals(200, fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of()).status(),
                "a cancelled rotation does not block the next one");
        assertEquals("kr-branch-1-2", key("branch-1").path("rotation").path("id").asText());
    }

    @Test
    void restart_midRotation_resumesFromTheStore() {
        fleet(Duration.ZERO, Duration.ofMinutes(5));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        String id = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of()).json().path("id").asText();
        String k2 = FakeAppliance.randomKey();
        a.keys(id, k2, false);
        long carried = key("branch-1").path("rotation").path("distributedIn").path("branch-2").asLong();
        assertEquals(b.bundle().version(), carried);

        fleet.restart();
        JsonNode after = key("branch-1").path("rotation");
        assertEquals("distributing", after.path("phase").asText());
        assertEquals(k2, after.path("nextPublicKey").asText());
        assertEquals(carried, after.path("distributedIn").path("branch-2").asLong());

        applyNewest(b);
        fleet.controller().tickKeyRotations();
        assertEquals(Optional.of(KeyRotation.switchTo(id, k2)), a.bundle().config().keyRotation());
        assertEquals(200, a.keys(id, k2, true).status());
        fleet.restart();
        assertEquals("retiring", phase("branch-1"));
        assertEquals(k2, site(b.bundle(), "branch-1").publicKey());
        fleet.clock().advance(Duration.ofMinutes(6));
        fleet.controller().tickKeyRotations();
        assertEquals("done", phase("branch-1"));
    }

    @Test
    void automaticRotation_startsWhenTheKeyReachesTheInterval() {
        fleet(Duration.ofDays(90), Duration.ofHours(24));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        JsonNode k = key("branch-1");
        assertTrue(k.has("nextRotationDue"), k.toString());

        fleet.clock().advance(Duration.ofDays(89));
        fleet.controller().tickKeyRotations();
        assertFalse(key("branch-1").has("rotation"), "89 days old: not yet");

        fleet.clock().advance(Duration.ofDays(2));
        fleet.controller().tickKeyRotations();
        JsonNode r = key("branch-1").path("rotation");
        assertEquals("requested", r.path("phase").asText());
        assertEquals("auto", r.path("trigger").asText());
        assertEquals("system", r.path("requestedBy").asText());
        assertTrue(a.bundle().config().keyRotation().isPresent());
        assertEquals("system", fleet.audit("key.rotate").getFirst().path("actor").asText());

        // The new key's age counts from its switch: the next automatic rotation is 90 days after it.
        String id = r.path("id").asText();
        a.keys(id, FakeAppliance.randomKey(), false);
        fleet.controller().tickKeyRotations();
        assertEquals("switching", phase("branch-1"), "no peers: nothing to wait for");
        a.keys(id, a.bundle().config().keyRotation().orElseThrow().publicKey().orElseThrow(), true);
        fleet.clock().advance(Duration.ofDays(89));
        fleet.controller().tickKeyRotations();
        assertEquals("done", phase("branch-1"));
        assertEquals(id, key("branch-1").path("rotation").path("id").asText(), "89 days after the switch: no new rotation");
        fleet.clock().advance(Duration.ofDays(2));
        fleet.controller().tickKeyRotations();
        assertEquals("kr-branch-1-2", key("branch-1").path("rotation").path("id").asText());
    }

    @Test
    void rotateAll_startsEveryEnrolledSite_andSkipsTheOthers() {
        fleet(Duration.ZERO, Duration.ofHours(24));
        fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        fleet.site("staged", "default", "10.9.0.0/16");

        JsonNode all = fleet.admin().post("/v1/admin/rotate-keys", Map.of()).json();
        assertEquals(2, all.path("started").size(), all.toString());
        assertEquals("staged", all.path("skipped").get(0).path("siteId").asText());
        JsonNode status = fleet.admin().get("/v1/admin/keys").json();
        assertEquals(2, status.path("items").size());
        assertEquals("0s", status.path("keyRotationInterval").asText());
        assertTrue(status.path("items").get(0).path("rotation").has("phase"));
    }

    @Test
    void reEnrolment_cancelsTheRotation() {
        fleet(Duration.ZERO, Duration.ofHours(24));
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        FakeAppliance b = fleet.enrolled("branch-2", "default", "10.2.0.0/16");
        String id = fleet.admin().post("/v1/admin/sites/branch-1/rotate-key", Map.of()).json().path("id").asText();
        a.keys(id, FakeAppliance.randomKey(), false);

        FakeAppliance replacement = new FakeAppliance(fleet, "SER-branch-1-new");
        replacement.enrol(fleet.token("branch-1"));
        assertEquals("cancelled", phase("branch-1"));
        assertTrue(b.bundle().config().peerKeys().isEmpty());
        assertEquals(replacement.wireguardKey(), site(b.bundle(), "branch-1").publicKey());
    }
}
