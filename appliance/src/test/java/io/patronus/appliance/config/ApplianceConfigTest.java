package io.patronus.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration record tree: immutable, null-free, and rendered for {@code patronus debug dump} without secrets. */
class ApplianceConfigTest {
    @TempDir
    Path dir;

    private ApplianceConfig reload(ApplianceConfig c) throws Exception {
        Path f = Files.createTempFile(dir, "dump", ".yaml");
        Files.writeString(f, c.toYaml());
        return ConfigLoader.load(Optional.of(f), Map.of());
    }

    @Test
    void toYaml_ofTheDefaults_readsLikeTheDefaultsFile() {
        String yaml = ConfigLoader.load(Optional.empty(), Map.of()).toYaml();
        for (String line : List.of("site:", "  id: demo-site", "  name: Demo site", "api:", "  port: 8081", "  tokenTtl: 12h",
                "dataPlane:", "  mode: auto", "  segmentBytes: 64MiB", "  maxBatchWait: 2ms", "  maxBatchBytes: 1MiB",
                "  checkpointEvery: 1000", "  rawRetention: 1h", "  aggregateRetention: 90d", "links:", "slaClasses:",
                "  maxLatencyMs: 150")) {
            assertTrue(yaml.lines().anyMatch(l -> l.equals(line) || l.endsWith(line.trim()) && l.contains(line.trim())),
                    "'" + line + "' missing from\n" + yaml);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Lyon \"Part-Dieu\": rack #2", "null", "~", "yes", "- x", "'quoted'", "*alias", "&anchor", "{x}", "[x]",
            " leading and trailing ", "a\u2028b", "\u00e9t\u00e9 \u65e5\u672c \ud83d\ude00", "0x10", "1e3", "%YAML", "? x", "| x", "> x"})
    void toYaml_loadsBackEqual_whateverTheTextValues(String text) throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_SITE_NAME", text, "PATRONUS_SITE_LOCATION", text,
                "PATRONUS_DATA_DIR", dir.resolve(text.trim().isEmpty() ? "x" : "d").toString()));
        assertEquals(c, reload(c), c.toYaml());
    }

    @Test
    void toYaml_loadsBackEqual_forIpv6HostsAndOddUnits() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_HOST", "::", "PATRONUS_WAL_MAX_BATCH_WAIT", "750ms",
                "PATRONUS_WAL_SEGMENT_BYTES", "65537", "PATRONUS_HISTORY_RAW_RETENTION", "61s", "PATRONUS_DATA_DIR", dir + "/a dir: #x"));
        assertEquals(c, reload(c), c.toYaml());
        assertTrue(c.toYaml().contains("maxBatchWait: 750ms"), c.toYaml());
        assertTrue(c.toYaml().contains("rawRetention: 61s"), c.toYaml());
    }

    @Test
    void toYaml_neverHoldsTheCliSecretsOrPasswords() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_TOKEN_FILE", "/home/op/.patronus-token-s3cr3t",
                "PATRONUS_API_URL", "http://admin:hunter2@127.0.0.1:8081"));
        String yaml = c.toYaml();
        assertFalse(yaml.contains("s3cr3t") || yaml.contains("hunter2") || yaml.toLowerCase(Locale.ROOT).contains("password")
                || yaml.toLowerCase(Locale.ROOT).contains("token:"), yaml);
    }

    @Test
    void lists_areImmutableCopies() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThrows(UnsupportedOperationException.class, () -> c.links().add(c.links().getFirst()));
        assertThrows(UnsupportedOperationException.class, () -> c.slaClasses().clear());
        List<io.patronus.model.Link> source = new java.util.ArrayList<>(c.links());
        ApplianceConfig copy = new ApplianceConfig(c.site(), c.api(), c.dataDir(), c.dataPlane(), c.wal(), c.history(), c.failover(), c.federation(), source,
                c.slaClasses());
        source.clear();
        assertEquals(c.links(), copy.links());
    }

    @Test
    void records_refuseNulls() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThrows(NullPointerException.class, () -> new ApplianceConfig(null, c.api(), c.dataDir(), c.dataPlane(), c.wal(),
                c.history(), c.failover(), c.federation(), c.links(), c.slaClasses()));
        assertThrows(NullPointerException.class, () -> new ApplianceConfig.Api(null, 1, c.api().tokenTtl()));
        assertThrows(NullPointerException.class, () -> new ApplianceConfig.SiteIdentity("a", "b", null));
    }

    @Test
    void dataPlaneMode_wireNamesAreLowerCase() {
        assertEquals(List.of("auto", "kernel", "userspace", "memory"),
                java.util.Arrays.stream(ApplianceConfig.DataPlaneMode.values()).map(ApplianceConfig.DataPlaneMode::wire).toList());
    }
}
