package io.patronus.controller.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void load_noFileNoEnv_embeddedDefaults() {
        ControllerConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertEquals("0.0.0.0", c.host());
        assertEquals(8443, c.port());
        assertEquals(Path.of("/var/lib/patronus-controller"), c.dataDir());
        assertEquals(Duration.ofDays(7), c.deviceCertificateValidity());
        assertEquals(Duration.ofHours(24), c.tokenTtl());
        assertEquals(Duration.ofSeconds(15), c.heartbeatInterval());
        assertEquals(List.of("1", "50%", "100%"), c.rolloutWaves());
        assertTrue(c.tlsNames().containsAll(List.of("localhost", "127.0.0.1")), c.tlsNames().toString());
        assertEquals(Optional.empty(), c.publicUrl());
        assertEquals(Duration.ofDays(30), c.telemetryRetention());
        assertEquals(Duration.ofDays(365), c.auditRetention());
    }

    @Test
    void builder_retention_zeroKeepsForever_belowAnHourRefused() {
        assertEquals(Duration.ZERO, ControllerConfig.builder().telemetryRetention(Duration.ZERO).build().telemetryRetention());
        ConfigException e = assertThrows(ConfigException.class, () -> ControllerConfig.builder()
                .telemetryRetention(Duration.ofMinutes(10)).auditRetention(Duration.ofSeconds(1)).build());
        assertEquals(List.of("telemetryRetention", "auditRetention"), e.problems().stream().map(ConfigProblem::key).toList());
    }

    @Test
    void load_fileThenEnv_laterLayersWinKeyByKey() throws IOException {
        Path file = write("port: 9443\norganisation: Acme\ntlsNames: [ctl.acme.example, 192.0.2.250]\n"
                + "publicUrl: https://ctl.acme.example:9443\n");
        ControllerConfig c = ConfigLoader.load(Optional.of(file), Map.of("PATRONUS_CONTROLLER_PORT", "10443",
                "PATRONUS_CONTROLLER_HEARTBEAT_INTERVAL", "5s", "PATRONUS_CONTROLLER_ROLLOUT_WAVES", "2, 100%"));
        assertEquals(10443, c.port());
        assertEquals("Acme", c.organisation());
        assertEquals(List.of("ctl.acme.example"), c.tlsDnsNames());
        assertEquals(List.of("192.0.2.250"), c.tlsIpAddresses());
        assertEquals(Duration.ofSeconds(5), c.heartbeatInterval());
        assertEquals(List.of("2", "100%"), c.rolloutWaves());
        assertEquals(Optional.of(URI.create("https://ctl.acme.example:9443")), c.publicUrl());
    }

    @Test
    void load_manyMistakes_everyProblemListedWithItsKey() throws IOException {
        Path file = write("port: 99999\nheartbeatIntervl: 15s\ntokenTtl: forever\ntlsNames: [\"bad name!\"]\n"
                + "rolloutWaves: [\"50%\"]\npublicUrl: http://plain.example\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(file),
                Map.of("PATRONUS_CONTROLLER_DATADIR", "/x")));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertTrue(keys.containsAll(List.of("port", "heartbeatIntervl", "tokenTtl", "PATRONUS_CONTROLLER_DATADIR")), keys.toString());
        assertTrue(e.getMessage().contains("did you mean heartbeatInterval?"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean PATRONUS_CONTROLLER_DATA_DIR?"), e.getMessage());
        assertTrue(e.getMessage().contains(file + ":1:"), "problems say where they are: " + e.getMessage());
    }

    @Test
    void load_valuesThatParseButBreakRules_reportedWithTheirKeys() throws IOException {
        Path file = write("tlsNames: [\"bad name!\"]\nrolloutWaves: [\"50%\"]\npublicUrl: http://plain.example\n"
                + "heartbeatInterval: 10ms\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(file), Map.of()));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("publicUrl", "tlsNames[0]", "heartbeatInterval", "rolloutWaves"), keys, e.getMessage());
    }

    @Test
    void load_yamlSyntaxError_oneProblemWithItsLine() throws IOException {
        Path file = write("port: 1\n  bad: [\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(file), Map.of()));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"));
    }

    @Test
    void load_missingFile_problemNamesTheFile() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.of(dir.resolve("nope.yaml")), Map.of()));
        assertTrue(e.getMessage().contains("nope.yaml") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void builder_invalidValues_everyProblemListed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ControllerConfig.builder().port(-1)
                .tokenTtl(Duration.ZERO).rolloutWaves(List.of()).build());
        assertEquals(List.of("port", "tokenTtl", "rolloutWaves"), e.problems().stream().map(ConfigProblem::key).toList());
    }

    @Test
    void envName_camelCaseToUpperSnake() {
        assertEquals("PATRONUS_CONTROLLER_DEVICE_CERTIFICATE_VALIDITY", ConfigLoader.envName("deviceCertificateValidity"));
    }

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("controller.yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
