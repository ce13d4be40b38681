package io.patronus.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.TlsContexts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every device route needs the current device certificate, every admin route the admin token; refusals are audited. */
@Timeout(60)
class AuthenticationTest {
    /** Every device route with a body that would be valid. */
    static final List<String[]> DEVICE_ROUTES = List.of(
            new String[]{"POST", "/v1/device/renew", "{\"csr\":\"x\"}"},
            new String[]{"GET", "/v1/device/config?after=0&waitSeconds=0", null},
            new String[]{"POST", "/v1/device/status", "{}"},
            new String[]{"POST", "/v1/device/telemetry", "{\"events\":[]}"},
            new String[]{"POST", "/v1/device/keys", "{}"});

    /** Every admin route (organisations and admin tokens included), path parameters filled in. */
    static final List<String[]> ADMIN_ROUTES = List.of(
            new String[]{"GET", "/v1/admin/info"}, new String[]{"GET", "/v1/admin/sites"},
            new String[]{"POST", "/v1/admin/sites"}, new String[]{"GET", "/v1/admin/sites/x"},
            new String[]{"DELETE", "/v1/admin/sites/x"}, new String[]{"GET", "/v1/admin/sites/x/config"},
            new String[]{"PUT", "/v1/admin/sites/x/overrides"}, new String[]{"GET", "/v1/admin/tokens"},
            new String[]{"POST", "/v1/admin/tokens"}, new String[]{"POST", "/v1/admin/tokens/x/revoke"},
            new String[]{"GET", "/v1/admin/appliances"}, new String[]{"GET", "/v1/admin/appliances/x"},
            new String[]{"GET", "/v1/admin/appliances/x/drift"}, new String[]{"POST", "/v1/admin/appliances/x/drift/adopt"},
            new String[]{"POST", "/v1/admin/appliances/x/drift/overwrite"}, new String[]{"GET", "/v1/admin/groups"},
            new String[]{"GET", "/v1/admin/groups/g/config"}, new String[]{"PUT", "/v1/admin/groups/g/config"},
            new String[]{"POST", "/v1/admin/groups/g/push"}, new String[]{"GET", "/v1/admin/rollouts"},
            new String[]{"GET", "/v1/admin/rollouts/x"}, new String[]{"GET", "/v1/admin/events"},
            new String[]{"GET", "/v1/admin/audit"}, new String[]{"GET", "/v1/admin/sites/x/key"},
            new String[]{"POST", "/v1/admin/sites/x/rotate-key"}, new String[]{"POST", "/v1/admin/sites/x/rotate-key/cancel"},
            new String[]{"POST", "/v1/admin/rotate-keys"}, new String[]{"GET", "/v1/admin/keys"},
            new String[]{"GET", "/v1/admin/organisations"}, new String[]{"POST", "/v1/admin/organisations"},
            new String[]{"GET", "/v1/admin/organisations/x"}, new String[]{"DELETE", "/v1/admin/organisations/x"},
            new String[]{"GET", "/v1/admin/admin-tokens"}, new String[]{"POST", "/v1/admin/admin-tokens"},
            new String[]{"POST", "/v1/admin/admin-tokens/x/revoke"});

