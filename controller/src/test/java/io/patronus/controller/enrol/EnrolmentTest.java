package io.patronus.controller.enrol;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceIdentity;
import io.patronus.provisioning.Onboarding;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.SignedEnvelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

@Timeout(60)
class EnrolmentTest {
    @TempDir
    Path dir;
    TestFleet fleet;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
        fleet.site("branch-1", "default", "10.1.0.0/16");
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    @Test
    void enrol_validToken_answersSignedOnboardingWithCertificateAndFirstBundle() {
        FakeAppliance a = new FakeAppliance(fleet, "PAT-000123");
        Onboarding o = a.enrol(fleet.token("branch-1"));

        assertEquals("branch-1", o.siteId());
        assertEquals("Site branch-1", o.siteName());
        assertEquals("PAT-000123", o.serial());
        assertEquals(fleet.controller().url().toString(), o.controllerUrl());
        assertEquals(fleet.controller().caCertificate(), Pem.parseCertificate(o.caCertificate()));
        DeviceIdentity id = DeviceIdentity.of(a.certificate());
        assertEquals("branch-1", id.siteId());
        assertEquals("PAT-000123", id.serial());
        assertTrue(a.certificate().getSubjectX500Principal().getName().contains("O=Patronus appliance"));
        Duration validity = Duration.between(a.certificate().getNotBefore().toInstant(), a.certificate().getNotAfter().toInstant());
        assertTrue(validity.compareTo(Duration.ofDays(7)) >= 0 && validity.compareTo(Duration.ofDays(7).plusHours(1)) < 0, validity.toString());
        assertTrue(o.renewAfter().isAfter(fleet.clock().instant().plus(Duration.ofDays(4))), o.renewAfter().toString());

        ConfigBundle bundle = a.verifier().verify(o.bundle(), ConfigBundle.class);
        assertEquals("branch-1", bundle.siteId());
        assertEquals(1, bundle.version());
        assertEquals(List.of(), bundle.config().sites(), "alone in the mesh, the site has no peers");

        JsonNode appliance = fleet.admin().get("/v1/admin/appliances/branch-1").json();
        assertEquals("PAT-000123", appliance.path("serial").asText());
        assertEquals(1, appliance.path("desiredVersion").asLong());
        assertEquals("ENROLLED", appliance.path("state").asText());
        assertEquals(1, fleet.audit("enrol").size());
        assertEquals("used", fleet.admin().get("/v1/admin/tokens").json().path("items").get(0).path("state").asText());
    }

    @Test
    void enrol_tokenUsedTwice_secondRefusedAsReplayedAndAudited() {
        String token = fleet.token("branch-1");
        new FakeAppliance(fleet, "PAT-1").enrol(token);
        Http.Answer again = new FakeAppliance(fleet, "PAT-2").tryEnrol(token, "PAT-2");
        assertRefused(again, 403, "token_replayed");
        assertEquals("PAT-1", fleet.admin().get("/v1/admin/appliances/branch-1").json().path("serial").asText(),
                "the replay must not replace the enrolled appliance");
    }

    @Test
    void enrol_tokenPastExpiry_refusedAsExpiredAndAudited() {
        String token = fleet.token("branch-1", Optional.empty(), Optional.of("1h"));
        fleet.clock().advance(Duration.ofMinutes(61));
        assertRefused(new FakeAppliance(fleet, "PAT-1").tryEnrol(token, "PAT-1"), 403, "token_expired");
    }

    private JsonNode enrolmentOf(String site) {
        return fleet.admin().get("/v1/admin/sites/" + site).json().path("enrolment");
    }

    @Test
    void siteView_followsTheEnrolment_fromStagedThroughRefusedToEnrolled_andKeepsTheRefusalAcrossARestart() {
        assertEquals("staged", enrolmentOf("branch-1").path("state").asText(), enrolmentOf("branch-1").toString());
        String bound = fleet.token("branch-1", Optional.of("PAT-OTHER"), Optional.empty());
        JsonNode awaiting = enrolmentOf("branch-1");
        assertEquals("awaiting_device", awaiting.path("state").asText(), awaiting.toString());
        assertTrue(awaiting.has("token") && awaiting.has("tokenExpiresAt"), awaiting.toString());

        assertRefused(new FakeAppliance(fleet, "PAT-1").tryEnrol(bound, "PAT-1"), 403, "token_serial_mismatch");
        JsonNode refused = enrolmentOf("branch-1");
        assertEquals("refused", refused.path("state").asText(), refused.toString());
        assertEquals("token_serial_mismatch", refused.path("lastRefusal").path("code").asText());
        assertTrue(refused.path("lastRefusal").path("by").asText().contains("PAT-1"), refused.toString());
        fleet.restart();
        assertEquals("refused", enrolmentOf("branch-1").path("state").asText(), "derived from the audit records after a restart");

        fleet.clock().advance(Duration.ofSeconds(1));
        String fresh = fleet.token("branch-1");
        JsonNode again = enrolmentOf("branch-1");
        assertEquals("awaiting_device", again.path("state").asText(), "a newer token is out: " + again);
        assertEquals("token_serial_mismatch", again.path("lastRefusal").path("code").asText(), "the refusal stays visible");

        new FakeAppliance(fleet, "PAT-1").enrol(fresh);
        JsonNode enrolled = enrolmentOf("branch-1");
        assertEquals("enrolled", enrolled.path("state").asText(), enrolled.toString());
        assertEquals("PAT-1", enrolled.path("serial").asText());
    }

