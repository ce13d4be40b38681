package io.patronus.appliance.config;

import io.patronus.model.Link;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layers, overrides and the problems reported for broken files and variables, with their exact positions. */
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

    /** {@code file:line:column} of the first {@code text} on 1-based {@code line} of {@code yaml}, counted independently of the parser. */
    private static String at(Path f, String yaml, int line, String text) {
        String l = yaml.split("\n", -1)[line - 1];
        int col = l.indexOf(text);
        if (col < 0) {
            throw new IllegalArgumentException("'" + text + "' is not on line " + line + ": " + l);
        }
        return f + ":" + line + ":" + (col + 1);
    }

    // ---- layers ----------------------------------------------------------------------------------------------------

    @Test
    void load_withoutFile_usesTheEmbeddedDefaults() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertEquals(new ApplianceConfig.SiteIdentity("demo-site", "Demo site", ""), c.site());
        assertEquals(new ApplianceConfig.Api("127.0.0.1", 8081, Duration.ofHours(12)), c.api());
        assertEquals(Path.of("./var").toAbsolutePath().normalize(), c.dataDir());
        assertEquals(ApplianceConfig.DataPlaneMode.AUTO, c.dataPlane().mode());
        assertEquals(new ApplianceConfig.Wal(64L << 20, Duration.ofMillis(2), 1L << 20, 1000), c.wal());
        assertEquals(new ApplianceConfig.History(Duration.ofHours(1), Duration.ofDays(90)), c.history());
        assertEquals(List.of(new Link("fiber", "eth0", "fiber", 10, 1_000_000), new Link("lte", "wwan0", "lte", 20, 50_000)), c.links());
        assertEquals(List.of(new SlaClass("default", 150, 2, 30), new SlaClass("realtime", 100, 1, 20)), c.slaClasses());
    }

    @Test
    void file_overridesDefaults_mappingsMergeKeyByKey_listsReplace() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                site: { id: branch-7, name: Branch 7 }
                api: { port: 9000 }
                dataPlane: { mode: MEMORY }
                wal: { segmentBytes: 8 MiB, maxBatchWait: 0ms }
                links:
                  - { name: mpls, iface: eth2, colour: mpls, priority: 5, bandwidthKbps: 20000 }
                slaClasses:
                  - { name: voice, maxLatencyMs: 80.5, maxLossPct: 0.5, maxJitterMs: 1e1 }
                """)), Map.of());
        assertEquals("branch-7", c.site().id());
        assertEquals("", c.site().location(), "site.location keeps its default");
        assertEquals(9000, c.api().port());
        assertEquals("127.0.0.1", c.api().host(), "api.host keeps its default when api.port is set");
        assertEquals(ApplianceConfig.DataPlaneMode.MEMORY, c.dataPlane().mode());
        assertEquals(8L << 20, c.wal().segmentBytes());
        assertEquals(Duration.ZERO, c.wal().maxBatchWait());
        assertEquals(1000, c.wal().checkpointEvery());
        assertEquals(List.of(new Link("mpls", "eth2", "mpls", 5, 20_000)), c.links());
        assertEquals(List.of(new SlaClass("voice", 80.5, 0.5, 10)), c.slaClasses());
    }

    @Test
    void environment_overridesTheFile() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("api: { port: 9000, host: 0.0.0.0 }\n")),
                Map.of("PATRONUS_API_PORT", "9100", "PATRONUS_WAL_MAX_BATCH_WAIT", "5ms", "PATRONUS_DATA_PLANE_MODE", "memory"));
        assertEquals(9100, c.api().port());
        assertEquals("0.0.0.0", c.api().host(), "the file still wins over the defaults");
        assertEquals(Duration.ofMillis(5), c.wal().maxBatchWait());
        assertEquals(ApplianceConfig.DataPlaneMode.MEMORY, c.dataPlane().mode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PATRONUS_SITE_ID                     | lyon-1          | site.id
            PATRONUS_SITE_NAME                   | Lyon: Part-Dieu | site.name
            PATRONUS_SITE_LOCATION               | Rack B2         | site.location
            PATRONUS_API_HOST                    | ::1             | api.host
            PATRONUS_API_PORT                    | 0               | api.port
            PATRONUS_API_TOKEN_TTL               | 30m             | api.tokenTtl
            PATRONUS_DATA_DIR                    | /srv/patronus   | dataDir
            PATRONUS_DATA_PLANE_MODE             | kernel          | dataPlane.mode
            PATRONUS_WAL_SEGMENT_BYTES           | 128MiB          | wal.segmentBytes
            PATRONUS_WAL_MAX_BATCH_WAIT          | 10ms            | wal.maxBatchWait
            PATRONUS_WAL_MAX_BATCH_BYTES         | 256KiB          | wal.maxBatchBytes
            PATRONUS_WAL_CHECKPOINT_EVERY        | 50              | wal.checkpointEvery
            PATRONUS_HISTORY_RAW_RETENTION       | 2h              | history.rawRetention
            PATRONUS_HISTORY_AGGREGATE_RETENTION | 30d             | history.aggregateRetention
            """)
    void everyScalarKey_isOverriddenByItsVariable(String variable, String value, String key) {
        assertEquals(variable, ConfigLoader.envName(key));
        ApplianceConfig defaults = ConfigLoader.load(Optional.empty(), Map.of());
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of(variable, value));
        assertTrue(!c.equals(defaults), variable + " changed nothing");
        assertTrue(c.toYaml().contains(value.startsWith("/") || value.contains(":") ? value : value.split(" ")[0]),
                variable + " is not in\n" + c.toYaml());
    }

    @Test
    void scalarKeys_andEnvironmentNames_coverEveryMappingKey() {
        List<String> fromMappings = ConfigLoader.MAPPINGS.entrySet().stream()
                .filter(e -> !e.getKey().endsWith("[]"))
                .flatMap(e -> e.getValue().stream().map(k -> e.getKey().isEmpty() ? k : e.getKey() + "." + k))
                .filter(k -> !ConfigLoader.MAPPINGS.containsKey(k) && !ConfigLoader.LISTS.contains(k))
                .sorted().toList();
        assertEquals(fromMappings, ConfigLoader.SCALAR_KEYS.stream().sorted().toList());
        assertEquals("PATRONUS_API_TOKEN_TTL", ConfigLoader.envName("api.tokenTtl"));
        assertEquals("PATRONUS_DATA_DIR", ConfigLoader.envName("dataDir"));
        assertEquals("PATRONUS_DATA_PLANE_MODE", ConfigLoader.envName("dataPlane.mode"));
    }

    @Test
    void relativeDataDir_resolvesAgainstTheWorkingDirectory() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("dataDir: state/../data\n")), Map.of());
        assertEquals(Path.of("").toAbsolutePath().resolve("data"), c.dataDir());
    }

    @Test
    void emptyFile_commentsOnlyOrEmptyDocument_meanDefaults() throws Exception {
        ApplianceConfig defaults = ConfigLoader.load(Optional.empty(), Map.of());
        for (String text : List.of("", "# only a comment\n", "---\n", "~\n", "\n\n   \n")) {
            Path f = file(text);
            assertEquals(List.of(), ConfigLoader.validate(f, Map.of()), "'" + text + "'");
            assertEquals(defaults, ConfigLoader.load(Optional.of(f), Map.of()), "'" + text + "'");
        }
    }

    @Test
    void emptySection_keepsItsDefaults() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("api:\nsite:\n  name: Branch\n")), Map.of());
        assertEquals(8081, c.api().port());
        assertEquals("Branch", c.site().name());
    }

    // ---- problems --------------------------------------------------------------------------------------------------

    @Test
    void fileWithManyMistakes_reportsEveryOneInFileOrderWithLineAndColumn() throws Exception {
        String yaml = """
                site:
                  id: branch-7
                  nmae: Branch seven
                api:
                  port: 70000
                  tokenTtl: 12 hours
                wal:
                  segmentBytes: "lots"
                  checkpointEvery: many
                links:
                  - { name: fiber, iface: eth0, colour: fiber, priority: 10, bandwidthKbps: 1000000 }
                  - { name: backup, iface: eth1, colour: fiber, priority: high, bandwidthKbps: 50000 }
                history:
                  rawRetention: 5 minutes
                """;
        Path f = file(yaml);
        List<String> expected = List.of(
                at(f, yaml, 3, "nmae") + ": site.nmae: unknown key (did you mean 'name'?); known here: id, name, location",
                at(f, yaml, 5, "70000") + ": api.port: must be between 0 and 65535, was 70000",
                at(f, yaml, 6, "12 hours") + ": api.tokenTtl: must be a duration like 250ms, 30s, 15m, 12h or 7d, was '12 hours'",
                at(f, yaml, 8, "\"lots\"") + ": wal.segmentBytes: must be a size like 65536, 64KiB, 64MiB or 1GiB, was 'lots'",
                at(f, yaml, 9, "many") + ": wal.checkpointEvery: must be a whole number, was 'many'",
                at(f, yaml, 12, "fiber") + ": links[1].colour: duplicate colour 'fiber': links[0] already has it",
                at(f, yaml, 12, "high") + ": links[1].priority: must be a whole number, was 'high'",
                at(f, yaml, 14, "5 minutes") + ": history.rawRetention: must be a duration like 250ms, 30s, 15m, 12h or 7d, was '5 minutes'");
        assertEquals(expected, lines(ConfigLoader.validate(f, Map.of())));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(f), Map.of()));
        assertEquals(expected, lines(e.problems()));
        assertEquals(String.join("\n", expected), e.getMessage());
    }

    @Test
    void linkWithSeveralBadFields_reportsEachField() throws Exception {
        String yaml = "links:\n  - { name: Fiber_1, iface: a-name-longer-than-15, colour: 4g, priority: -1, bandwidthKbps: 99999999999999999999999 }\n";
        Path f = file(yaml);
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of("links[0].name", "links[0].iface", "links[0].colour", "links[0].priority", "links[0].bandwidthKbps"),
                p.stream().map(ConfigProblem::path).toList(), lines(p).toString());
        assertEquals(at(f, yaml, 2, "-1"), p.get(3).location());
        assertEquals("must be between 0 and 1000, was -1", p.get(3).message());
        assertEquals("must be between 1 and 1000000000, was 99999999999999999999999", p.get(4).message());
    }

    @Test
    void duplicateNames_pointAtTheRepetitionAndNameTheFirst() throws Exception {
        String yaml = """
                links:
                  - { name: a, iface: eth0, colour: fiber, priority: 1, bandwidthKbps: 1 }
                  - { name: a, iface: eth1, colour: lte, priority: 1, bandwidthKbps: 1 }
                slaClasses:
                  - { name: default, maxLatencyMs: 1, maxLossPct: 1, maxJitterMs: 1 }
                  - { name: default, maxLatencyMs: 2, maxLossPct: 1, maxJitterMs: 1 }
                """;
        Path f = file(yaml);
        assertEquals(List.of(at(f, yaml, 3, "a,") + ": links[1].name: duplicate link name 'a': links[0] already has it",
                        at(f, yaml, 6, "default") + ": slaClasses[1].name: duplicate SLA class 'default': slaClasses[0] already has it"),
                lines(ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void slaClassOutOfRange_isReportedWithTheModelsBounds() throws Exception {
        String yaml = "slaClasses:\n  - { name: x, maxLatencyMs: 0, maxLossPct: 101, maxJitterMs: .nan }\n";
        Path f = file(yaml);
        assertEquals(List.of(at(f, yaml, 2, "0,") + ": slaClasses[0].maxLatencyMs: must be between 0.1 and 60000.0, was 0.0",
                        at(f, yaml, 2, "101") + ": slaClasses[0].maxLossPct: must be between 0.0 and 100.0, was 101.0",
                        at(f, yaml, 2, ".nan") + ": slaClasses[0].maxJitterMs: must be a number, was '.nan'"),
                lines(ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void missingAndWronglyShapedValues_areNamed() throws Exception {
        String yaml = """
                api: [ 1, 2 ]
                site:
                  id:
                  name: { first: a }
                dataDir: ""
                links:
                  - just-a-name
                  - { name: b, iface: eth1, colour: lte }
                slaClasses: []
                """;
        Path f = file(yaml);
        assertEquals(List.of(
                at(f, yaml, 1, "[") + ": api: must be a mapping of host, port, tokenTtl, was a list",
                at(f, yaml, 3, "id") + ": site.id: has no value; remove the key to keep the default",
                at(f, yaml, 4, "{") + ": site.name: must be a single value, was a mapping",
                at(f, yaml, 5, "\"\"") + ": dataDir: must not be empty; use . for the working directory",
                at(f, yaml, 7, "just-a-name") + ": links[0]: must be a mapping with name, iface, colour, priority, bandwidthKbps, was a single value ('just-a-name')",
                at(f, yaml, 8, "{") + ": links[1].priority: is required",
                at(f, yaml, 8, "{") + ": links[1].bandwidthKbps: is required",
                at(f, yaml, 9, "[]") + ": slaClasses: must list at least one entry (each with name, maxLatencyMs, maxLossPct, maxJitterMs)"),
                lines(ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void unknownTopLevelKey_suggestsTheNearestKey() throws Exception {
        String yaml = "dataplane: { mode: memory }\nhistroy: {}\nfoo: 1\n";
        Path f = file(yaml);
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of(f + ":1:1", f + ":2:1", f + ":3:1"), p.stream().map(ConfigProblem::location).toList());
        assertTrue(p.get(0).message().startsWith("unknown key (did you mean 'dataPlane'?)"), p.get(0).message());
        assertTrue(p.get(1).message().startsWith("unknown key (did you mean 'history'?)"), p.get(1).message());
        assertTrue(p.get(2).message().startsWith("unknown key; known here: site, api, dataDir"), p.get(2).message());
    }

    @Test
    void duplicateKey_isReported_andDoesNotHideTheOthers() throws Exception {
        String yaml = "api:\n  port: x\napi:\n  host: 0.0.0.0\n";
        Path f = file(yaml);
        assertEquals(List.of(f + ":2:9: api.port: must be a whole number, was 'x'",
                        f + ":3:1: api: duplicate key (the first is at " + f + ":1:1; the first is used)"),
                lines(ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void invalidHost_isRejectedWithTheModelsEndpointRule() throws Exception {
        Path f = file("api: { host: 'not a host' }\n");
        assertEquals(List.of(f + ":1:14: api.host: must be an IP address or a DNS name, was 'not a host'"),
                lines(ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void malformedYaml_reportsItsPosition() throws Exception {
        Path unclosed = file("site:\n  id: [unclosed\napi: {\n");
        List<ConfigProblem> p = ConfigLoader.validate(unclosed, Map.of());
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).location().matches(java.util.regex.Pattern.quote(unclosed.toString()) + ":[34]:\\d+"), p.toString());
        assertEquals("(syntax)", p.get(0).path());
        assertTrue(p.get(0).message().startsWith("invalid YAML: "), p.toString());

        Path tab = file("site:\n\tid: x\n");
        assertEquals(tab + ":2:1", ConfigLoader.validate(tab, Map.of()).getFirst().location());
    }

    @Test
    void aliasesMultipleDocumentsAndDeepNesting_areProblemsNotCrashes() throws Exception {
        Path alias = file("site: &s { id: a, name: b }\napi: *s\n");
        List<ConfigProblem> a = ConfigLoader.validate(alias, Map.of());
        assertEquals(List.of(alias + ":2:6"), a.stream().map(ConfigProblem::location).toList(), a.toString());
        assertTrue(a.getFirst().message().contains("alias *s"), a.toString());

        Path twoDocs = file("site: { id: a }\n---\nsite: { id: b }\n");
        assertEquals("(document)", ConfigLoader.validate(twoDocs, Map.of()).getFirst().path());

        Path deep = file("site: " + "[".repeat(5000) + "]".repeat(5000) + "\n");
        assertEquals(1, ConfigLoader.validate(deep, Map.of()).size());
    }

    @Test
    void topLevelListOrScalar_isRejected() throws Exception {
        assertEquals("(top level)", ConfigLoader.validate(file("- a\n- b\n"), Map.of()).getFirst().path());
        assertEquals("(top level)", ConfigLoader.validate(file("hello\n"), Map.of()).getFirst().path());
    }

    @Test
    void missingFileOrDirectory_isAProblemNotAnException() {
        assertEquals(List.of(new ConfigProblem(dir.resolve("nope.yaml").toString(), "(file)", "does not exist")),
                ConfigLoader.validate(dir.resolve("nope.yaml"), Map.of()));
        assertEquals("is not a regular file", ConfigLoader.validate(dir, Map.of()).getFirst().message());
    }

    @Test
    void notUtf8_isAProblemNotAnException() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, new byte[]{'s', 'i', 't', 'e', ':', ' ', '{', 'n', 'a', 'm', 'e', ':', ' ', (byte) 0xE9, (byte) 0xFF, '}', '\n'});
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(1, p.size(), p.toString());
    }

    // ---- environment -----------------------------------------------------------------------------------------------

    @Test
    void badEnvironmentValue_isLocatedAtTheVariable() throws Exception {
        Path f = file("api: { port: 9000 }\n");
        assertEquals(List.of("env PATRONUS_API_PORT: api.port: must be a whole number, was 'ninety'",
                        "env PATRONUS_WAL_SEGMENT_BYTES: wal.segmentBytes: must be between 64KiB and 1GiB, was 2GiB"),
                lines(ConfigLoader.validate(f, Map.of("PATRONUS_API_PORT", "ninety", "PATRONUS_WAL_SEGMENT_BYTES", "2GiB"))));
    }

    @Test
    void cliAndScriptVariables_andUnrelatedOnes_areIgnored() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_URL", "http://x", "PATRONUS_TOKEN_FILE", "/t",
                "PATRONUS_JAVA_HOME", "/jdk", "PATRONUS_JVM_OPTS", "-Xmx1g", "PATRONUS_LOG_COLOR", "1", "PATH", "/bin"));
        assertEquals(8081, c.api().port());
    }

    @Test
    void variablesThatLookLikeSettings_areProblemsNamingTheNearestSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(),
                Map.of("PATRONUS_API_PROT", "1", "PATRONUS_DATADIR", "/x", "PATRONUS_WAL_FOO", "1", "PATRONUS_LINKS", "fiber")));
        assertEquals(List.of("env PATRONUS_API_PROT", "env PATRONUS_DATADIR", "env PATRONUS_LINKS", "env PATRONUS_WAL_FOO"),
                e.problems().stream().map(ConfigProblem::location).toList());
        assertTrue(e.problems().get(0).message().startsWith("is not a configuration setting (did you mean 'PATRONUS_API_PORT'?)"),
                e.getMessage());
        assertTrue(e.problems().get(1).message().contains("did you mean 'PATRONUS_DATA_DIR'"), e.getMessage());
        assertEquals("links is a list and can only be set in the configuration file", e.problems().get(2).message());
    }

    // ---- effective configuration -----------------------------------------------------------------------------------

    @Test
    void effectiveConfig_rendersAsYamlThatLoadsBackEqual() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_SITE_NAME", "Lyon \"Part-Dieu\": #1",
                "PATRONUS_SITE_LOCATION", "null", "PATRONUS_API_HOST", "::1", "PATRONUS_DATA_DIR", dir.resolve("a dir: #x").toString(),
                "PATRONUS_WAL_MAX_BATCH_WAIT", "1500ms"));
        String yaml = c.toYaml();
        assertEquals(c, ConfigLoader.load(Optional.of(file(yaml)), Map.of()), yaml);
        assertEquals(ConfigLoader.load(Optional.empty(), Map.of()),
                ConfigLoader.load(Optional.of(file(ConfigLoader.load(Optional.empty(), Map.of()).toYaml())), Map.of()));
        for (String key : List.of("site:", "api:", "dataDir:", "dataPlane:", "wal:", "history:", "links:", "slaClasses:",
                "tokenTtl: 12h", "segmentBytes: 64MiB", "maxBatchWait: 1500ms", "aggregateRetention: 90d", "mode: auto")) {
            assertTrue(yaml.contains(key), key + " missing from\n" + yaml);
        }
    }

    @Test
    void effectiveConfig_neverContainsTheCliSecrets() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_TOKEN_FILE", "/home/op/.patronus-token-s3cr3t",
                "PATRONUS_API_URL", "http://admin:hunter2@127.0.0.1:8081"));
        String yaml = c.toYaml();
        assertTrue(!yaml.contains("s3cr3t") && !yaml.contains("hunter2") && !yaml.toLowerCase(java.util.Locale.ROOT).contains("password"), yaml);
    }

    @Test
    void configRecords_areImmutable() {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThrows(UnsupportedOperationException.class, () -> c.links().add(c.links().getFirst()));
        assertThrows(UnsupportedOperationException.class, () -> c.slaClasses().clear());
    }
}
