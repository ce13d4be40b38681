package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI driven in-process against a real appliance over HTTP, as an operator would use it after `patronus login`. */
class PatronusCliIntegrationTest {
    @TempDir
    static Path dir;
    static RunningAppliance appliance;
    static Map<String, String> env;

    static CliRun cli(String... args) {
        return CliRun.run(env, "", Clock.systemUTC(), args);
    }

    static JsonNode json(String s) throws IOException {
        return Json.mapper().readTree(s);
    }

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dir.resolve("data"));
        // No PATRONUS_API_URL: every command after login must find the appliance through the saved login.
        env = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("cli/token").toString(), "HOME", dir.toString());
        CliRun login = CliRun.run(env, appliance.adminPassword() + "\n", Clock.systemUTC(),
                "--api", appliance.baseUri().toString(), "login", "--user", "admin", "--password-stdin");
        assertEquals(0, login.code(), login.toString());
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void login_savesTheTokenInA0600File_andLaterCommandsUseIt() throws IOException {
        Path token = dir.resolve("cli/token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertEquals(appliance.baseUri().toString(), json(Files.readString(token)).path("api").asText());
        CliRun status = cli("status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("site        demo-site"), status.out());
        assertTrue(status.out().contains("data plane  "), status.out());
    }

    @Test
    void login_wrongPassword_exits1WithTheServersMessage() {
        Map<String, String> other = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("other/token").toString());
        CliRun r = CliRun.run(other, "wrong\n", Clock.systemUTC(), "--api", appliance.baseUri().toString(), "login", "--password-stdin");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("invalid username or password"), r.err());
        assertFalse(Files.exists(dir.resolve("other/token")));
    }

    @Test
    void withoutLogin_exits1_tellingToLogIn() {
        Map<String, String> nobody = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("nobody/token").toString(),
                "PATRONUS_API_URL", appliance.baseUri().toString());
        CliRun r = CliRun.run(nobody, "", Clock.systemUTC(), "sites", "list");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("not logged in to " + appliance.baseUri()), r.err());
    }

    @Test
    void sites_addListShowRemove() throws IOException {
        CliRun add = cli("sites", "add", "--id", "cli-1", "--name", "CLI one", "--location", "Lyon", "--public-key", Fixtures.randomKey(),
                "--endpoint", "fiber=192.0.2.9:51820", "--endpoint", "lte=198.51.100.9:51821", "--lan-prefix", "10.90.0.0/16");
        assertEquals(0, add.code(), add.toString());
        assertEquals(List.of("added site cli-1"), add.lines());

        assertTrue(cli("--format", "ids", "sites", "list").lines().contains("cli-1"));
        CliRun table = cli("sites", "list");
        assertTrue(table.out().startsWith("ID "), table.out());
        assertTrue(table.lines().stream().anyMatch(l -> l.startsWith("cli-1 ") && l.contains("fiber=192.0.2.9:51820 lte=198.51.100.9:51821")
                && l.contains("10.90.0.0/16")), table.out());

        CliRun show = cli("sites", "show", "cli-1", "--format", "json");
        assertEquals(0, show.code(), show.toString());
        JsonNode site = json(show.out());
        assertEquals("Lyon", site.path("location").asText());
        assertEquals("10.90.0.0/16", site.path("lanPrefixes").get(0).asText());
        assertEquals("active", site.path("status").asText());
        assertTrue(cli("sites", "show", "cli-1").out().contains("lan prefixes  10.90.0.0/16"));

        CliRun duplicate = cli("sites", "add", "--id", "cli-1", "--name", "Again", "--public-key", Fixtures.randomKey());
        assertEquals(1, duplicate.code(), duplicate.toString());

        assertEquals(List.of("removed site cli-1"), cli("sites", "remove", "cli-1").lines());
        CliRun gone = cli("sites", "show", "cli-1");
        assertEquals(1, gone.code(), gone.toString());
        assertTrue(gone.err().contains("does not exist"), gone.err());
    }

    @Test
    void serverSideValidationError_exits1NamingTheField() {
        CliRun r = cli("sites", "add", "--id", "cli-bad", "--name", "Bad", "--public-key", Fixtures.randomKey(),
                "--lan-prefix", "10.91.1.1/16");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("patronus: lanPrefixes[0]: "), r.err());
        assertTrue(r.err().contains("host bits"), r.err());
        assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r.err());
    }

    @Test
    void policies_createListUpdateDelete() throws IOException {
        CliRun c = cli("policies", "create", "--id", "voice", "--name", "Voice", "--priority", "10", "--dscp", "46",
                "--protocol", "udp", "--dst-port", "3478", "--dst-port", "10000-20000", "--action", "route",
                "--primary", "fiber", "--backup", "lte", "--failover-threshold", "70");
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("-> route fiber (backup lte below score 70)"), c.out());

        CliRun list = cli("policies", "list");
        assertTrue(list.lines().stream().anyMatch(l -> l.startsWith("10 ") && l.contains("voice")
                && l.contains("dscp 46 udp dport 3478,10000-20000")), list.out());

        CliRun u = cli("policies", "update", "voice", "--action", "rate_limit", "--kbps", "512");
        assertEquals(0, u.code(), u.toString());
        JsonNode p = json(cli("policies", "show", "voice", "--format", "json").out());
        assertEquals("rate_limit", p.path("action").path("type").asText());
        assertEquals(512, p.path("action").path("kbps").asInt());
        assertEquals(10, p.path("priority").asInt(), "kept");
        assertEquals("udp", p.path("match").path("protocol").asText(), "kept");

        CliRun dup = cli("policies", "create", "--id", "other", "--name", "Other", "--priority", "10", "--action", "drop");
        assertEquals(1, dup.code(), dup.toString());
        assertTrue(dup.err().contains("priority"), dup.err());

        assertEquals(List.of("deleted policy voice"), cli("policies", "delete", "voice").lines());
        assertFalse(cli("--format", "ids", "policies", "list").lines().contains("voice"));
    }

    @Test
    void paths_listWithHealth_showAndHistory() throws Exception {
        assertEquals(0, cli("sites", "add", "--id", "cli-p", "--name", "P", "--public-key", Fixtures.randomKey(),
                "--endpoint", "fiber=192.0.2.10:51820", "--lan-prefix", "10.92.0.0/16").code());
        String id = "demo-site:cli-p:fiber";
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (json(cli("paths", "show", id, "--format", "json").out()).path("lastCheck").isMissingNode()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("path " + id + " was not measured within 20 s");
            }
            Thread.sleep(100);
        }
        CliRun r = cli("paths", "list", "--show-health", "--site", "cli-p");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("PATH "), r.out());
        assertTrue(r.out().contains("LATENCY"), r.out());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith(id) && l.contains(" ms ") && l.endsWith(" ago")), r.out());
        assertEquals(List.of(id), cli("paths", "list", "--site", "cli-p", "--format", "ids").lines());

        CliRun h = cli("paths", "history", id, "--since", "24h");
        assertEquals(0, h.code(), h.toString());
        assertTrue(h.lines().getFirst().startsWith(id + " from "), h.out());
        assertTrue(h.lines().size() >= 3, "summary, header and at least one sample: " + h.out());

        CliRun bad = cli("paths", "show", "demo-site:nowhere:fiber");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("does not exist"), bad.err());
    }

    @Test
    void linksList_showsTheConfiguredLinks() {
        CliRun r = cli("links", "list");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("NAME "), r.out());
        assertFalse(cli("--format", "ids", "links", "list").lines().isEmpty());
    }

    @Test
    void federationStatus_ofAnApplianceWithoutBootstrap_saysDisabledAndWhy() throws IOException {
        CliRun r = cli("federation", "status");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("disabled"), r.out());
        assertTrue(r.out().contains("no bootstrap file"), r.out());
        assertEquals("disabled", json(cli("federation", "status", "--format", "json").out()).path("state").asText());
    }

    @Test
    void dbCheck_onAHealthyAppliance_exits0() throws IOException {
        CliRun c = cli("db", "check");
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("OK: no problems found"), c.out());
        JsonNode j = json(cli("db", "check", "--format", "json").out());
        assertTrue(j.path("ok").asBoolean());
        assertEquals(0, j.path("problems").size());
    }

    @Test
    void debugDump_printsTheComponentTree() {
        CliRun d = cli("debug", "dump");
        assertEquals(0, d.code(), d.toString());
        assertTrue(d.lines().getFirst().matches("\\S+ \\[\\w+]"), d.out());
        assertTrue(d.out().contains("write-ahead-log ["), d.out());
    }

    @Test
    void testTraffic_voiceFlow_printsSitePolicyColourAndWhy_andPolicyStatsByName() {
        var api = new io.patronus.appliance.testing.ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
        assertEquals(201, api.post("/v1/sites", Fixtures.siteJson("cli-tt", 77)).status());
        assertEquals(0, cli("policies", "create", "--file", write("voice.json", Fixtures.routePolicyJson("cli-voice", 4077))).code());
        CliRun r = cli("test-traffic", "--src", "100.64.1.10", "--dst", "10.77.1.2", "--protocol", "udp", "--dport", "3478",
                "--dscp", "46");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("steered"), r.out());
        assertTrue(r.out().contains("cli-tt"), r.out());
        assertTrue(r.out().contains("Voice cli-voice (id cli-voice"), r.out());
        assertTrue(r.out().contains("colour      fiber") || r.out().contains("fiber"), r.out());
        assertTrue(r.out().contains("why:"), r.out());
        CliRun stats = cli("policies", "stats", "Voice cli-voice");
        assertEquals(0, stats.code(), stats.toString());
        assertTrue(stats.out().contains("0 packets"), stats.out());
        assertTrue(stats.out().contains("not counting"), stats.out());
    }

    @Test
    void testTraffic_badProtocolOrAddress_usageOrFieldError() {
        CliRun any = cli("test-traffic", "--src", "100.64.1.10", "--dst", "10.1.1.1", "--protocol", "any", "--dport", "1");
        assertEquals(2, any.code(), any.toString());
        CliRun bad = cli("test-traffic", "--src", "100.64.1.999", "--dst", "10.1.1.1", "--protocol", "udp", "--dport", "1");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("source"), bad.err());
    }

    private static String write(String name, String content) {
        try {
            Path p = dir.resolve(name);
            Files.writeString(p, content);
            return p.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