    @Test
    void enrol_tokenBoundToAnotherSerial_refusedAsSerialMismatchAndAudited() {
        String token = fleet.token("branch-1", Optional.of("PAT-OTHER"), Optional.empty());
        assertRefused(new FakeAppliance(fleet, "PAT-1").tryEnrol(token, "PAT-1"), 403, "token_serial_mismatch");
        new FakeAppliance(fleet, "PAT-OTHER").enrol(token);
    }

    @Test
    void enrol_revokedToken_refusedAsRevokedAndAudited() {
        String token = fleet.token("branch-1");
        String id = fleet.admin().get("/v1/admin/tokens").json().path("items").get(0).path("id").asText();
        assertEquals(200, fleet.admin().post("/v1/admin/tokens/" + id + "/revoke", null).status());
        assertRefused(new FakeAppliance(fleet, "PAT-1").tryEnrol(token, "PAT-1"), 403, "token_revoked");
    }

    @Test
    void enrol_unknownToken_refusedWith401AndAudited() {
        assertRefused(new FakeAppliance(fleet, "PAT-1").tryEnrol("ptok_not-a-token-of-this-controller", "PAT-1"), 401,
                "token_unknown");
    }

    @Test
    void enrol_csrForAnotherSerial_refusedAsInvalidCsrAndTokenIsSpent() {
        String token = fleet.token("branch-1");
        FakeAppliance a = new FakeAppliance(fleet, "PAT-1");
        assertRefused(a.tryEnrol(token, "PAT-SOMEONE-ELSE"), 400, "invalid_csr");
        assertRefused(a.tryEnrol(token, "PAT-1"), 403, "token_replayed");
        assertEquals(404, fleet.admin().get("/v1/admin/appliances/branch-1").status());
    }

    @Test
    void enrol_csrWithBrokenSignature_refusedAsInvalidCsr() {
        String token = fleet.token("branch-1");
        FakeAppliance a = new FakeAppliance(fleet, "PAT-1");
        var body = Json.mapper().valueToTree(a.request(token, "PAT-1"));
        String csr = body.path("csr").asText();
        // Flip one character in the middle of the base64: the self-signature no longer verifies (or it no longer parses).
        int mid = csr.length() / 2;
        char c = csr.charAt(mid) == 'A' ? 'B' : 'A';
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("csr", csr.substring(0, mid) + c + csr.substring(mid + 1));
        assertRefused(fleet.anonymous().post("/v1/enrol", body), 400, "invalid_csr");
    }

    @Test
    void enrol_replacementAppliance_keepsVersionsIncreasing() {
        FakeAppliance first = new FakeAppliance(fleet, "PAT-1");
        first.enrol(fleet.token("branch-1"));
        FakeAppliance second = new FakeAppliance(fleet, "PAT-2");
        Onboarding o = second.enrol(fleet.token("branch-1"));
        assertEquals(2, second.verifier().verify(o.bundle(), ConfigBundle.class).version());
        assertRefused(first.device().post("/v1/device/status", Map.of()), 403, "certificate_revoked");
    }

    @Test
    void caRoute_servesTheCaCertificatePemMatchingTheFingerprint() {
        Http.Answer a = fleet.anonymous().get("/v1/ca");
        assertEquals(200, a.status());
        assertTrue(io.patronus.provisioning.Fingerprint.matches(fleet.controller().caFingerprint(), Pem.parseCertificate(a.body())));
    }

    @Test
    void onboardingEnvelope_tamperedPayload_failsVerification() {
        Http.Answer a = new FakeAppliance(fleet, "PAT-1").tryEnrol(fleet.token("branch-1"), "PAT-1");
        SignedEnvelope e = Json.mapper().convertValue(a.json(), SignedEnvelope.class);
        byte[] payload = e.payloadBytes();
        payload[10] ^= 1;
        SignedEnvelope tampered = new SignedEnvelope(java.util.Base64.getEncoder().encodeToString(payload), e.signature(),
                e.signingCertificate());
        FakeAppliance verifierOnly = new FakeAppliance(fleet, "PAT-X");
        io.patronus.provisioning.ProvisioningException ex = org.junit.jupiter.api.Assertions.assertThrows(
                io.patronus.provisioning.ProvisioningException.class, () -> verifierOnly.verifier().verify(tampered));
        assertEquals("bad_signature", ex.code());
    }

    private void assertRefused(Http.Answer a, int status, String code) {
        assertEquals(status, a.status(), a.toString());
        assertEquals(code, a.code(), a.toString());
        assertFalse(a.json().path("error").path("message").asText().isBlank());
        List<JsonNode> audited = fleet.audit(code);
        assertFalse(audited.isEmpty(), "refusal " + code + " must be audited");
        assertEquals("refused", audited.getLast().path("outcome").asText());
    }
}
