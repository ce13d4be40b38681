package io.patronus.controller.cli;

import io.patronus.controller.cli.ControllerCliTest.Run;
import io.patronus.controller.testing.TestFleet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI with several organisations: choosing one, listing all of them, organisation admin tokens, and the errors. */
@Timeout(60)
class OrganisationsCliTest {
    @TempDir
    Path dir;
    TestFleet fleet;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    private Run cli(String... args) {
        return cli(Map.of(), args);
    }

    private Run cli(Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--controller", fleet.controller().localUrl().toString(), "--data-dir", fleet.dataDir().toString()));
        return ControllerCliTest.cli(env, all.toArray(String[]::new));
    }

    @Test
    void singleOrganisation_commandsWorkWithoutNamingIt() {
        Run list = cli("organisations", "list");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("default") && l.contains("Test Org")), list.out());
        Run created = cli("sites", "create", "branch-1", "--lan", "10.1.0.0/16");
        assertEquals(0, created.code(), created.toString());
        assertTrue(created.out().contains("of organisation default"), created.out());
        Run sites = cli("sites", "list");
        assertTrue(sites.out().startsWith("ID"), "no ORGANISATION column for one organisation: " + sites.out());
    }

    @Test
    void organisations_createShowDelete_andSitesInEach() {
        Run created = cli("organisations", "create", "acme", "--name", "Acme Corp");
        assertEquals(0, created.code(), created.toString());
        assertTrue(created.out().contains("organisation acme created"), created.out());
        assertEquals(0, cli("organisations", "create", "globex").code());

        assertEquals(0, cli("sites", "create", "acme-1", "--lan", "10.1.0.0/16", "--organisation", "acme").code());
        Run fromEnv = cli(Map.of("PATRONUS_ORGANISATION", "globex"), "sites", "create", "globex-1", "--lan", "10.1.0.0/16");
        assertEquals(0, fromEnv.code(), fromEnv.toString());
        assertTrue(fromEnv.out().contains("of organisation globex"), fromEnv.out());

        Run acme = cli("sites", "list", "--organisation", "acme");
        assertEquals(0, acme.code(), acme.toString());
        assertTrue(acme.out().contains("acme-1") && !acme.out().contains("globex-1"), acme.out());

        Run all = cli("sites", "list", "--all-organisations");
        assertEquals(0, all.code(), all.toString());
        assertTrue(all.out().startsWith("ORGANISATION"), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith("acme ") && l.contains("acme-1")), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith("globex ") && l.contains("globex-1")), all.out());

        Run show = cli("organisations", "show", "acme");
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().contains("acme (Acme Corp)") && show.out().contains("sites:           1"), show.out());

        Run notEmpty = cli("organisations", "delete", "acme");
        assertEquals(1, notEmpty.code(), notEmpty.toString());
        assertTrue(notEmpty.err().contains("still has 1 site(s): acme-1") && notEmpty.err().contains("organisation_not_empty"),
                notEmpty.err());
        assertEquals(0, cli("sites", "delete", "acme-1").code());
        Run deleted = cli("organisations", "delete", "acme");
        assertEquals(0, deleted.code(), deleted.toString());
    }

    @Test
    void severalOrganisations_withoutOrganisation_oneLineNamingThem() {
        assertEquals(0, cli("organisations", "create", "acme").code());
        Run r = cli("sites", "list");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("2 organisations (acme, default)") && r.err().contains("--organisation ID"), r.err());
        assertFalse(r.err().contains("\tat "));

        Run unknown = cli("tokens", "list", "--organisation", "initech");
        assertEquals(1, unknown.code(), unknown.toString());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("organisation initech does not exist (organisations: acme, default)"),
                unknown.err());

        Run both = cli("sites", "list", "--organisation", "acme", "--all-organisations");
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("not both"), both.err());
    }

    @Test
    void adminTokens_createdForAnOrganisation_seeOnlyIt() {
        assertEquals(0, cli("organisations", "create", "acme").code());
        assertEquals(0, cli("sites", "create", "default-1", "--lan", "10.9.0.0/16", "--organisation", "default").code());
        Run created = cli("admin-tokens", "create", "--organisation", "acme", "--description", "acme's NOC");
        assertEquals(0, created.code(), created.toString());
        String secret = created.out().strip();
        assertTrue(secret.startsWith("porg_"), created.out());
        assertTrue(created.err().contains("shown only now"), created.err());

        Map<String, String> asAcme = new HashMap<>(Map.of("PATRONUS_CONTROLLER_TOKEN", secret));
        assertEquals(0, cli(asAcme, "sites", "create", "acme-1", "--lan", "10.1.0.0/16").code());
        Run sites = cli(asAcme, "sites", "list");
        assertEquals(0, sites.code(), sites.toString());
        assertTrue(sites.out().contains("acme-1") && !sites.out().contains("default-1"), sites.out());
        Run hidden = cli(asAcme, "sites", "show", "default-1");
        assertEquals(1, hidden.code(), hidden.toString());
        assertTrue(hidden.err().contains("site default-1 does not exist"), hidden.err());
        Run refused = cli(asAcme, "organisations", "create", "initech");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.err().contains("fleet_token_required"), refused.err());

        Run list = cli("admin-tokens", "list", "--organisation", "acme");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().contains("acme's NOC") && list.out().contains("active"), list.out());
        assertFalse(list.out().contains(secret), "the secret is never listed");
        String id = list.out().lines().filter(l -> l.startsWith("atok-")).findFirst().orElseThrow().split("\\s+")[0];
        Run revoked = cli("admin-tokens", "revoke", id);
        assertEquals(0, revoked.code(), revoked.toString());
        Run after = cli(asAcme, "sites", "list");
        assertEquals(1, after.code(), after.toString());
        assertTrue(after.err().contains("was revoked"), after.err());
    }
}
