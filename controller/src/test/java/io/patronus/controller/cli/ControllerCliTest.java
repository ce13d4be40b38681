package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Json;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.PathSummary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI in-process against a running controller, as an operator would use it. */
@Timeout(60)
class ControllerCliTest {
    @TempDir
    static Path dir;
    static TestFleet fleet;

    @BeforeAll
    static void start() {
        fleet = new TestFleet(dir.resolve("data"));
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    /** Output of one run. */
    record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ControllerCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs with --controller and --data-dir pointing at the test controller. */
    static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--controller", fleet.controller().localUrl().toString(), "--data-dir", fleet.dataDir().toString()));
        return cli(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void sitesTokensAppliances_fullEnrolmentFlowFromTheCli() {
        Run created = cli("sites", "create", "cli-1", "--name", "CLI one", "--group", "retail", "--lan", "10.51.0.0/16");
        assertEquals(0, created.code(), created.toString());
        assertTrue(created.out().contains("site cli-1 staged in group retail"), created.out());

        Run token = cli("tokens", "create", "--site", "cli-1", "--ttl", "2h", "--serial", "PAT-CLI-1");
        assertEquals(0, token.code(), token.toString());
        String secret = token.out().strip();
        assertTrue(secret.startsWith("ptok_"), token.out());
        assertTrue(token.err().contains("shown only now"), token.err());

        Run tokens = cli("tokens", "list");
        assertEquals(0, tokens.code(), tokens.toString());
        assertTrue(tokens.out().lines().anyMatch(l -> l.contains("cli-1") && l.contains("PAT-CLI-1") && l.contains("active")), tokens.out());
        assertFalse(tokens.out().contains(secret), "the secret is never listed");

        FakeAppliance a = new FakeAppliance(fleet, "PAT-CLI-1");
        a.enrol(secret);
        a.status(DeviceState.MESH_UP, a.bundle().version(), 0, "", new PathSummary(2, 0, 1), Optional.empty(), 0);

        Run list = cli("appliances", "list");
        assertEquals(0, list.code(), list.toString());
        assertTrue(list.out().startsWith("SITE"), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.contains("cli-1") && l.contains("PAT-CLI-1") && l.contains("online")
                && l.contains("MESH_UP") && l.contains("2/0/1")), list.out());

        Run show = cli("appliances", "show", "cli-1");
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().contains("ENROLLED") && show.out().contains("MESH_UP"), show.out());

        Run json = cli("appliances", "list", "--json");
        assertEquals("cli-1", json.json().path("items").get(0).path("siteId").asText());

        Run sites = cli("sites", "list");
        assertTrue(sites.out().lines().anyMatch(l -> l.startsWith("cli-1") && l.contains("mesh_up")), sites.out());
    }

