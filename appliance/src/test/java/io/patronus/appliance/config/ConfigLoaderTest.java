package io.patronus.appliance.config;

import io.patronus.model.Link;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three layers of the appliance configuration (embedded defaults, file, environment) and the problem list an
 * operator gets for a bad file: every mistake, each at its line and column and under its dotted key.
 */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws Exception {
        Path f = Files.createTempFile(dir, "appliance", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static ApplianceConfig defaults() {
        return ConfigLoader.load(Optional.empty(), Map.of());
    }

    /** Problems as {@code location | path}, with the temporary file's name shortened to {@code F}. */
    private static List<String> where(Path f, List<ConfigProblem> problems) {
        return problems.stream().map(p -> p.location().replace(f.toString(), "F") + " | " + p.path()).toList();
    }

    private static ConfigProblem only(List<ConfigProblem> problems) {
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    // ---- defaults ----------------------------------------------------------------------------------------------------

    @Test
    void load_withoutFile_usesEveryEmbeddedDefault() {
        ApplianceConfig c = defaults();
        assertEquals(new ApplianceConfig.SiteIdentity("demo-site", "Demo site", ""), c.site());
        assertEquals(new ApplianceConfig.Api("127.0.0.1", 8081, Duration.ofHours(12)), c.api());
        assertEquals(Path.of("var").toAbsolutePath(), c.dataDir());
        assertEquals(ApplianceConfig.DataPlaneMode.AUTO, c.dataPlane().mode());
        assertEquals(new ApplianceConfig.Wal(64L << 20, Duration.ofMillis(2), 1L << 20, 1000), c.wal());
        assertEquals(new ApplianceConfig.History(Duration.ofHours(1), Duration.ofDays(90)), c.history());
        assertEquals(List.of(new Link("fiber", "eth0", "fiber", 10, 1_000_000), new Link("lte", "wwan0", "lte", 20, 50_000)), c.links());
        assertEquals(List.of(new SlaClass("default", 150, 2, 30), new SlaClass("realtime", 100, 1, 20)), c.slaClasses());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"", "\"\n\n\"", "# only a comment", "---", "\"---\n...\n\"", "\"   \n  \n\""})
    void load_emptyFile_givesTheDefaults(String yaml) throws Exception {
        Path f = file(yaml);
        assertEquals(List.of(), ConfigLoader.validate(f, Map.of()));
        assertEquals(defaults(), ConfigLoader.load(Optional.of(f), Map.of()));
    }

    @Test
    void load_emptySection_keepsItsDefaults() throws Exception {
        assertEquals(defaults(), ConfigLoader.load(Optional.of(file("api:\nwal:\n")), Map.of()));
    }

    // ---- file over defaults ------------------------------------------------------------------------------------------

    @Test
    void file_overridesDefaults_mappingsMergeKeyByKey() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                site: { id: branch-7, name: Branch 7 }
                api:
                  port: 9000
                wal:
                  maxBatchWait: 5ms
                dataDir: /srv/patronus/../patronus
                """)), Map.of());
        assertEquals(new ApplianceConfig.SiteIdentity("branch-7", "Branch 7", ""), c.site(), "site.location keeps its default");
        assertEquals(new ApplianceConfig.Api("127.0.0.1", 9000, Duration.ofHours(12)), c.api(), "api.host and tokenTtl keep theirs");
        assertEquals(new ApplianceConfig.Wal(64L << 20, Duration.ofMillis(5), 1L << 20, 1000), c.wal());
        assertEquals(Path.of("/srv/patronus"), c.dataDir(), "dataDir is normalised");
        assertEquals(defaults().history(), c.history());
    }

    @Test
    void file_lists_replaceTheDefaultListWhole() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                links:
                  - { name: mpls, iface: eth2, colour: mpls, priority: 5, bandwidthKbps: 20000 }
                slaClasses:
                  - name: voice
                    maxLatencyMs: 80.5
                    maxLossPct: 0.5
                    maxJitterMs: 10
                """)), Map.of());
        assertEquals(List.of(new Link("mpls", "eth2", "mpls", 5, 20_000)), c.links());
        assertEquals(List.of(new SlaClass("voice", 80.5, 0.5, 10)), c.slaClasses());
    }

    @Test
    void file_slaClassProbeIntervalAndDetectMultiplier_areReadAndOptional() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                slaClasses:
                  - { name: default, maxLatencyMs: 150, maxLossPct: 2, maxJitterMs: 30 }
                  - { name: voice, maxLatencyMs: 80, maxLossPct: 1, maxJitterMs: 10, probeIntervalMs: 50, detectMultiplier: 4 }
                  - { name: bulk, maxLatencyMs: 400, maxLossPct: 5, maxJitterMs: 100, detectMultiplier: 8 }
                """)), Map.of());
        assertEquals(List.of(new SlaClass("default", 150, 2, 30),
                new SlaClass("voice", 80, 1, 10, OptionalInt.of(50), OptionalInt.of(4)),
                new SlaClass("bulk", 400, 5, 100, OptionalInt.empty(), OptionalInt.of(8))), c.slaClasses());
        assertEquals(c, ConfigLoader.load(Optional.of(file(c.toYaml())), Map.of()), "the dump loads back the same");
        assertTrue(c.toYaml().contains("probeIntervalMs: 50"), c.toYaml());
    }

    @Test
    void validate_slaClassProbeFieldsOutOfRange_problemNamesFieldAndRange() throws Exception {
        Path f = file("slaClasses:\n  - { name: a, maxLatencyMs: 1, maxLossPct: 1, maxJitterMs: 1, probeIntervalMs: 5, detectMultiplier: 0 }\n"
                + "  - { name: b, maxLatencyMs: 1, maxLossPct: 1, maxJitterMs: 1, probeIntervalMs: 50.5, detectMultiplier: 51 }\n"
                + "  - { name: c, maxLatencyMs: 1, maxLossPct: 1, maxJitterMs: 1, probeIntervalMs: 99999999999 }\n"
                + "  - { name: d, maxLatencyMs: 1, maxLossPct: 1, maxJitterMs: 1, detectMultiplier: }\n");
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of("slaClasses[0].probeIntervalMs", "slaClasses[0].detectMultiplier", "slaClasses[1].probeIntervalMs",
                "slaClasses[1].detectMultiplier", "slaClasses[2].probeIntervalMs", "slaClasses[3].detectMultiplier"),
                p.stream().map(ConfigProblem::path).toList(), p.toString());
        assertEquals("must be between 10 and 10000, was 5", p.get(0).message());
        assertEquals("must be between 1 and 50, was 0", p.get(1).message());
        assertEquals("must be between 1 and 50, was 51", p.get(3).message());
        assertEquals("must be between 10 and 10000, was 99999999999", p.get(4).message());
    }

    @Test
    void validate_failoverDetectMultiplierAbove50_refusedAsTheProberWould() throws Exception {
        ConfigProblem p = only(ConfigLoader.validate(file("failover: { detectMultiplier: 51 }\n"), Map.of()));
        assertEquals("failover.detectMultiplier", p.path());
        assertTrue(p.message().contains("between 1 and 50"), p.message());
    }

    @Test
    void file_unitsOfDurationsAndSizes_areParsed() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.of(file("""
                api: { tokenTtl: 30d }
                wal: { segmentBytes: 128KiB, maxBatchWait: 0ms, maxBatchBytes: 4MB, checkpointEvery: "+7" }
                history: { rawRetention: 15m, aggregateRetention: 3650d }
                """)), Map.of());
        assertEquals(Duration.ofDays(30), c.api().tokenTtl());
        assertEquals(new ApplianceConfig.Wal(128L << 10, Duration.ZERO, 4_000_000L, 7), c.wal());
        assertEquals(new ApplianceConfig.History(Duration.ofMinutes(15), Duration.ofDays(3650)), c.history());
    }

    @Test
    void effectiveConfig_rendersAsYamlThatLoadsBackTheSame() throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_SITE_NAME", "Lyon \"Part-Dieu\": rack #2",
                "PATRONUS_WAL_MAX_BATCH_WAIT", "750ms"));
        assertEquals(c, ConfigLoader.load(Optional.of(file(c.toYaml())), Map.of()));
    }

    // ---- environment over file ---------------------------------------------------------------------------------------

    @Test
    void env_overridesFileAndDefaults() throws Exception {
        Path f = file("api: { port: 9000, host: 10.0.0.1 }\nsite: { name: From file }\n");
        ApplianceConfig c = ConfigLoader.load(Optional.of(f), Map.of("PATRONUS_API_PORT", "9100", "PATRONUS_WAL_MAX_BATCH_WAIT", "5ms",
                "PATRONUS_DATA_PLANE_MODE", "memory", "PATRONUS_SITE_ID", "env-site", "PATRONUS_API_TOKEN_TTL", "1h"));
        assertEquals(new ApplianceConfig.Api("10.0.0.1", 9100, Duration.ofHours(1)), c.api());
        assertEquals(new ApplianceConfig.SiteIdentity("env-site", "From file", ""), c.site());
        assertEquals(Duration.ofMillis(5), c.wal().maxBatchWait());
        assertEquals(ApplianceConfig.DataPlaneMode.MEMORY, c.dataPlane().mode());
    }

    @Test
    void env_overridesEveryScalarKey() {
        Map<String, String> env = new HashMap<>();
        String[][] values = {
                {"site.id", "s-1"}, {"site.name", "S one"}, {"site.location", "Here"}, {"api.host", "::1"}, {"api.port", "0"},
                {"api.tokenTtl", "1m"}, {"dataDir", "/tmp/p"}, {"dataPlane.mode", "USERSPACE"}, {"dataPlane.lanInterface", "br-lan"},
                {"dataPlane.bpfPinDir", "/run/bpf/p"}, {"dataPlane.classifierAttach", "CLSACT"}, {"wal.segmentBytes", "1GiB"},
                {"wal.maxBatchWait", "1s"}, {"wal.maxBatchBytes", "4KiB"}, {"wal.checkpointEvery", "10000000"},
                {"history.rawRetention", "30d"}, {"history.aggregateRetention", "1h"}, {"failover.probeInterval", "50ms"},
                {"failover.detectMultiplier", "5"}, {"failover.recoveryProbes", "20"}, {"failover.probePort", "52000"},
                {"failover.slaClass", "realtime"}, {"failover.failbackHold", "1m"}, {"federation.enabled", "FALSE"},
                {"federation.bootstrapFile", "/run/cfg/bootstrap.json"}, {"federation.serial", "PAT-000123"},
                {"federation.confirmTimeout", "5m"}, {"federation.heartbeatInterval", "5s"}, {"federation.longPollWait", "60s"}};
        assertEquals(ConfigLoader.SCALAR_KEYS, java.util.Arrays.stream(values).map(v -> v[0]).toList());
        for (String[] v : values) {
            env.put(ConfigLoader.envName(v[0]), v[1]);
        }
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), env);
        assertEquals(new ApplianceConfig.SiteIdentity("s-1", "S one", "Here"), c.site());
        assertEquals(new ApplianceConfig.Api("::1", 0, Duration.ofMinutes(1)), c.api());
        assertEquals(Path.of("/tmp/p"), c.dataDir());
        assertEquals(new ApplianceConfig.DataPlane(ApplianceConfig.DataPlaneMode.USERSPACE, "br-lan", Path.of("/run/bpf/p"),
                ApplianceConfig.ClassifierAttach.CLSACT), c.dataPlane());
        assertEquals(new ApplianceConfig.Wal(1L << 30, Duration.ofSeconds(1), 4L << 10, 10_000_000), c.wal());
        assertEquals(new ApplianceConfig.History(Duration.ofDays(30), Duration.ofHours(1)), c.history());
        assertEquals(new ApplianceConfig.Failover(Duration.ofMillis(50), 5, 20, 52000, "realtime", Duration.ofMinutes(1)), c.failover());
        assertEquals(new ApplianceConfig.Federation(ApplianceConfig.FederationMode.FALSE, Path.of("/run/cfg/bootstrap.json"),
                "PAT-000123", Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(60)), c.federation());
    }

    @Test
    void federation_defaults() {
        ApplianceConfig.Federation f = ConfigLoader.load(Optional.empty(), Map.of()).federation();
        assertEquals(new ApplianceConfig.Federation(ApplianceConfig.FederationMode.AUTO, Path.of("/etc/patronus/bootstrap.json"), "",
                Duration.ofSeconds(120), Duration.ofSeconds(15), Duration.ofSeconds(30)), f);
    }

    @Test
    void federation_badValues_areEachAProblemAtTheirKey() throws Exception {
        Path f = file("federation: { enabled: maybe, serial: \"a b\", longPollWait: 2m, confirmTimeout: 0s }\n");
        List<ConfigProblem> ps = ConfigLoader.validate(f, Map.of());
        assertEquals(java.util.Set.of("federation.enabled", "federation.serial", "federation.confirmTimeout", "federation.longPollWait"),
                ps.stream().map(ConfigProblem::path).collect(java.util.stream.Collectors.toSet()), ps.toString());
        assertEquals(4, ps.size(), ps.toString());
        assertTrue(ps.getFirst().message().contains("auto, true, false"), ps.getFirst().message());
    }

    @Test
    void lanInterface_notAnInterfaceName_isAProblemAtTheKey() throws Exception {
        Path f = file("dataPlane: { lanInterface: \"eth0; rm -rf\" }\n");
        ConfigProblem p = only(ConfigLoader.validate(f, Map.of()));
        assertEquals("dataPlane.lanInterface", p.path());
        assertTrue(p.message().contains("Linux interface name"), p.message());
    }

    @Test
    void env_badValue_isReportedAtTheVariable() throws Exception {
        Path f = file("api: { port: 9000 }\n");
        ConfigProblem p = only(ConfigLoader.validate(f, Map.of("PATRONUS_API_PORT", "70000")));
        assertEquals(new ConfigProblem("env PATRONUS_API_PORT", "api.port", "must be between 0 and 65535, was 70000"), p);
    }

    /** A file value the env replaces is not reported: the effective value is the variable's. */
    @Test
    void env_replacingABadFileValue_hidesTheFileMistake() throws Exception {
        Path f = file("api: { port: eighty }\n");
        assertEquals(1, ConfigLoader.validate(f, Map.of()).size());
        assertEquals(List.of(), ConfigLoader.validate(f, Map.of("PATRONUS_API_PORT", "80")));
    }

    @ParameterizedTest
    @CsvSource({"site.id, PATRONUS_SITE_ID", "api.tokenTtl, PATRONUS_API_TOKEN_TTL", "dataDir, PATRONUS_DATA_DIR",
            "dataPlane.mode, PATRONUS_DATA_PLANE_MODE", "wal.maxBatchWait, PATRONUS_WAL_MAX_BATCH_WAIT",
            "history.aggregateRetention, PATRONUS_HISTORY_AGGREGATE_RETENTION"})
    void envName_isUpperSnakeOfTheDottedKey(String key, String name) {
        assertEquals(name, ConfigLoader.envName(key));
    }

    @Test
    void env_unknownPatronusVariable_isAProblemNamingTheNearestSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_PROT", "1", "PATRONUS_DATADIR", "/x")));
        assertEquals(List.of("env PATRONUS_API_PROT", "env PATRONUS_DATADIR"), e.problems().stream().map(ConfigProblem::location).toList());
        assertTrue(e.problems().get(0).message().contains("did you mean 'PATRONUS_API_PORT'"), e.getMessage());
        assertTrue(e.problems().get(1).message().contains("did you mean 'PATRONUS_DATA_DIR'"), e.getMessage());
    }

    @Test
    void env_listVariable_isAProblemSayingListsAreFileOnly() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_LINKS_0_NAME", "x")));
        assertTrue(only(e.problems()).message().contains("can only be set in the configuration file"), e.getMessage());
    }

    @Test
    void env_cliAndLauncherVariables_andForeignOnes_areIgnored() {
        Map<String, String> env = Map.of("PATRONUS_API_URL", "http://127.0.0.1:8081", "PATRONUS_TOKEN_FILE", "/root/.patronus/token",
                "PATRONUS_JAVA_HOME", "/usr/lib/jvm/x", "PATRONUS_JVM_OPTS", "-Xmx1g", "PATH", "/bin", "HOME", "/root");
        assertEquals(defaults(), ConfigLoader.load(Optional.empty(), env));
        assertTrue(ConfigLoader.NOT_CONFIG.containsAll(List.of("PATRONUS_API_URL", "PATRONUS_TOKEN_FILE")));
    }

    // ---- problems ----------------------------------------------------------------------------------------------------

    @Test
    void validate_fileWithSeveralMistakes_reportsEveryOneAtItsLineAndColumn() throws Exception {
        Path f = file("""
                site:
                  id: branch-7
                  nmae: Branch seven
                api:
                  port: 70000
                  tokenTtl: 12 hours
                wal:
                  checkpointEvery: lots
                links:
                  - { name: fiber, iface: eth0, colour: fiber, priority: 10, bandwidthKbps: 1000000 }
                  - name: backup
                    iface: eth1
                    colour: fiber
                    priority: "high"
                    bandwidthKbps: 20000
                history:
                  rawRetention: 1h
                api:
                  host: 0.0.0.0
                """);
        List<ConfigProblem> problems = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of(
                "F:3:3 | site.nmae",
                "F:5:9 | api.port",
                "F:6:13 | api.tokenTtl",
                "F:8:20 | wal.checkpointEvery",
                "F:13:13 | links[1].colour",
                "F:14:15 | links[1].priority",
                "F:18:1 | api"), where(f, problems), problems.toString());
        assertTrue(problems.get(0).message().startsWith("unknown key (did you mean 'name'?)"), problems.get(0).message());
        assertEquals("must be between 0 and 65535, was 70000", problems.get(1).message());
        assertTrue(problems.get(2).message().startsWith("must be a duration like"), problems.get(2).message());
        assertEquals("must be a whole number, was 'lots'", problems.get(3).message());
        assertEquals("duplicate colour 'fiber': links[0] already has it", problems.get(4).message());
        assertEquals("must be a whole number, was 'high'", problems.get(5).message());
        assertTrue(problems.get(6).message().startsWith("duplicate key (the first is at " + f + ":4:1"), problems.get(6).message());

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(f), Map.of()));
        assertEquals(problems, e.problems(), "load and validate agree");
        assertEquals(problems.get(0).toString(), e.getMessage().lines().findFirst().orElseThrow());
    }

    /** One link with several bad fields gives one problem per field, not only the first the model meets. */
    @Test
    void validate_linkWithSeveralBadFields_reportsEachField() throws Exception {
        Path f = file("links:\n  - { name: Bad_Name, iface: \"has space\", colour: 9lte, priority: 1001, bandwidthKbps: 0 }\n");
        assertEquals(List.of("F:2:13 | links[0].name", "F:2:30 | links[0].iface", "F:2:51 | links[0].colour",
                "F:2:67 | links[0].priority", "F:2:88 | links[0].bandwidthKbps"), where(f, ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void validate_slaClassNumbers_acceptPlainDecimalsOnly() throws Exception {
        Path f = file("slaClasses:\n  - { name: gold, maxLatencyMs: NaN, maxLossPct: 101, maxJitterMs: -1 }\n"
                + "  - { name: gold, maxLatencyMs: 0x10, maxLossPct: 1e1, maxJitterMs: .5 }\n");
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of("F:2:33 | slaClasses[0].maxLatencyMs", "F:2:50 | slaClasses[0].maxLossPct", "F:2:68 | slaClasses[0].maxJitterMs",
                "F:3:13 | slaClasses[1].name", "F:3:33 | slaClasses[1].maxLatencyMs"), where(f, p), p.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "mapping value where none may be | a: b: c\\n                      | 1:5",
            "tab used for indentation         | api:\\n\\tport: 1\\n          | 2:1",
            "unclosed flow sequence           | site:\\n  id: [x\\napi: 1\\n  | 3:4",
            "unclosed flow mapping            | api: {port: 1\\n              | 2:1",
            "bad indentation                  | a:\\n  b: 1\\n c: 2\\n       | 3:2",
            "two documents                    | a: 1\\n---\\nb: 2\\n         | 3:1"})
    void validate_malformedYaml_reportsThePositionOfTheMistakeOnly(String what, String escaped, String at) throws Exception {
        Path f = file(escaped.replace("\\n", "\n").replace("\\t", "\t"));
        ConfigProblem p = only(ConfigLoader.validate(f, Map.of()));
        assertEquals(f + ":" + at, p.location(), p.toString());
        assertTrue(p.path().startsWith("("), p.toString());
    }

    @Test
    void validate_tabIndentation_saysWhatIsWrong() throws Exception {
        ConfigProblem p = only(ConfigLoader.validate(file("api:\n\tport: 1\n"), Map.of()));
        assertTrue(p.message().startsWith("invalid YAML") && p.message().contains("\\t"), p.message());
    }

    @Test
    void validate_sectionWrittenAsValueOrList_isOneProblem_andTheRestIsStillChecked() throws Exception {
        Path f = file("api: 5\nwal: [1, 2]\nhistory: { rawRetention: forever }\n");
        List<ConfigProblem> p = ConfigLoader.validate(f, Map.of());
        assertEquals(List.of("F:1:6 | api", "F:2:6 | wal", "F:3:26 | history.rawRetention"), where(f, p), p.toString());
    }

    @Test
    void validate_yamlAlias_isRefusedWhereItIsUsed() throws Exception {
        Path f = file("site: { id: &s a1 }\napi: { host: *s }\n");
        ConfigProblem p = only(ConfigLoader.validate(f, Map.of()));
        assertEquals(f + ":2:14", p.location());
        assertEquals("api.host", p.path());
    }

    @Test
    void validate_emptyOrWrongShapedLists_areProblems() throws Exception {
        Path f = file("links: []\nslaClasses:\n  - 3\n");
        assertEquals(List.of("F:1:8 | links", "F:3:5 | slaClasses[0]"), where(f, ConfigLoader.validate(f, Map.of())));
    }

    @Test
    void validate_topLevelListOrScalar_isOneProblem() throws Exception {
        assertEquals("(top level)", only(ConfigLoader.validate(file("- a\n- b\n"), Map.of())).path());
        assertEquals("(top level)", only(ConfigLoader.validate(file("just text\n"), Map.of())).path());
    }

    @Test
    void validate_missingFileOrDirectory_isAProblemNotAnException() {
        assertEquals(new ConfigProblem(dir.resolve("nope.yaml").toString(), "(file)", "does not exist"),
                only(ConfigLoader.validate(dir.resolve("nope.yaml"), Map.of())));
        assertEquals("is not a regular file", only(ConfigLoader.validate(dir, Map.of())).message());
    }

    @Test
    void validate_notUtf8_isOneProblemAtTheFile() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, "site: { name: Montr\u00e9al }\n".getBytes(StandardCharsets.ISO_8859_1));
        ConfigProblem p = only(ConfigLoader.validate(f, Map.of()));
        assertTrue(p.location().startsWith(f.toString()), p.toString());
    }

    /** The example file of the documentation is a valid configuration. */
    @Test
    void documentation_exampleFileIsValid() throws Exception {
        String text = Files.readString(Path.of("..", "docs", "CONFIGURATION.md"));
        int example = text.indexOf("## Example");
        assertTrue(example >= 0, "docs/CONFIGURATION.md has no Example section");
        int start = text.indexOf("```yaml\n", example) + "```yaml\n".length();
        String yaml = text.substring(start, text.indexOf("```", start));
        assertEquals(List.of(), ConfigLoader.validate(file(yaml), Map.of()), yaml);
    }

    /** The documentation lists every key with its variable; a key added without documenting it fails here. */
    @Test
    void documentation_namesEveryKeyAndItsVariable() throws Exception {
        Path doc = Path.of("..", "docs", "CONFIGURATION.md");
        String text = Files.readString(doc);
        for (String key : ConfigLoader.SCALAR_KEYS) {
            assertTrue(text.contains("`" + key + "`"), doc + " does not document " + key);
            assertTrue(text.contains("`" + ConfigLoader.envName(key) + "`"), doc + " does not name " + ConfigLoader.envName(key));
        }
        for (String list : ConfigLoader.LISTS) {
            assertTrue(text.contains("`" + list + "`"), doc + " does not document " + list);
        }
    }
}