    @TempDir
    Path dir;
    TestFleet fleet;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir.resolve("a"));
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    @Test
    void everyDeviceRoute_withoutClientCertificate_refused401AndAudited() {
        Http anonymous = fleet.anonymous();
        for (String[] r : DEVICE_ROUTES) {
            Http.Answer a = anonymous.send(r[0], r[1], r[2], Duration.ofSeconds(10));
            assertEquals(401, a.status(), r[1] + ": " + a);
            assertEquals("client_certificate_required", a.code(), r[1]);
        }
        List<JsonNode> audited = fleet.audit("client_certificate_required");
        assertEquals(DEVICE_ROUTES.size(), audited.size());
        assertTrue(audited.stream().allMatch(x -> x.path("outcome").asText().equals("refused")));
    }

    @Test
    void deviceRoute_certificateOfAnotherCa_refusedByTlsOr401Untrusted() {
        try (TestFleet other = new TestFleet(dir.resolve("b"))) {
            FakeAppliance foreign = other.enrolled("elsewhere", "default", "10.9.0.0/16");
            Http client = new Http(fleet.controller().localUrl(), TlsContexts.client(fleet.controller().caCertificate(),
                    foreign.keys().getPrivate(), foreign.certificate()), Optional.empty());
            try {
                Http.Answer a = client.post("/v1/device/status", "{}");
                assertEquals(401, a.status(), a.toString());
                assertEquals("untrusted_certificate", a.code());
                assertFalse(fleet.audit("untrusted_certificate").isEmpty());
            } catch (UncheckedIOException refusedInHandshake) {
                // The CA's trust manager refused the foreign certificate during the TLS handshake: nothing reached a route.
                assertTrue(fleet.audit("untrusted_certificate").isEmpty());
            }
        }
    }

    @Test
    void deviceRoute_certificateOfDeletedSite_refused403Revoked() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        assertEquals(204, fleet.admin().delete("/v1/admin/sites/branch-1").status());
        Http.Answer answer = a.device().get("/v1/device/config?after=0&waitSeconds=0");
        assertEquals(403, answer.status(), answer.toString());
        assertEquals("certificate_revoked", answer.code());
        assertFalse(fleet.audit("certificate_revoked").isEmpty());
    }

    @Test
    void renew_freshKey_newCertificateWorksAndPreviousStillAccepted() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Http before = a.device();
        String oldSerial = io.patronus.provisioning.DeviceIdentity.of(a.certificate()).certificateSerial();
        Http.Answer renewed = a.renew();
        assertEquals(200, renewed.status(), renewed.toString());
        assertTrue(renewed.json().has("renewAfter"));
        assertEquals(200, a.device().get("/v1/device/config?after=0&waitSeconds=0").status());
        assertEquals(200, before.get("/v1/device/config?after=0&waitSeconds=0").status(), "the previous certificate stays valid");
        JsonNode appliance = fleet.admin().get("/v1/admin/appliances/branch-1").json();
        assertEquals(oldSerial, appliance.path("previousCertificateSerial").asText());
        assertEquals(1, fleet.audit("renew").size());
        // Renewed twice: the first certificate is neither current nor previous any more.
        assertEquals(200, a.renew().status());
        Http.Answer old = before.get("/v1/device/config?after=0&waitSeconds=0");
        assertEquals(403, old.status());
        assertEquals("certificate_revoked", old.code());
    }

    @Test
    void renew_csrForAnotherSerial_refused403SerialMismatch() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Http.Answer answer = a.device().post("/v1/device/renew", Map.of("csr", DeviceKeys.csr(DeviceKeys.generate(), "PAT-EVIL")));
        assertEquals(403, answer.status(), answer.toString());
        assertEquals("serial_mismatch", answer.code());
        assertFalse(fleet.audit("serial_mismatch").isEmpty());
    }

    @Test
    void everyAdminRoute_withoutBearer_refused401AndAudited() {
        Http anonymous = fleet.anonymous();
        for (String[] r : ADMIN_ROUTES) {
            Http.Answer a = anonymous.send(r[0], r[1], null, Duration.ofSeconds(10));
            assertEquals(401, a.status(), r[0] + " " + r[1] + ": " + a);
            assertEquals("admin_token_required", a.code(), r[1]);
        }
        assertEquals(ADMIN_ROUTES.size(), fleet.audit("admin_token_required").size());
    }

    @Test
    void everyAdminRoute_withWrongBearer_refused401AndAudited() {
        Http wrong = fleet.withBearer("padm_" + "x".repeat(43));
        for (String[] r : ADMIN_ROUTES) {
            Http.Answer a = wrong.send(r[0], r[1], null, Duration.ofSeconds(10));
            assertEquals(401, a.status(), r[0] + " " + r[1] + ": " + a);
            assertEquals("admin_token_invalid", a.code(), r[1]);
        }
        assertEquals(ADMIN_ROUTES.size(), fleet.audit("admin_token_invalid").size());
    }

    @Test
    void adminRouteList_coversEveryRouteTheServerHas() {
        List<ApiRoute> routes = new java.util.ArrayList<>(new AdminRoutes(null, null, null, null, null, null, Duration.ZERO,
                Duration.ZERO, null, null).routes());
        routes.addAll(new OrganisationRoutes(null).routes());
        assertEquals(routes.size(), ADMIN_ROUTES.size());
        for (ApiRoute route : routes) {
            assertTrue(ADMIN_ROUTES.stream().anyMatch(r -> r[0].equals(route.method()) && route.matchesPath(r[1])),
                    "untested admin route " + route.method() + " " + route.path());
            assertEquals(ApiRoute.Auth.ADMIN, route.auth());
        }
    }

    @Test
    void unknownRouteAndWrongMethod_answerTheErrorShape() {
        Http.Answer missing = fleet.anonymous().get("/v1/nothing-here");
        assertEquals(404, missing.status());
        assertEquals("not_found", missing.code());
        Http.Answer wrong = fleet.anonymous().send("DELETE", "/v1/ca", null, Duration.ofSeconds(5));
        assertEquals(405, wrong.status());
        assertEquals("method_not_allowed", wrong.code());
    }

    @Test
    void deviceCertificate_isNotAnAdminCredential() {
        FakeAppliance a = fleet.enrolled("branch-1", "default", "10.1.0.0/16");
        Http.Answer answer = a.device().get("/v1/admin/sites");
        assertEquals(401, answer.status());
        assertEquals("admin_token_required", answer.code());
    }

    @Test
    void adminToken_isCreatedOnceWithOwnerOnlyMode() throws Exception {
        Path file = fleet.dataDir().resolve("secrets/admin.token");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)));
        String token = fleet.controller().adminToken();
        fleet.restart();
        assertEquals(token, fleet.controller().adminToken());
    }
}
