package io.patronus.controller.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds a {@link ControllerConfig} from three layers, later ones winning key by key: the embedded
 * {@code defaults.yaml}, an optional YAML file, and {@code PATRONUS_CONTROLLER_*} environment variables
 * ({@code heartbeatInterval} is {@code PATRONUS_CONTROLLER_HEARTBEAT_INTERVAL}; lists are comma-separated there).
 *
 * <p>Either a fully validated configuration or a {@link ConfigException} listing every problem found, each with
 * where it is ({@code file:line:column}, {@code env NAME} or {@code defaults}), its key and what would be right:
 * unknown keys (with the nearest known one), values of the wrong shape or unit, values out of range, and
 * {@code PATRONUS_CONTROLLER_*} variables that match no key. Only a YAML syntax error stops the pass early.
 *
 * <p>Thread-safety: stateless, callable from any thread.
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String DEFAULTS = "defaults.yaml";
    private static final long MAX_FILE_BYTES = 1L << 20;
    /** The environment prefix of every setting. */
    public static final String ENV_PREFIX = "PATRONUS_CONTROLLER_";
    /** Variables with the prefix that belong to the CLI or the launcher, not to the configuration. */
    public static final Set<String> NOT_CONFIG = Set.of("PATRONUS_CONTROLLER_TOKEN", "PATRONUS_CONTROLLER_URL",
            "PATRONUS_CONTROLLER_JVM_OPTS");
    /** Every key, in the order of defaults.yaml. */
    public static final List<String> KEYS = List.of("host", "port", "dataDir", "publicUrl", "tlsNames", "organisation",
            "deviceCertificateValidity", "serverCertificateValidity", "tokenTtl", "heartbeatInterval", "rolloutWaves",
            "rolloutGateTimeout", "keyRotationInterval", "keyRotationGrace", "walSegmentBytes", "checkpointEvery",
            "telemetryRetention", "auditRetention");

    private ConfigLoader() {
    }

    /** The variable that overrides a key: {@code dataDir} is {@code PATRONUS_CONTROLLER_DATA_DIR}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /**
     * Loads and validates: the embedded defaults, then {@code file} when present, then {@code env}.
     *
     * @throws ConfigException listing every problem found
     */
    public static ControllerConfig load(Optional<Path> file, Map<String, String> env) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Raw> raw = new LinkedHashMap<>();
        readYaml(defaults(), "defaults", raw, problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("embedded " + DEFAULTS + " is invalid: " + problems);
        }
        file.ifPresent(f -> readFile(f, raw, problems));
        readEnv(env, raw, problems);
        if (problems.stream().anyMatch(p -> p.key().equals("(syntax)"))) {
            throw new ConfigException(problems);
        }
        ControllerConfig config = bind(raw, problems);
        if (config != null) {
            ControllerConfig.problems(config).forEach((key, message) -> {
                String base = key.contains("[") ? key.substring(0, key.indexOf('[')) : key;
                problems.add(new ConfigProblem(raw.get(base).location(), key, message));
            });
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /** A value and where it came from. */
    private record Raw(String location, JsonNode value) {
    }

    private static byte[] defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("the embedded " + DEFAULTS + " is missing from the controller jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded " + DEFAULTS, e);
        }
    }

    private static void readFile(Path file, Map<String, Raw> raw, List<ConfigProblem> problems) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                problems.add(new ConfigProblem(file.toString(), "(file)", "is a directory; --config needs a YAML file"));
                return;
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                problems.add(new ConfigProblem(file.toString(), "(file)", "is larger than 1 MiB; is it the right file?"));
                return;
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            problems.add(new ConfigProblem(file.toString(), "(file)", "does not exist"));
            return;
        } catch (IOException | InvalidPathException e) {
            problems.add(new ConfigProblem(file.toString(), "(file)", "cannot be read: " + e.getMessage()));
            return;
        }
        readYaml(bytes, file.toString(), raw, problems);
    }

    /** Reads the top-level mapping, recording each key's position; unknown keys are reported and dropped. */
    private static void readYaml(byte[] bytes, String source, Map<String, Raw> raw, List<ConfigProblem> problems) {
        try (JsonParser p = YAML.getFactory().createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return; // an empty file sets nothing
            }
            if (t != JsonToken.START_OBJECT) {
                problems.add(new ConfigProblem(where(source, p.currentTokenLocation()), "(top level)",
                        "must be a mapping of keys to values (key: value), found " + describe(t)));
                return;
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                String location = where(source, p.currentTokenLocation());
                p.nextToken();
                JsonNode value = YAML.readTree(p);
                if (!KEYS.contains(key)) {
                    problems.add(new ConfigProblem(location, key, "unknown key" + suggestion(key)));
                    continue;
                }
                raw.put(key, new Raw(location, value == null ? TextNode.valueOf("") : value));
            }
        } catch (JacksonException e) {
            String loc = e.getLocation() == null ? source : where(source, e.getLocation());
            problems.add(new ConfigProblem(loc, "(syntax)", "is not valid YAML: " + e.getOriginalMessage()));
        } catch (IOException e) {
            problems.add(new ConfigProblem(source, "(file)", "cannot be read: " + e.getMessage()));
        }
    }

    private static void readEnv(Map<String, String> env, Map<String, Raw> raw, List<ConfigProblem> problems) {
        Map<String, String> byEnv = new TreeMap<>();
        for (String key : KEYS) {
            byEnv.put(envName(key), key);
        }
        new TreeMap<>(env).forEach((name, value) -> {
            if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG.contains(name)) {
                return;
            }
            String key = byEnv.get(name);
            if (key == null) {
                String near = byEnv.keySet().stream().filter(n -> distance(n, name) <= 3).findFirst()
                        .map(n -> "; did you mean " + n + "?").orElse("; known: " + String.join(", ", byEnv.keySet()));
                problems.add(new ConfigProblem("env " + name, name, "matches no setting" + near));
                return;
            }
            raw.put(key, new Raw("env " + name, TextNode.valueOf(value)));
        });
    }

    private static ControllerConfig bind(Map<String, Raw> raw, List<ConfigProblem> problems) {
        int before = problems.size();
        Binder b = new Binder(raw, problems);
        String host = b.text("host");
        int port = (int) b.integer("port", 0, 65535);
        Path dataDir = b.path("dataDir");
        Optional<URI> publicUrl = b.optionalUri("publicUrl");
        List<String> tlsNames = b.list("tlsNames");
        String organisation = b.text("organisation");
        Duration device = b.duration("deviceCertificateValidity");
        Duration server = b.duration("serverCertificateValidity");
        Duration ttl = b.duration("tokenTtl");
        Duration heartbeat = b.duration("heartbeatInterval");
        List<String> waves = b.list("rolloutWaves");
        Duration gate = b.duration("rolloutGateTimeout");
        Duration keyInterval = b.duration("keyRotationInterval");
        Duration keyGrace = b.duration("keyRotationGrace");
        long segment = b.size("walSegmentBytes");
        int checkpointEvery = (int) b.integer("checkpointEvery", 1, 1_000_000);
        Duration telemetryRetention = b.duration("telemetryRetention");
        Duration auditRetention = b.duration("auditRetention");
        if (problems.size() > before) {
            return null;
        }
        if (tlsNames.isEmpty()) {
            tlsNames = ControllerConfig.defaultTlsNames();
        }
        return new ControllerConfig(host, port, dataDir, publicUrl, tlsNames, organisation, device, server, ttl, heartbeat,
                waves, gate, keyInterval, keyGrace, segment, checkpointEvery, telemetryRetention, auditRetention);
    }

    /** Binds typed values, recording a problem (and a placeholder) for each value that does not parse. */
    private record Binder(Map<String, Raw> raw, List<ConfigProblem> problems) {
        private String scalar(String key) {
            JsonNode v = raw.get(key).value();
            if (v.isContainerNode()) {
                problem(key, "must be a single value, found a " + (v.isArray() ? "list" : "mapping"));
                return null;
            }
            return v.asText();
        }

        private void problem(String key, String message) {
            problems.add(new ConfigProblem(raw.get(key).location(), key, message));
        }

        String text(String key) {
            String s = scalar(key);
            return s == null ? "" : s.trim();
        }

        long integer(String key, long min, long max) {
            String s = scalar(key);
            if (s == null) {
                return min;
            }
            try {
                long n = Long.parseLong(s.trim());
                if (n < min || n > max) {
                    problem(key, "must be between " + min + " and " + max + ", was " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                problem(key, "must be a whole number, was '" + clip(s) + "'");
                return min;
            }
        }

        Path path(String key) {
            String s = text(key);
            if (s.isEmpty()) {
                problem(key, "must be a directory path");
                return Path.of(".");
            }
            try {
                return Path.of(s).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                problem(key, "is not a valid path: " + e.getMessage());
                return Path.of(".");
            }
        }

        Optional<URI> optionalUri(String key) {
            String s = text(key);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new URI(s));
            } catch (URISyntaxException e) {
                problem(key, "is not a URL: " + e.getMessage());
                return Optional.empty();
            }
        }

        Duration duration(String key) {
            String s = scalar(key);
            if (s == null) {
                return Duration.ZERO;
            }
            return Units.duration(s).orElseGet(() -> {
                problem(key, "must be a duration such as 250ms, 15s, 10m, 24h or 7d, was '" + clip(s) + "'");
                return Duration.ZERO;
            });
        }

        long size(String key) {
            String s = scalar(key);
            if (s == null) {
                return 0;
            }
            return Units.size(s).orElseGet(() -> {
                problem(key, "must be a size such as 16MiB, 512KiB or a number of bytes, was '" + clip(s) + "'");
                return 0L;
            });
        }

        List<String> list(String key) {
            JsonNode v = raw.get(key).value();
            if (v.isObject()) {
                problem(key, "must be a list (or, in the environment, comma-separated), found a mapping");
                return List.of();
            }
            if (v.isArray()) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < v.size(); i++) {
                    if (v.get(i).isContainerNode()) {
                        problem(key, "entry " + i + " must be a single value");
                    } else {
                        out.add(v.get(i).asText().trim());
                    }
                }
                return out;
            }
            String s = v.asText().trim();
            return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }
    }

    private static String where(String source, JsonLocation loc) {
        return source.equals("defaults") ? "defaults" : source + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
    }

    private static String describe(JsonToken t) {
        return t == JsonToken.START_ARRAY ? "a list" : "a single value";
    }

    private static String suggestion(String key) {
        Function<String, Integer> d = k -> distance(k.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT));
        return KEYS.stream().filter(k -> d.apply(k) <= 3).min((a, b) -> d.apply(a) - d.apply(b))
                .map(k -> "; did you mean " + k + "?").orElse("; known keys: " + String.join(", ", KEYS));
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
