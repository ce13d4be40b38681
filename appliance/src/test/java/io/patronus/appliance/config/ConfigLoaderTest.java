package io.patronus.appliance.config;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    private Path file(String yaml) throws Exception {
        Path f = Files.createTempFile(dir, "appliance", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static List<String> lines(List<ConfigProblem> problems) {
        return problems.stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void load_withoutFile_usesTheEmbeddedDefaults() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertEquals("demo-site", c.site().id());
        assertEquals(8081, c.api().port());
        assertEquals("127.0.0.1", c.api().host());
        assertEquals(Duration.ofHours(12), c.api().tokenTtl());
        assertEquals(64L << 20, c.wal().segmentBytes());
        assertEquals(List.of("fiber", "lte"), c.links().stream().map(l -> l.colour()).toList());
        assertTrue(c.dataDir().isAbsolute());
    }

    @Test
    void file_overridesDefaults_objectsMergeAndListsReplace() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                site: { id: branch-7, name: Branch 7 }
                api: { port: 9000 }
                links:
                  - { name: mpls, iface: eth2, colour: mpls, priority: 5, bandwidthKbps: 20000 }
                """)), Map.of());
        assertEquals("branch-7", c.site().id());
        assertEquals(9000, c.api().port());
        assertEquals("127.0.0.1", c.api().host(), "api.host keeps its default when api.port is set");
        assertEquals(List.of("mpls"), c.links().stream().map(l -> l.name()).toList());
    }

    @Test
    void environment_overridesTheFile() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("api: { port: 9000 }\n")),
                Map.of("PATRONUS_API_PORT", "9100", "PATRONUS_WAL_MAX_BATCH_WAIT", "5ms", "PATRONUS_DATA_PLANE_MODE", "memory",
                        "PATRONUS_API_URL", "http://ignored", "PATRONUS_TOKEN_FILE", "/ignored", "PATH", "/bin"));
        assertEquals(9100, c.api().port());
        assertEquals(Duration.ofMillis(5), c.wal().maxBatchWait());
        assertEquals(ApplianceConfig.DataPlaneMode.MEMORY, c.dataPlane().mode());
    }

    @Test
    void envName_isUpperSnakeOfTheDottedKey() {
        assertEquals("PATRONUS_API_TOKEN_TTL", ConfigLoader.envName("api.tokenTtl"));
        assertEquals("PATRONUS_DATA_DIR", ConfigLoader.envName("dataDir"));
    }

    @Test
    void manyMistakes_areAllReportedWithLineAndColumn() throws Exception {
        Path f = file("""
                site:
                  id: demo-site
                  nmae: typo
                api:
                  port: "eighty"
                  tokenTtl: 12 hours
                wal:
                  segmentBytes: 12
                links:
                  - { name: a, iface: eth0, colour: fiber, priority: 10, bandwidthKbps: 100 }
                  - { name: a, iface: eth1, colour: fiber, priority: 10, bandwidthKbps: 100 }
                api:
                  host: 0.0.0.0
                """);
        List<String> p = lines(ConfigLoader.validate(f, Map.of()));
        String joined = String.join("\n", p);
        assertTrue(joined.contains(f + ":3:3: site.nmae: unknown key (did you mean 'name'?)"), joined);
        assertTrue(joined.contains(f + ":5:9: api.port: must be a whole number, was 'eighty'"), joined);
        assertTrue(joined.contains(f + ":6:13: api.tokenTtl: must be a duration"), joined);
        assertTrue(joined.contains(f + ":8:17: wal.segmentBytes: must be between 64KiB and 1GiB, was 12"), joined);
        assertTrue(joined.contains("links[1].name: duplicate link name 'a'"), joined);
        assertTrue(joined.contains("links[1].colour: duplicate colour 'fiber'"), joined);
        assertTrue(joined.contains(f + ":12:1: api: duplicate key (the first is at " + f + ":4:1"), joined);
        assertEquals(7, p.size(), joined);
    }

    @Test
    void malformedYaml_reportsItsPosition() throws Exception {
        Path f = file("site:\n  id: [unclosed\napi: {\n");
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).location().startsWith(f + ":"), p.toString());
        assertTrue(p.get(0).message().startsWith("invalid YAML"), p.toString());
    }

    @Test
    void emptyFile_meansDefaults() throws Exception {
        assertEquals(List.of(), ConfigLoader.validate(file(""), Map.of()));
        assertEquals(List.of(), ConfigLoader.validate(file("# only a comment\n"), Map.of()));
    }

    @Test
    void topLevelList_isRejected() throws Exception {
        List<ConfigProblem> p = ConfigLoader.validate(file("- a\n- b\n"), Map.of());
        assertEquals("(top level)", p.get(0).path());
    }

    @Test
    void unknownPatronusVariable_isAProblem_namingTheNearestSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_PROT", "1")));
        assertEquals("env PATRONUS_API_PROT", e.problems().get(0).location());
        assertTrue(e.problems().get(0).message().contains("did you mean 'PATRONUS_API_PORT'"), e.getMessage());
    }

    @Test
    void missingFile_isAProblemNotAnException() {
        List<ConfigProblem> p = ConfigLoader.validate(dir.resolve("nope.yaml"), Map.of());
        assertEquals("does not exist", p.get(0).message());
    }

    @Test
    void effectiveConfig_rendersAsYamlThatLoadsBackTheSame() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_SITE_NAME", "Lyon \"Part-Dieu\""));
        ApplianceConfig again = ConfigLoader.load(Optional.of(file(c.toYaml())), Map.of());
        assertEquals(c, again);
    }

    @Property(tries = 300)
    void garbage_neverThrows_onlyReportsProblems(@ForAll String text) throws Exception {
        Path f = Files.createTempFile("garbage", ".yaml");
        try {
            Files.writeString(f, text);
            ConfigLoader.validate(f, Map.of()); // any problem list is fine; an exception is not
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
