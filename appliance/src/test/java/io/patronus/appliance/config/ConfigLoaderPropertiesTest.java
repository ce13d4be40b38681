package io.patronus.appliance.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whatever the file or the environment holds, the loader answers with a configuration or a list of problems, never
 * another exception; every problem says where (a position inside the file, a variable, or the file itself) and what.
 */
class ConfigLoaderPropertiesTest {
    private static final Pattern POSITION = Pattern.compile(":(\\d+):(\\d+)$");

    /** Validates {@code content} as a config file and checks the answer's shape and its agreement with load(). */
    private static List<ConfigProblem> check(byte[] content, Map<String, String> env) throws Exception {
        Path f = Files.createTempFile("patronus-config", ".yaml");
        try {
            Files.write(f, content);
            List<ConfigProblem> problems;
            try {
                problems = ConfigLoader.validate(f, env);
            } catch (RuntimeException | StackOverflowError e) {
                fail("validate threw " + e + " for " + printable(content), e);
                return List.of();
            }
            long lines = new String(content, StandardCharsets.UTF_8).lines().count() + 1;
            for (ConfigProblem p : problems) {
                // The path may be empty: a key written as "" at the top level is reported under its own (empty) name.
                assertFalse(p.message().isBlank(), p.toString());
                if (p.location().startsWith(f.toString())) {
                    Matcher m = POSITION.matcher(p.location());
                    if (m.find()) {
                        long line = Long.parseLong(m.group(1));
                        assertTrue(line >= 1 && line <= lines + 1 && Long.parseLong(m.group(2)) >= 1, p.toString());
                    } else {
                        assertEquals(f.toString(), p.location(), p.toString());
                    }
                } else {
                    assertTrue(p.location().startsWith("env PATRONUS_") || p.location().equals("defaults"), p.toString());
                }
            }
            if (problems.isEmpty()) {
                ConfigLoader.load(Optional.of(f), env);
            } else {
                ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.of(f), env));
                assertEquals(problems, e.problems());
            }
            return problems;
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static String printable(byte[] content) {
        String s = new String(content, StandardCharsets.UTF_8);
        return "'" + (s.length() > 300 ? s.substring(0, 300) + "..." : s).replace("\n", "\\n").replace("\t", "\\t") + "'";
    }

