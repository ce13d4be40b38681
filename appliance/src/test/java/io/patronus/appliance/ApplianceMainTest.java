package io.patronus.appliance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code patronus-appliance}'s maintenance commands, run in-process on real files. */
class ApplianceMainTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ApplianceMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void validate_listsEveryProblemWithItsLocation_andExits1() throws Exception {
        Path f = dir.resolve("appliance.yaml");
        Files.writeString(f, """
                site:
                  id: Branch_7
                api:
                  prot: 8081
                  port: 70000
                links:
                  - { name: fiber, iface: eth0, colour: fiber, priority: 10, bandwidthKbps: 1000 }
                  - { name: lte, iface: wwan0, colour: fiber, priority: x, bandwidthKbps: 1000 }
                """);
        Run r = run(Map.of(), "--config", f.toString(), "--validate");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains(f + ":2:7: site.id: "), r.out());
        assertTrue(r.out().contains(f + ":4:3: api.prot: unknown key (did you mean 'port'?)"), r.out());
        assertTrue(r.out().contains(f + ":5:9: api.port: must be between 0 and 65535, was 70000"), r.out());
        assertTrue(r.out().contains(f + ":8:57: links[1].priority: must be a whole number, was 'x'"), r.out());
        assertTrue(r.out().contains("links[1].colour: duplicate colour 'fiber'"), r.out());
        assertTrue(r.out().contains("5 problems in"), r.out());
        assertTrue(r.out().indexOf("site.id") < r.out().indexOf("api.prot"), "in file order: " + r.out());
    }

    @Test
    void validate_aGoodFile_exits0() throws Exception {
        Path f = dir.resolve("ok.yaml");
        Files.writeString(f, "site: { id: branch-7, name: Branch 7 }\napi: { port: 9000 }\n");
        Run r = run(Map.of(), "--config", f.toString(), "--validate");
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void migrationCommands_reportAndApply() {
        Map<String, String> env = Map.of("PATRONUS_DATA_DIR", dir.resolve("var").toString());
        Run none = run(env, "--migration-status");
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("no store yet"), none.out());
        assertEquals(0, run(env, "--migrate").code());
        Run status = run(env, "--check-migrations");
        assertEquals(0, status.code(), status.out());
        assertTrue(status.out().contains("no migrations pending"), status.out());
    }

    @Test
    void resetAdminPassword_printsANewOneThatWorksOnce() {
        Map<String, String> env = Map.of("PATRONUS_DATA_DIR", dir.resolve("var2").toString());
        Run r = run(env, "--reset-admin-password");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s)new password for user admin: [A-Za-z0-9_-]{24}\n.*"), r.out());
    }

    @Test
    void invalidEnvironmentOverride_refusesToStart() {
        Run r = run(Map.of("PATRONUS_API_PORT", "eighty"), "--migration-status");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("env PATRONUS_API_PORT: api.port: must be a whole number"), r.err());
    }
}
