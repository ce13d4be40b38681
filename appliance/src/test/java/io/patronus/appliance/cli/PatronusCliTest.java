package io.patronus.appliance.cli;

import io.patronus.appliance.auth.SecretFiles;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI driven in-process against a real appliance over HTTP, as an operator would use it. */
class PatronusCliTest {
    @TempDir
    static Path dir;
    static RunningAppliance appliance;
    static Map<String, String> env;

    record Run(int code, String out, String err) {
    }

    static Run cliWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PatronusCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run cli(String... args) {
        return cliWithInput("", args);
    }

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dir.resolve("data"));
        env = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("cli/token").toString(), "HOME", dir.toString());
        Run login = cliWithInput(appliance.adminPassword() + "\n", "--api", appliance.baseUri().toString(), "login", "--user", "admin", "--password-stdin");
        assertEquals(0, login.code(), login.err());
    }

    @AfterAll
    static void stop() {
        appliance.close();
    }

    @Test
    void login_savesTheTokenInA0600File_andLaterCommandsUseIt() throws Exception {
        Path token = dir.resolve("cli/token");
        assertEquals(0600, SecretFiles.mode(token));
        assertTrue(Files.readString(token).contains(appliance.baseUri().toString()));
        Run status = cli("status");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("demo-site"), status.out());
        assertTrue(status.out().contains("memory"), status.out());
    }

    @Test
    void login_wrongPassword_exits1WithTheServersMessage() {
        Map<String, String> saved = env;
        env = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("other/token").toString());
        try {
            Run r = cliWithInput("wrong\n", "--api", appliance.baseUri().toString(), "login", "--password-stdin");
            assertEquals(1, r.code());
            assertTrue(r.err().contains("invalid username or password"), r.err());
            assertFalse(Files.exists(dir.resolve("other/token")));
        } finally {
            env = saved;
        }
    }

    @Test
    void sites_addListShowRemove() {
        Run add = cli("sites", "add", "--id", "cli-1", "--name", "CLI one", "--public-key", Fixtures.randomKey(),
                "--endpoint", "fiber=192.0.2.9:51820", "--endpoint", "lte=198.51.100.9:51821", "--lan-prefix", "10.90.0.0/16");
        assertEquals(0, add.code(), add.err());
        Run ids = cli("--format", "ids", "sites", "list");
        assertTrue(ids.out().lines().toList().contains("cli-1"), ids.out());
        Run table = cli("sites", "list");
        assertTrue(table.out().startsWith("ID"), table.out());
        assertTrue(table.out().contains("fiber=192.0.2.9:51820"), table.out());
        Run show = cli("sites", "show", "cli-1", "--format", "json");
        assertEquals(0, show.code());
        assertTrue(show.out().contains("\"lanPrefixes\" : [ \"10.90.0.0/16\" ]"), show.out());
        assertEquals(0, cli("sites", "remove", "cli-1").code());
        Run gone = cli("sites", "show", "cli-1");
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("does not exist"), gone.err());
    }

    @Test
    void serverSideValidationError_exits1NamingTheField() {
        Run r = cli("sites", "add", "--id", "cli-bad", "--name", "Bad", "--public-key", Fixtures.randomKey(),
                "--lan-prefix", "10.91.1.1/16");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("lanPrefixes[0]"), r.err());
        assertTrue(r.err().contains("host bits"), r.err());
    }

    @Test
    void usageErrors_exit2() {
        assertEquals(2, cli("sites", "add", "--id", "x").code());
        assertEquals(2, cli("sites", "frobnicate").code());
        assertEquals(2, cli("--format", "yaml", "sites", "list").code());
        assertEquals(2, cli("sites", "add", "--id", "x", "--name", "n", "--public-key", "k", "--endpoint", "nonsense").code());
        assertEquals(2, cli("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--action", "teleport").code());
        assertEquals(2, cli("paths", "list", "--status", "sideways").code());
    }

    @Test
    void policies_createListUpdateDelete() {
        Run c = cli("policies", "create", "--id", "voice", "--name", "Voice", "--priority", "10", "--dscp", "46",
                "--protocol", "udp", "--dst-port", "3478", "--dst-port", "10000-20000", "--action", "route",
                "--primary", "fiber", "--backup", "lte", "--failover-threshold", "70");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("route fiber (backup lte"), c.out());
        Run list = cli("policies", "list");
        assertTrue(list.out().contains("dscp 46 udp dport 3478,10000-20000"), list.out());
        Run u = cli("policies", "update", "voice", "--name", "Voice", "--priority", "10", "--action", "rate_limit", "--kbps", "512");
        assertEquals(0, u.code(), u.err());
        assertTrue(cli("policies", "show", "voice").out().contains("rate_limit"));
        Run dup = cli("policies", "create", "--id", "other", "--name", "Other", "--priority", "10", "--action", "drop");
        assertEquals(1, dup.code());
        assertTrue(dup.err().contains("priority"), dup.err());
        assertEquals(0, cli("policies", "delete", "voice").code());
        assertEquals(List.of(), cli("--format", "ids", "policies", "list").out().lines().filter(l -> l.equals("voice")).toList());
    }

    @Test
    void paths_listWithHealth_andHistory() {
        assertEquals(0, cli("sites", "add", "--id", "cli-p", "--name", "P", "--public-key", Fixtures.randomKey(),
                "--endpoint", "fiber=192.0.2.10:51820", "--lan-prefix", "10.92.0.0/16").code());
        appliance.appliance().monitor().measureAll();
        Run r = cli("paths", "list", "--show-health", "--site", "cli-p");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("demo-site:cli-p:fiber"), r.out());
        assertTrue(r.out().contains("LATENCY"), r.out());
        Run h = cli("paths", "history", "demo-site:cli-p:fiber", "--since", "24h");
        assertEquals(0, h.code(), h.err());
        assertTrue(h.out().lines().count() >= 3, h.out());
    }

    @Test
    void dbCheck_andDebugDump() {
        Run c = cli("db", "check");
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("OK: no problems found"), c.out());
        Run d = cli("debug", "dump");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("write-ahead-log [running]"), d.out());
    }

    @Test
    void unreachableAppliance_exits1SayingWhichUrl() {
        Run r = cli("--api", "http://127.0.0.1:9", "status");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot reach the appliance API at http://127.0.0.1:9"), r.err());
    }
}