    @Property(tries = 500)
    void anyText_givesAConfigOrProblems_neverAnotherException(@ForAll String text) throws Exception {
        check(text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Property(tries = 300)
    void anyBytes_givesAConfigOrProblems_neverAnotherException(@ForAll byte[] raw) throws Exception {
        check(raw, Map.of());
    }

    @Property(tries = 1000)
    void yamlLookingGarbage_givesAConfigOrProblems_neverAnotherException(@ForAll("yamlSoup") String text) throws Exception {
        check(text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Property(tries = 500)
    void validFileWithOneCharacterChanged_givesAConfigOrProblems(@ForAll("mutatedValid") String text) throws Exception {
        check(text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Property(tries = 20)
    void deepNesting_isAProblemNotAStackOverflow(@ForAll @IntRange(min = 60, max = 20_000) int depth, @ForAll boolean flow)
            throws Exception {
        String text = flow ? "api: " + "[".repeat(depth) + "]".repeat(depth) + "\n" : nestedBlock(depth);
        assertFalse(check(text.getBytes(StandardCharsets.UTF_8), Map.of()).isEmpty());
    }

    private static String nestedBlock(int depth) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            sb.append(" ".repeat(i)).append("k:\n");
        }
        return sb.toString();
    }

    @Property(tries = 500)
    void anyPatronusVariable_givesAConfigOrProblemsAtTheVariable(@ForAll("patronusNames") String name, @ForAll String value)
            throws Exception {
        List<ConfigProblem> problems = check(new byte[0], Map.of(name, value));
        for (ConfigProblem p : problems) {
            assertEquals("env " + name, p.location(), p.toString());
        }
    }

    @Property(tries = 300)
    void apiPort_isAcceptedInsideItsRange_andRejectedOutside(@ForAll @IntRange(min = -200_000, max = 200_000) int port,
                                                           @ForAll boolean viaEnv) throws Exception {
        Map<String, String> env = viaEnv ? Map.of("PATRONUS_API_PORT", Integer.toString(port)) : Map.of();
        byte[] file = viaEnv ? new byte[0] : ("api:\n  port: " + port + "\n").getBytes(StandardCharsets.UTF_8);
        List<ConfigProblem> problems = check(file, env);
        if (port >= 0 && port <= 65535) {
            assertEquals(List.of(), problems);
        } else {
            assertEquals(1, problems.size(), problems.toString());
            assertEquals("api.port", problems.get(0).path());
            assertTrue(problems.get(0).location().endsWith(viaEnv ? "env PATRONUS_API_PORT" : ":2:9"), problems.toString());
        }
    }

    @Property(tries = 300)
    void durations_inEveryUnit_roundTripThroughTheirText(@ForAll @IntRange(min = 1, max = 30) int days,
                                                       @ForAll("durationUnits") String unit) throws Exception {
        long n = switch (unit) {
            case "ms" -> days * 86_400_000L;
            case "s" -> days * 86_400L;
            case "m" -> days * 1_440L;
            case "h" -> days * 24L;
            default -> days;
        };
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_TOKEN_TTL", n + unit));
        assertEquals(java.time.Duration.ofDays(days), c.api().tokenTtl());
    }

    @Property(tries = 200)
    void validEnvironment_givesAConfigWhoseYamlLoadsBackEqual(@ForAll("validEnvironments") Map<String, String> env) throws Exception {
        ApplianceConfig c = ConfigLoader.load(Optional.empty(), env);
        assertEquals(List.of(), check(c.toYaml().getBytes(StandardCharsets.UTF_8), Map.of()));
        Path f = Files.createTempFile("patronus-config", ".yaml");
        try {
            Files.writeString(f, c.toYaml());
            assertEquals(c, ConfigLoader.load(Optional.of(f), Map.of()));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Valid values for some of the scalar keys, as strings an operator would export. */
    @Provide
    Arbitrary<Map<String, String>> validEnvironments() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withChars(' ', '"', ':', '#', '\'', 'é', '-')
                .ofMinLength(1).ofMaxLength(40).filter(s -> !s.isBlank());
        Arbitrary<Map.Entry<String, String>> entry = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20).map(v -> Map.entry("PATRONUS_SITE_ID", v)),
                names.map(v -> Map.entry("PATRONUS_SITE_NAME", v)),
                names.map(v -> Map.entry("PATRONUS_SITE_LOCATION", v)),
                Arbitraries.of("0.0.0.0", "::", "10.1.2.3", "fd00::1", "appliance.example").map(v -> Map.entry("PATRONUS_API_HOST", v)),
                Arbitraries.integers().between(0, 65535).map(v -> Map.entry("PATRONUS_API_PORT", v.toString())),
                Arbitraries.integers().between(1, 43_200).map(v -> Map.entry("PATRONUS_API_TOKEN_TTL", v + "m")),
                Arbitraries.of("auto", "kernel", "userspace", "memory").map(v -> Map.entry("PATRONUS_DATA_PLANE_MODE", v)),
                Arbitraries.integers().between(64, 1 << 20).map(v -> Map.entry("PATRONUS_WAL_SEGMENT_BYTES", v + "KiB")),
                Arbitraries.integers().between(0, 1000).map(v -> Map.entry("PATRONUS_WAL_MAX_BATCH_WAIT", v + "ms")),
                Arbitraries.integers().between(4096, 64 << 20).map(v -> Map.entry("PATRONUS_WAL_MAX_BATCH_BYTES", v.toString())),
                Arbitraries.integers().between(1, 10_000_000).map(v -> Map.entry("PATRONUS_WAL_CHECKPOINT_EVERY", v.toString())),
                Arbitraries.integers().between(1, 720).map(v -> Map.entry("PATRONUS_HISTORY_RAW_RETENTION", v + "h")),
                Arbitraries.integers().between(1, 3650).map(v -> Map.entry("PATRONUS_HISTORY_AGGREGATE_RETENTION", v + "d")));
        return entry.list().ofMaxSize(8).map(l -> {
            Map<String, String> m = new java.util.HashMap<>();
            l.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    @Provide
    Arbitrary<String> yamlSoup() {
        Arbitrary<String> token = Arbitraries.of("site:", "api:", "wal:", "links:", "slaClasses:", "history:", "dataDir:", "port:",
                "host:", "name:", "colour:", "tokenTtl:", "segmentBytes:", " ", "  ", "\n", "\t", "- ", "-", "{", "}", "[", "]", ":",
                ": ", ",", "&a ", "*a", "!!str ", "!!binary ", "!x ", "'", "\"", "#", "---", "...", "?", "? ", "|", ">", "%YAML 1.2",
                "%TAG ! x", "70000", "-1", "1e999", "0x1F", "12h", "64MiB", "~", "null", "true", "\\u0000", "\u0000", "\u00e9",
                "\uFEFF", "\ud83d\ude00", "<<: ", "fiber", "1.5", ".nan", "@", "`", "%", "\r", "\r\n");
        return token.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<String> mutatedValid() {
        String valid = ConfigLoader.load(Optional.empty(), Map.of()).toYaml();
        Arbitrary<Character> c = Arbitraries.chars().with(":-{}[]#&*!'\"|> \t\n0123456789abcxyz%@,?".toCharArray());
        return Combinators.combine(Arbitraries.integers().between(0, valid.length()), Arbitraries.integers().between(0, 2), c)
                .as((at, op, ch) -> switch (op) {
                    case 0 -> valid.substring(0, at) + ch + valid.substring(at);
                    case 1 -> at < valid.length() ? valid.substring(0, at) + ch + valid.substring(at + 1) : valid + ch;
                    default -> at < valid.length() ? valid.substring(0, at) + valid.substring(at + 1) : valid;
                });
    }

    @Provide
    Arbitrary<String> patronusNames() {
        Arbitrary<String> known = Arbitraries.of(ConfigLoader.SCALAR_KEYS).map(ConfigLoader::envName);
        Arbitrary<String> typo = Combinators.combine(known, Arbitraries.integers().between(9, 40), Arbitraries.chars().range('A', 'Z'))
                .as((n, at, ch) -> n.substring(0, Math.min(at, n.length())) + ch + n.substring(Math.min(at + 1, n.length())));
        Arbitrary<String> random = Arbitraries.strings().withCharRange('A', 'Z').withChars('_', '0', '9').ofMaxLength(30)
                .map(s -> "PATRONUS_" + s);
        Arbitrary<String> foreign = Arbitraries.strings().ofMaxLength(20).map(s -> "PATRONUS_" + s);
        return Arbitraries.oneOf(known, typo, random, foreign, Arbitraries.of(ConfigLoader.NOT_CONFIG));
    }

    @Provide
    Arbitrary<String> durationUnits() {
        return Arbitraries.of("ms", "s", "m", "h", "d");
    }
}
