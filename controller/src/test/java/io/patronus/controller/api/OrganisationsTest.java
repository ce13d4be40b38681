package io.patronus.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.Configs;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.provisioning.ConfigBundle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A controller with two organisations over real HTTPS: meshes stay within an organisation, an organisation admin token
 * sees and changes its own organisation only (another's objects are 404, fleet matters 403), and the fleet token must
 * say which organisation it means once there are several.
 */
@Timeout(60)
class OrganisationsTest {
    @TempDir
    Path dir;
    TestFleet fleet;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
        fleet.organisation("acme");
        fleet.organisation("globex");
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    private static Set<String> sites(ConfigBundle b) {
        Set<String> ids = new TreeSet<>();
        b.config().sites().forEach(s -> ids.add(s.id()));
        return ids;
    }

    private static List<String> ids(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.path("items").forEach(i -> out.add(i.path(field).asText()));
        return out;
    }

    @Test
    void bundles_twoOrganisations_eachListsOnlyItsOwnOrganisationsSites() {
        // The same group name and the same LAN prefixes in both: neither is shared between organisations.
        FakeAppliance a1 = fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        FakeAppliance a2 = fleet.enrolledIn("acme", "acme-2", "default", "10.2.0.0/16");
        FakeAppliance g1 = fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");
        FakeAppliance g2 = fleet.enrolledIn("globex", "globex-2", "default", "10.2.0.0/16");

        assertEquals(Set.of("acme-2"), sites(a1.bundle()));
        assertEquals(Set.of("acme-1"), sites(a2.bundle()));
        assertEquals(Set.of("globex-2"), sites(g1.bundle()));
        assertEquals(Set.of("globex-1"), sites(g2.bundle()));
        JsonNode view = fleet.admin().get("/v1/admin/sites/acme-1/config").json();
        List<String> viewSites = new ArrayList<>();
        view.path("config").path("sites").forEach(s -> viewSites.add(s.path("id").asText()));
        assertEquals(List.of("acme-2"), viewSites, "the admin view renders the same mesh");
    }

    @Test
    void enrolment_inOneOrganisation_publishesOnlyToThatOrganisationsAppliances() {
        FakeAppliance a1 = fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        FakeAppliance g1 = fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");
        long acmeVersion = a1.bundle().version();
        long globexVersion = g1.bundle().version();

        fleet.enrolledIn("acme", "acme-2", "default", "10.2.0.0/16");

        assertTrue(a1.bundle().version() > acmeVersion, "acme-1's mesh changed");
        assertEquals(Set.of("acme-2"), sites(a1.bundle()));
        assertEquals(globexVersion, g1.bundle().version(), "nothing changed for globex");
        assertTrue(g1.poll(globexVersion, 0).isEmpty());
    }

    @Test
    void groupConfig_sameNameInTwoOrganisations_changesOnlyTheNamedOne() {
        FakeAppliance a1 = fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        FakeAppliance g1 = fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");
        long globexVersion = g1.bundle().version();

        Http.Answer put = fleet.admin().put("/v1/admin/groups/default/config?organisation=acme",
                Configs.group(List.of(Configs.route("voice", 10, "fiber", "lte")), List.of()));
        assertEquals(200, put.status(), put.toString());
        assertEquals("acme", put.json().path("organisation").asText());

        assertEquals(1, a1.bundle().config().policies().size());
        assertEquals(globexVersion, g1.bundle().version());
        assertEquals(0, fleet.admin().get("/v1/admin/groups/default/config?organisation=globex").json()
                .path("revision").asLong());
        assertEquals(List.of("acme"), ids(fleet.admin().get("/v1/admin/rollouts?organisation=*").json(), "organisation"));
        assertTrue(ids(fleet.admin().get("/v1/admin/rollouts?organisation=globex").json(), "id").isEmpty());
    }

    @Test
    void rotateKeys_all_rotatesOnlyTheNamedOrganisationsSites() {
        fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        fleet.enrolledIn("acme", "acme-2", "default", "10.2.0.0/16");
        fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");

        Http.Answer all = fleet.admin().post("/v1/admin/rotate-keys?organisation=acme", Map.of());
        assertEquals(200, all.status(), all.toString());
        List<String> started = new ArrayList<>();
        all.json().path("started").forEach(r -> started.add(r.path("siteId").asText()));
        assertEquals(List.of("acme-1", "acme-2"), started);
        assertTrue(fleet.admin().get("/v1/admin/sites/globex-1/key").json().path("rotation").isMissingNode());
    }

    @Test
    void keyRotation_distributing_waitsOnlyForTheSameOrganisationsPeers() {
        FakeAppliance a1 = fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        FakeAppliance a2 = fleet.enrolledIn("acme", "acme-2", "default", "10.2.0.0/16");
        FakeAppliance g1 = fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");
        long globexVersion = g1.bundle().version();
        String rotation = fleet.admin().post("/v1/admin/sites/acme-1/rotate-key", Map.of()).json().path("id").asText();

        assertEquals(200, a1.keys(rotation, FakeAppliance.randomKey(), false).status());
        assertTrue(a2.bundle().config().peerKeys().containsKey("acme-1"), "acme-2 learns the next key");
        // globex-1 never applies anything: it is not acme-1's peer, so the rotation does not wait for it.
        assertEquals(200, a2.applied(a2.bundle().version(), Optional.empty()).status());
        fleet.controller().tickKeyRotations();

        JsonNode key = fleet.admin().get("/v1/admin/sites/acme-1/key").json();
        assertEquals("switching", key.path("rotation").path("phase").asText(), key.toPrettyString());
        assertEquals(globexVersion, g1.bundle().version(), "globex's bundle never mentioned acme's key");
    }

    @Test
    void fleetToken_withoutOrganisation_twoOrganisations_400NamingThem() {
        // Three: the controller's first one (default) and the two of this test.
        for (String[] call : List.of(new String[]{"GET", "/v1/admin/sites"}, new String[]{"GET", "/v1/admin/tokens"},
                new String[]{"GET", "/v1/admin/appliances"}, new String[]{"GET", "/v1/admin/groups"},
                new String[]{"GET", "/v1/admin/rollouts"}, new String[]{"GET", "/v1/admin/keys"},
                new String[]{"GET", "/v1/admin/events"}, new String[]{"GET", "/v1/admin/audit"},
                new String[]{"GET", "/v1/admin/groups/default/config"}, new String[]{"POST", "/v1/admin/rotate-keys"},
                new String[]{"GET", "/v1/admin/admin-tokens"})) {
            Http.Answer a = fleet.admin().send(call[0], call[1], call[0].equals("POST") ? Map.of() : null,
                    java.time.Duration.ofSeconds(10));
            assertEquals(400, a.status(), call[1] + ": " + a);
            assertEquals("organisation_required", a.code(), call[1]);
            assertTrue(a.json().path("error").path("message").asText().contains("3 organisations (acme, default, globex)"),
                    a.toString());
        }
        Http.Answer create = fleet.admin().post("/v1/admin/sites", Map.of("id", "x-1", "lanPrefixes", List.of()));
        assertEquals(400, create.status(), create.toString());
        assertEquals("organisation_required", create.code());
        Http.Answer inBody = fleet.admin().post("/v1/admin/sites", Map.of("id", "x-1", "organisation", "globex",
                "lanPrefixes", List.of()));
        assertEquals(201, inBody.status(), inBody.toString());
        assertEquals("globex", inBody.json().path("organisation").asText());
        Http.Answer unknown = fleet.admin().get("/v1/admin/sites?organisation=initech");
        assertEquals(404, unknown.status());
        assertEquals("organisation_unknown", unknown.code());
    }

    @Test
    void fleetToken_allOrganisations_listsEveryOnesObjectsWithTheirOrganisation() {
        fleet.siteIn("acme", "acme-1", "default", "10.1.0.0/16");
        fleet.siteIn("globex", "globex-1", "default", "10.1.0.0/16");
        JsonNode all = fleet.admin().get("/v1/admin/sites?organisation=*").json();
        assertEquals(List.of("acme-1", "globex-1"), ids(all, "id"));
        assertEquals(List.of("acme", "globex"), ids(all, "organisation"));
        assertEquals(List.of("acme-1"), ids(fleet.admin().get("/v1/admin/sites?organisation=acme").json(), "id"));
    }

    @Test
    void organisationToken_otherOrganisationsObjects_404AndUnchanged() {
        fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        fleet.enrolledIn("globex", "globex-1", "default", "10.1.0.0/16");
        String globexToken = fleet.admin().post("/v1/admin/tokens", Map.of("siteId", "globex-1")).json().path("id").asText();
        fleet.admin().put("/v1/admin/groups/default/config?organisation=globex",
                Configs.group(List.of(Configs.route("voice", 10, "fiber", "lte")), List.of()));
        String globexRollout = ids(fleet.admin().get("/v1/admin/rollouts?organisation=globex").json(), "id").getFirst();
        Http acme = fleet.organisationAdmin("acme");

        for (String[] call : List.of(
                new String[]{"GET", "/v1/admin/sites/globex-1"}, new String[]{"DELETE", "/v1/admin/sites/globex-1"},
                new String[]{"GET", "/v1/admin/sites/globex-1/config"}, new String[]{"PUT", "/v1/admin/sites/globex-1/overrides"},
                new String[]{"GET", "/v1/admin/sites/globex-1/key"}, new String[]{"POST", "/v1/admin/sites/globex-1/rotate-key"},
                new String[]{"POST", "/v1/admin/sites/globex-1/rotate-key/cancel"},
                new String[]{"POST", "/v1/admin/tokens/" + globexToken + "/revoke"},
                new String[]{"GET", "/v1/admin/appliances/globex-1"}, new String[]{"GET", "/v1/admin/appliances/globex-1/drift"},
                new String[]{"POST", "/v1/admin/appliances/globex-1/drift/adopt"},
                new String[]{"POST", "/v1/admin/appliances/globex-1/drift/overwrite"},
                new String[]{"GET", "/v1/admin/rollouts/" + globexRollout}, new String[]{"GET", "/v1/admin/organisations/globex"},
                new String[]{"GET", "/v1/admin/sites?organisation=globex"},
                new String[]{"GET", "/v1/admin/groups/default/config?organisation=globex"})) {
            Object body = call[0].equals("GET") || call[0].equals("DELETE") ? null
                    : call[1].endsWith("/overrides") ? Map.of("policies", List.of()) : Map.of();
            Http.Answer a = acme.send(call[0], call[1], body, java.time.Duration.ofSeconds(10));
            assertEquals(404, a.status(), call[0] + " " + call[1] + ": " + a);
            assertFalse(a.body().contains("globex-1 is in") || a.body().contains("another organisation"), a.body());
        }
        Http.Answer token = acme.post("/v1/admin/tokens", Map.of("siteId", "globex-1"));
        assertEquals(404, token.status(), token.toString());

        // Nothing of globex changed, and acme's lists show acme only.
        JsonNode globexTokens = fleet.admin().get("/v1/admin/tokens?organisation=globex").json().path("items");
        for (JsonNode t : globexTokens) {
            if (t.path("id").asText().equals(globexToken)) {
                assertEquals("active", t.path("state").asText(), t.toString());
            }
        }
        assertEquals(200, fleet.admin().get("/v1/admin/sites/globex-1").status());
        assertTrue(fleet.admin().get("/v1/admin/sites/globex-1/key").json().path("rotation").isMissingNode());
        assertEquals(List.of("acme-1"), ids(acme.get("/v1/admin/sites").json(), "id"));
        assertEquals(List.of("acme-1"), ids(acme.get("/v1/admin/sites?organisation=*").json(), "id"));
        assertEquals(List.of("acme-1"), ids(acme.get("/v1/admin/appliances").json(), "siteId"));
        assertTrue(ids(acme.get("/v1/admin/tokens").json(), "siteId").stream().allMatch("acme-1"::equals));
        assertTrue(ids(acme.get("/v1/admin/rollouts").json(), "id").isEmpty());
        assertEquals(List.of("acme"), ids(acme.get("/v1/admin/organisations").json(), "id"));
        assertTrue(ids(acme.get("/v1/admin/audit?limit=1000").json(), "organisation").stream().allMatch("acme"::equals));
    }

    @Test
    void organisationToken_fleetMatters_403() {
        Http acme = fleet.organisationAdmin("acme");
        for (String[] call : List.of(new String[]{"POST", "/v1/admin/organisations"},
                new String[]{"DELETE", "/v1/admin/organisations/acme"}, new String[]{"DELETE", "/v1/admin/organisations/globex"},
                new String[]{"GET", "/v1/admin/admin-tokens"}, new String[]{"POST", "/v1/admin/admin-tokens"},
                new String[]{"POST", "/v1/admin/admin-tokens/atok-000000000000/revoke"})) {
            Object body = call[0].equals("POST") ? Map.of("id", "initech") : null;
            Http.Answer a = acme.send(call[0], call[1], body, java.time.Duration.ofSeconds(10));
            assertEquals(403, a.status(), call[0] + " " + call[1] + ": " + a);
            assertEquals("fleet_token_required", a.code());
        }
        assertEquals(404, fleet.admin().get("/v1/admin/organisations/initech").status(), "nothing was created");
        assertEquals(200, fleet.admin().get("/v1/admin/organisations/acme").status());
    }

    @Test
    void organisationToken_createsInItsOwnOrganisation_auditedWithIt() {
        Http acme = fleet.organisationAdmin("acme");
        Http.Answer created = acme.post("/v1/admin/sites", Map.of("id", "acme-7", "lanPrefixes", List.of("10.7.0.0/16")));
        assertEquals(201, created.status(), created.toString());
        assertEquals("acme", created.json().path("organisation").asText());
        assertEquals(201, acme.post("/v1/admin/tokens", Map.of("siteId", "acme-7")).status());
        assertEquals(200, acme.put("/v1/admin/groups/default/config", Configs.group(List.of(), List.of(
                Configs.sla("gold", 50)))).status());

        List<JsonNode> lines = fleet.audit("site.create");
        JsonNode line = lines.stream().filter(l -> l.path("target").asText().equals("site/acme-7")).findFirst().orElseThrow();
        assertEquals("acme", line.path("organisation").asText());
        assertTrue(line.path("actor").asText().startsWith("admin:acme/atok-"), line.toString());
        assertTrue(fleet.audit("token.create").stream().anyMatch(l -> l.path("organisation").asText().equals("acme")));
        assertTrue(fleet.audit("group.config.put").stream().allMatch(l -> l.path("organisation").asText().equals("acme")));

        // A site id is unique on the controller: the refusal does not say which organisation has it.
        fleet.siteIn("globex", "globex-1", "default", "10.1.0.0/16");
        Http.Answer taken = acme.post("/v1/admin/sites", Map.of("id", "globex-1", "lanPrefixes", List.of()));
        assertEquals(409, taken.status(), taken.toString());
        assertFalse(taken.body().contains("globex\""), taken.body());
        assertFalse(taken.json().path("error").path("message").asText().contains("organisation globex"), taken.body());
    }

    @Test
    void organisationToken_revokedOrOrganisationDeleted_401() {
        Http.Answer created = fleet.admin().post("/v1/admin/admin-tokens?organisation=globex", Map.of());
        assertEquals(201, created.status(), created.toString());
        String secret = created.json().path("token").asText();
        assertTrue(secret.startsWith("porg_"), secret);
        Http globex = fleet.withBearer(secret);
        assertEquals(200, globex.get("/v1/admin/sites").status());
        assertFalse(fleet.admin().get("/v1/admin/admin-tokens?organisation=globex").body().contains(secret),
                "the secret is never listed");

        String id = created.json().path("id").asText();
        assertEquals("revoked", fleet.admin().post("/v1/admin/admin-tokens/" + id + "/revoke", Map.of()).json()
                .path("state").asText());
        Http.Answer refused = globex.get("/v1/admin/sites");
        assertEquals(401, refused.status());
        assertEquals("admin_token_invalid", refused.code());

        Http acme = fleet.organisationAdmin("acme");
        assertEquals(204, fleet.admin().delete("/v1/admin/organisations/acme").status());
        assertEquals(401, acme.get("/v1/admin/sites").status(), "an organisation's tokens go with it");
    }

    @Test
    void deleteOrganisation_withSites_409NamingThem_thenDeletedAndIdNotReused() {
        fleet.enrolledIn("acme", "acme-1", "default", "10.1.0.0/16");
        fleet.siteIn("acme", "acme-2", "default", "10.2.0.0/16");

        Http.Answer refused = fleet.admin().delete("/v1/admin/organisations/acme");
        assertEquals(409, refused.status(), refused.toString());
        assertEquals("organisation_not_empty", refused.code());
        String message = refused.json().path("error").path("message").asText();
        assertTrue(message.contains("2 site(s): acme-1 (with its appliance), acme-2"), message);
        assertEquals(200, fleet.admin().get("/v1/admin/organisations/acme").status());

        assertEquals(204, fleet.admin().delete("/v1/admin/sites/acme-1").status());
        assertEquals(204, fleet.admin().delete("/v1/admin/sites/acme-2").status());
        assertEquals(204, fleet.admin().delete("/v1/admin/organisations/acme").status());

        assertEquals(404, fleet.admin().get("/v1/admin/organisations/acme").status());
        assertEquals(List.of("default", "globex"), ids(fleet.admin().get("/v1/admin/organisations").json(), "id"));
        Http.Answer again = fleet.admin().post("/v1/admin/organisations", Map.of("id", "acme"));
        assertEquals(409, again.status(), again.toString());
        assertTrue(again.json().path("error").path("message").asText().contains("choose another id"), again.toString());
        assertEquals(1, fleet.audit("organisation.delete").size());
    }

    @Test
    void oneOrganisationLeft_isTheDefaultAgain() {
        assertEquals(204, fleet.admin().delete("/v1/admin/organisations/acme").status());
        assertEquals(204, fleet.admin().delete("/v1/admin/organisations/globex").status());
        fleet.site("branch-1", "default", "10.1.0.0/16");
        assertEquals("default", fleet.admin().get("/v1/admin/sites/branch-1").json().path("organisation").asText());
        JsonNode info = fleet.admin().get("/v1/admin/info").json();
        assertEquals(1, info.path("organisations").size(), info.toPrettyString());
    }

    @Test
    void site_inAnotherOrganisation_sameLanPrefixAccepted_sameOrganisationOverlapRefused() {
        fleet.siteIn("acme", "acme-1", "default", "10.1.0.0/16");
        fleet.siteIn("globex", "globex-1", "default", "10.1.0.0/16");
        Http.Answer overlap = fleet.admin().post("/v1/admin/sites?organisation=acme", Map.of("id", "acme-2",
                "lanPrefixes", List.of("10.1.2.0/24")));
        assertEquals(409, overlap.status(), overlap.toString());
        assertTrue(overlap.json().path("error").path("message").asText().contains("acme-1"), overlap.toString());
    }
}