    @Test
    void configSet_yamlFile_startsRolloutShownByRolloutStatus() throws IOException {
        assertEquals(0, cli("sites", "create", "cli-2", "--group", "stores", "--lan", "10.52.0.0/16").code());
        FakeAppliance a = new FakeAppliance(fleet, "PAT-CLI-2");
        a.enrol(fleet.token("cli-2"));
        Path file = dir.resolve("stores.yaml");
        Files.writeString(file, """
                policies:
                  - id: voice
                    name: voice
                    priority: 10
                    action: {type: route, primary: fiber, backup: lte, failoverThreshold: 60}
                slaClasses:
                  - {name: default, maxLatencyMs: 150, maxLossPct: 1, maxJitterMs: 30}
                """);
        Run set = cli("config", "set", "--group", "stores", "--file", file.toString(), "--gate-timeout", "5m");
        assertEquals(0, set.code(), set.toString());
        assertTrue(set.out().contains("revision 1"), set.out());
        assertTrue(set.out().contains("rollout-"), set.out());
        assertEquals(1, a.bundle().config().policies().size());

        Run status = cli("rollout", "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().lines().anyMatch(l -> l.contains("stores") && l.contains("RUNNING")), status.out());
        String id = status.out().lines().filter(l -> l.contains("stores")).findFirst().orElseThrow().split("\\s+")[0];
        Run one = cli("rollout", "status", id);
        assertTrue(one.out().contains("cli-2") && one.out().contains("RELEASED"), one.out());

        a.applied(a.bundle().version(), Optional.of(a.bundle().config()));
        Run diff = cli("config", "diff", "cli-2");
        assertEquals(0, diff.code(), diff.toString());
        assertTrue(diff.out().contains("in sync"), diff.out());
        Run overwrite = cli("drift", "overwrite", "cli-2");
        assertEquals(0, overwrite.code(), overwrite.toString());
        assertTrue(overwrite.out().contains("republished as version"), overwrite.out());
        Run push = cli("config", "push", "--group", "stores");
        assertEquals(0, push.code(), push.toString());
    }

    @Test
    void configSet_slaClassProbeFields_reachTheBundle_andOneOutOfRangeIsRefusedNamingIt() throws IOException {
        assertEquals(0, cli("sites", "create", "cli-9", "--group", "voice", "--lan", "10.59.0.0/16").code());
        FakeAppliance a = new FakeAppliance(fleet, "PAT-CLI-9");
        a.enrol(fleet.token("cli-9"));
        Path file = dir.resolve("voice.yaml");
        Files.writeString(file, """
                policies: []
                slaClasses:
                  - {name: voice, maxLatencyMs: 80, maxLossPct: 1, maxJitterMs: 10, probeIntervalMs: 50, detectMultiplier: 4}
                """);
        Run set = cli("config", "set", "--group", "voice", "--file", file.toString());
        assertEquals(0, set.code(), set.toString());
        assertEquals(List.of(new io.patronus.model.SlaClass("voice", 80, 1, 10, java.util.OptionalInt.of(50),
                java.util.OptionalInt.of(4))), a.bundle().config().slaClasses());
        Run get = cli("config", "get", "--group", "voice");
        assertTrue(get.out().contains("\"probeIntervalMs\" : 50"), get.out());

        Files.writeString(file, """
                slaClasses:
                  - {name: voice, maxLatencyMs: 80, maxLossPct: 1, maxJitterMs: 10, probeIntervalMs: 5}
                """);
        Run bad = cli("config", "set", "--group", "voice", "--file", file.toString());
        assertTrue(bad.code() != 0, bad.toString());
        assertTrue(bad.err().contains("slaClasses[0].probeIntervalMs") && bad.err().contains("between 10 and 10000"), bad.toString());
    }

    @Test
    void eventsAndAudit_listedAsTables() {
        assertEquals(0, cli("sites", "create", "cli-3", "--lan", "10.53.0.0/16").code());
        FakeAppliance a = new FakeAppliance(fleet, "PAT-CLI-3");
        a.enrol(fleet.token("cli-3"));
        a.device().post("/v1/device/telemetry", Map.of("events", List.of(
                Map.of("sequence", 7, "at", "2026-11-23T10:00:00Z", "kind", "failover_decision", "body", Map.of("to", "lte")))));
        Run events = cli("events", "list", "--site", "cli-3");
        assertEquals(0, events.code(), events.toString());
        assertTrue(events.out().lines().anyMatch(l -> l.contains("cli-3") && l.contains("failover_decision")), events.out());
        Run audit = cli("audit", "list", "--limit", "1000");
        assertEquals(0, audit.code(), audit.toString());
        assertTrue(audit.out().contains("site.create") && audit.out().contains("enrol"), audit.out());
    }

    @Test
    void errors_oneLineExitOneNoStackTrace() {
        Run missing = cli("appliances", "show", "no-such-site");
        assertEquals(1, missing.code(), missing.toString());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no appliance is enrolled for site no-such-site (not_found)"), missing.err());
        assertFalse(missing.err().contains("\tat "));

        Run invalid = cli("sites", "create", "Bad_Id");
        assertEquals(1, invalid.code());
        assertTrue(invalid.err().contains("id"), invalid.err());

        Run unreachable = cli(Map.of(), "sites", "list", "--controller", "https://127.0.0.1:1", "--data-dir", fleet.dataDir().toString());
        assertEquals(1, unreachable.code(), unreachable.toString());
        assertTrue(unreachable.err().contains("cannot reach the controller at https://127.0.0.1:1"), unreachable.err());

        Run noToken = cli(Map.of(), "sites", "list", "--controller", fleet.controller().localUrl().toString(),
                "--data-dir", dir.resolve("nowhere").toString());
        assertEquals(2, noToken.code(), noToken.toString());
        assertTrue(noToken.err().contains("no admin token"), noToken.err());

        Run wrongToken = cli(Map.of("PATRONUS_CONTROLLER_TOKEN", "padm_wrong"), "sites", "list", "--controller",
                fleet.controller().localUrl().toString(), "--ca-file", fleet.dataDir().resolve("secrets/ca.pem").toString());
        assertEquals(1, wrongToken.code(), wrongToken.toString());
        assertTrue(wrongToken.err().contains("admin_token_invalid"), wrongToken.err());

        Run usage = cli("tokens", "create");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("--site"), usage.err());
    }

    @Test
    void keys_rotateStatusCancel_fromTheCli() {
        assertEquals(0, cli("sites", "create", "cli-4", "--lan", "10.54.0.0/16").code());
        FakeAppliance a = new FakeAppliance(fleet, "PAT-CLI-4");
        a.enrol(cli("tokens", "create", "--site", "cli-4", "--json").json().path("token").asText());

        Run rotate = cli("keys", "rotate", "cli-4");
        assertEquals(0, rotate.code(), rotate.toString());
        assertTrue(rotate.out().contains("rotation kr-cli-4-1 of site cli-4 started"), rotate.out());
        Run usage = cli("keys", "rotate");
        assertEquals(2, usage.code(), usage.toString());

        Run status = cli("keys", "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("automatic rotation every 90d"), status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith("cli-4") && l.contains("kr-cli-4-1") && l.contains("requested")),
                status.out());
        Run one = cli("keys", "status", "cli-4");
        assertTrue(one.out().contains("key rotation:    kr-cli-4-1 requested (manual"), one.out());
        Run show = cli("appliances", "show", "cli-4");
        assertTrue(show.out().contains("key rotation:    kr-cli-4-1"), show.out());

        Run cancel = cli("keys", "cancel", "cli-4");
        assertEquals(0, cancel.code(), cancel.toString());
        assertTrue(cancel.out().contains("cancelled"), cancel.out());
        Run again = cli("keys", "cancel", "cli-4");
        assertEquals(1, again.code(), again.toString());
        assertTrue(again.err().contains("not rotating"), again.err());
    }

    @Test
    void serveValidate_badConfig_listsEveryProblemAndExitsOne() throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "port: -5\ntokenTtl: soon\n");
        Run r = cli(Map.of(), "serve", "--config", file.toString(), "--validate");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("port") && r.err().contains("tokenTtl"), r.err());
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "port: 9443\n");
        Run ok = cli(Map.of(), "serve", "--config", good.toString(), "--validate");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("port: 9443"), ok.out());
    }
}
