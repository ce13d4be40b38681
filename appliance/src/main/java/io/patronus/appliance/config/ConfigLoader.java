package io.patronus.appliance.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.patronus.model.Link;
import io.patronus.model.SlaClass;
import io.patronus.model.ValidationException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds an {@link ApplianceConfig} from three layers: the embedded {@code defaults.yaml}, an optional YAML file
 * (objects merge key by key, lists replace), and {@code PATRONUS_*} environment variables for scalar keys
 * ({@code api.port} is {@code PATRONUS_API_PORT}). Parsing uses jackson-dataformat-yaml's streaming parser so that
 * every value keeps its line and column; validation walks the whole tree and reports every problem at once.
 */
public final class ConfigLoader {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final String DEFAULTS = "defaults.yaml";

    /** Environment variables that start with PATRONUS_ but belong to the CLI or the launch scripts, not to config. */
    static final Set<String> NOT_CONFIG = Set.of("PATRONUS_API_URL", "PATRONUS_TOKEN_FILE", "PATRONUS_JAVA_HOME",
            "PATRONUS_JVM_OPTS");

    /** Every scalar key, with its environment variable name. */
    static final List<String> SCALAR_KEYS = List.of("site.id", "site.name", "site.location", "api.host", "api.port",
            "api.tokenTtl", "dataDir", "dataPlane.mode", "wal.segmentBytes", "wal.maxBatchWait", "wal.maxBatchBytes",
            "wal.checkpointEvery", "history.rawRetention", "history.aggregateRetention");

    private static final Map<String, Set<String>> OBJECT_KEYS = Map.of(
            "", Set.of("site", "api", "dataDir", "dataPlane", "wal", "history", "links", "slaClasses"),
            "site", Set.of("id", "name", "location"),
            "api", Set.of("host", "port", "tokenTtl"),
            "dataPlane", Set.of("mode"),
            "wal", Set.of("segmentBytes", "maxBatchWait", "maxBatchBytes", "checkpointEvery"),
            "history", Set.of("rawRetention", "aggregateRetention"),
            "links[]", Set.of("name", "iface", "colour", "priority", "bandwidthKbps"),
            "slaClasses[]", Set.of("name", "maxLatencyMs", "maxLossPct", "maxJitterMs"));

    private ConfigLoader() {
    }

    /** The environment variable that overrides a dotted key: {@code api.tokenTtl} is {@code PATRONUS_API_TOKEN_TTL}. */
    public static String envName(String key) {
        return "PATRONUS_" + key.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /**
     * Loads and validates the configuration.
     *
     * @throws ConfigException with every problem found
     */
    public static ApplianceConfig load(Optional<Path> file, Map<String, String> env) {
        Build b = build(file, env);
        if (!b.problems.isEmpty()) {
            throw new ConfigException(b.problems);
        }
        return b.config;
    }

    /** Every problem of {@code file} with {@code env} applied; empty when the configuration is valid. */
    public static List<ConfigProblem> validate(Path file, Map<String, String> env) {
        return build(Optional.of(file), env).problems;
    }

    private static final class Build {
        final List<ConfigProblem> problems = new ArrayList<>();
        final Map<String, String> locations = new HashMap<>();
        ApplianceConfig config;
    }

    private static Build build(Optional<Path> file, Map<String, String> env) {
        Build b = new Build();
        JsonNode defaults;
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            defaults = Located.parse(in, "defaults", new HashMap<>(), new ArrayList<>());
        } catch (IOException e) {
            throw new IllegalStateException("embedded " + DEFAULTS + " is unreadable", e);
        }
        JsonNode merged = defaults.deepCopy();
        if (file.isPresent()) {
            Path f = file.get();
            String name = f.toString();
            if (!Files.isRegularFile(f)) {
                b.problems.add(new ConfigProblem(name, "(file)", Files.exists(f) ? "is not a regular file" : "does not exist"));
                return b;
            }
            try (InputStream in = Files.newInputStream(f)) {
                JsonNode user = Located.parse(in, name, b.locations, b.problems);
                if (user == null) {
                    return b; // a syntax error: nothing after it can be trusted
                }
                if (!user.isNull() && !user.isMissingNode()) {
                    if (!user.isObject()) {
                        b.problems.add(new ConfigProblem(b.locations.getOrDefault("", name), "(top level)",
                                "must be a mapping of keys (site, api, dataDir, ...), was " + kind(user)));
                    } else {
                        merge((ObjectNode) merged, (ObjectNode) user);
                    }
                }
            } catch (IOException e) {
                b.problems.add(new ConfigProblem(name, "(file)", "cannot be read: " + e.getMessage()));
                return b;
            }
            if (!merged.isObject()) {
                return b;
            }
        }
        applyEnv((ObjectNode) merged, env, b);
        checkUnknownKeys(merged, "", b);
        new Binder(merged, b).bind();
        b.problems.sort(java.util.Comparator.comparing(ConfigLoader::sortKey));
        return b;
    }

    /** File problems in file order (line, column), then environment problems, then defaults. */
    private static String sortKey(ConfigProblem p) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+):(\\d+)$").matcher(p.location());
        if (m.find()) {
            return String.format("0%s|%09d|%09d", p.location().substring(0, m.start()), Integer.parseInt(m.group(1)),
                    Integer.parseInt(m.group(2)));
        }
        return (p.location().startsWith("env") ? "1" : "2") + p.location() + p.path();
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isObject() ? "a mapping" : n.isNull() ? "empty" : "a single value";
    }

    /** Objects merge key by key; anything else (lists, scalars) replaces. */
    private static void merge(ObjectNode base, ObjectNode over) {
        for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = base.get(e.getKey());
            if (old != null && old.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void applyEnv(ObjectNode root, Map<String, String> env, Build b) {
        Map<String, String> byEnv = new LinkedHashMap<>();
        for (String k : SCALAR_KEYS) {
            byEnv.put(envName(k), k);
        }
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("PATRONUS_") || NOT_CONFIG.contains(name)) {
                continue;
            }
            String key = byEnv.get(name);
            if (key == null) {
                b.problems.add(new ConfigProblem("env " + name, "(environment)", "is not a configuration setting"
                        + suggestion(name, byEnv.keySet()) + "; settings: " + String.join(", ", byEnv.keySet())));
                continue;
            }
            String[] parts = key.split("\\.");
            ObjectNode parent = root;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = parent.get(parts[i]);
                if (child == null || !child.isObject()) {
                    child = parent.putObject(parts[i]);
                }
                parent = (ObjectNode) child;
            }
            parent.set(parts[parts.length - 1], TextNode.valueOf(e.getValue()));
            b.locations.put(key, "env " + name);
        }
    }

    private static void checkUnknownKeys(JsonNode node, String path, Build b) {
        String shape = path.replaceAll("\\[\\d+]", "[]");
        if (node.isObject()) {
            Set<String> known = OBJECT_KEYS.get(shape);
            if (known == null) {
                return;
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                String child = path.isEmpty() ? k : path + "." + k;
                if (!known.contains(k)) {
                    b.problems.add(new ConfigProblem(b.locations.getOrDefault(child + Located.KEY, loc(b, child)), child,
                            "unknown key" + suggestion(k, known)
                            + "; known here: " + String.join(", ", new java.util.TreeSet<>(known))));
                } else {
                    checkUnknownKeys(node.get(k), child, b);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkUnknownKeys(node.get(i), path + "[" + i + "]", b);
            }
        }
    }

    static String loc(Build b, String path) {
        String l = b.locations.get(path);
        while (l == null && !path.isEmpty()) {
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut < 0 ? "" : path.substring(0, cut);
            l = b.locations.get(path);
        }
        return l == null ? "defaults" : l;
    }

    static String suggestion(String wrong, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(wrong.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 3) ? " (did you mean '" + best + "'?)" : "";
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

    /** Reads a YAML document into a tree while recording the position of every value by its dotted path. */
    static final class Located {
        /** Suffix of the location entry of a key itself (the plain path holds its value's location). */
        static final String KEY = "#key";

        private Located() {
        }

        static JsonNode parse(InputStream in, String name, Map<String, String> locations, List<ConfigProblem> problems)
                throws IOException {
            try (JsonParser p = YAML.createParser(in)) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    return JsonNodeFactory.instance.nullNode();
                }
                JsonNode n = value(p, "", name, locations, problems);
                return n;
            } catch (JacksonException e) {
                JsonLocation l = e.getLocation();
                problems.add(new ConfigProblem(l == null ? name : name + ":" + l.getLineNr() + ":" + l.getColumnNr(),
                        "(syntax)", "invalid YAML: " + firstLine(e.getOriginalMessage())));
                return null;
            }
        }

        private static JsonNode value(JsonParser p, String path, String name, Map<String, String> locations,
                                      List<ConfigProblem> problems) throws IOException {
            JsonLocation l = p.currentTokenLocation();
            locations.put(path, name + ":" + l.getLineNr() + ":" + l.getColumnNr());
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    ObjectNode o = JsonNodeFactory.instance.objectNode();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        String child = path.isEmpty() ? key : path + "." + key;
                        JsonLocation kl = p.currentTokenLocation();
                        p.nextToken();
                        if (o.has(key)) {
                            problems.add(new ConfigProblem(name + ":" + kl.getLineNr() + ":" + kl.getColumnNr(), child,
                                    "duplicate key (the first is at " + locations.get(child + KEY) + "; the first is used)"));
                            value(p, child + "#dup", name, new HashMap<>(), problems);
                            continue;
                        }
                        locations.put(child + KEY, name + ":" + kl.getLineNr() + ":" + kl.getColumnNr());
                        o.set(key, value(p, child, name, locations, problems));
                    }
                    return o;
                }
                case START_ARRAY -> {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    int i = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        a.add(value(p, path + "[" + i + "]", name, locations, problems));
                        i++;
                    }
                    return a;
                }
                case VALUE_NULL -> {
                    return JsonNodeFactory.instance.nullNode();
                }
                default -> {
                    // Keep scalars as text: the binder parses numbers, durations and sizes itself with precise errors.
                    return TextNode.valueOf(p.getText());
                }
            }
        }

        private static String firstLine(String s) {
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        }
    }

    /** Turns the merged tree into records, collecting a problem for every bad value. */
    private static final class Binder {
        private final JsonNode root;
        private final Build b;

        Binder(JsonNode root, Build b) {
            this.root = root;
            this.b = b;
        }

        void bind() {
            int before = b.problems.size();
            ApplianceConfig.SiteIdentity site = new ApplianceConfig.SiteIdentity(
                    model("site.id", s -> io.patronus.model.Check.id("id", s)),
                    model("site.name", s -> io.patronus.model.Check.text("name", s, 128)),
                    text("site.location", true));
            String host = text("api.host", false);
            int port = integer("api.port", 0, 65535);
            Duration ttl = duration("api.tokenTtl", Duration.ofMinutes(1), Duration.ofDays(30));
            String dataDir = text("dataDir", false);
            ApplianceConfig.DataPlaneMode mode = enumValue("dataPlane.mode", ApplianceConfig.DataPlaneMode.class);
            long segmentBytes = size("wal.segmentBytes", 64 * 1024, 1L << 30);
            Duration maxWait = duration("wal.maxBatchWait", Duration.ZERO, Duration.ofSeconds(1));
            long maxBatchBytes = size("wal.maxBatchBytes", 4096, 64L << 20);
            int checkpointEvery = integer("wal.checkpointEvery", 1, 10_000_000);
            Duration raw = duration("history.rawRetention", Duration.ofMinutes(1), Duration.ofDays(30));
            Duration agg = duration("history.aggregateRetention", Duration.ofHours(1), Duration.ofDays(3650));
            List<Link> links = links();
            List<SlaClass> slas = slaClasses();
            if (b.problems.size() == before) {
                b.config = new ApplianceConfig(site, new ApplianceConfig.Api(host, port, ttl), Path.of(dataDir).toAbsolutePath().normalize(),
                        new ApplianceConfig.DataPlane(mode), new ApplianceConfig.Wal(segmentBytes, maxWait, maxBatchBytes,
                        checkpointEvery), new ApplianceConfig.History(raw, agg), links, slas);
            }
        }

        private JsonNode node(String path) {
            JsonNode n = root;
            for (String part : path.split("\\.")) {
                n = n == null ? null : n.get(part);
            }
            return n;
        }

        private void problem(String path, String message) {
            b.problems.add(new ConfigProblem(loc(b, path), path, message));
        }

        private String scalar(String path, JsonNode n) {
            if (n == null || n.isNull()) {
                problem(path, "is required");
                return null;
            }
            if (!n.isValueNode()) {
                problem(path, "must be a single value, was " + kind(n));
                return null;
            }
            return n.asText();
        }

        String text(String path, boolean mayBeEmpty) {
            String s = scalar(path, node(path));
            if (s == null) {
                return "";
            }
            if (!mayBeEmpty && s.isBlank()) {
                problem(path, "must not be empty");
            }
            return s;
        }

        String model(String path, Function<String, String> check) {
            String s = scalar(path, node(path));
            if (s == null) {
                return "";
            }
            try {
                return check.apply(s);
            } catch (ValidationException e) {
                problem(path, e.detail());
                return s;
            }
        }

        int integer(String path, int min, int max) {
            return (int) number(path, scalar(path, node(path)), min, max);
        }

        private long number(String path, String s, long min, long max) {
            if (s == null) {
                return min;
            }
            try {
                long v = Long.parseLong(s.trim());
                if (v < min || v > max) {
                    problem(path, "must be between " + min + " and " + max + ", was " + v);
                }
                return v;
            } catch (NumberFormatException e) {
                problem(path, "must be a whole number, was '" + s + "'");
                return min;
            }
        }

        Duration duration(String path, Duration min, Duration max) {
            String s = scalar(path, node(path));
            if (s == null) {
                return min;
            }
            Optional<Duration> d = Units.duration(s);
            if (d.isEmpty()) {
                problem(path, "must be a duration like 250ms, 30s, 15m, 12h or 7d, was '" + s + "'");
                return min;
            }
            if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
                problem(path, "must be between " + Units.duration(min) + " and " + Units.duration(max) + ", was " + s);
            }
            return d.get();
        }

        long size(String path, long min, long max) {
            String s = scalar(path, node(path));
            if (s == null) {
                return min;
            }
            Optional<Long> v = Units.size(s);
            if (v.isEmpty()) {
                problem(path, "must be a size like 65536, 64KiB, 64MiB or 1GiB, was '" + s + "'");
                return min;
            }
            if (v.get() < min || v.get() > max) {
                problem(path, "must be between " + Units.size(min) + " and " + Units.size(max) + ", was " + s);
            }
            return v.get();
        }

        <E extends Enum<E>> E enumValue(String path, Class<E> type) {
            String s = scalar(path, node(path));
            List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
            if (s == null) {
                return type.getEnumConstants()[0];
            }
            try {
                return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem(path, "must be one of " + String.join(", ", names) + ", was '" + s + "'");
                return type.getEnumConstants()[0];
            }
        }

        private List<JsonNode> list(String path) {
            JsonNode n = root.get(path);
            if (n == null || n.isNull()) {
                problem(path, "is required: list at least one entry");
                return List.of();
            }
            if (!n.isArray()) {
                problem(path, "must be a list, was " + kind(n));
                return List.of();
            }
            List<JsonNode> out = new ArrayList<>();
            n.forEach(out::add);
            if (out.isEmpty()) {
                problem(path, "must list at least one entry");
            }
            return out;
        }

        List<Link> links() {
            List<Link> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            Set<String> colours = new HashSet<>();
            List<JsonNode> items = list("links");
            for (int i = 0; i < items.size(); i++) {
                String p = "links[" + i + "]";
                JsonNode n = items.get(i);
                if (!n.isObject()) {
                    problem(p, "must be a mapping with name, iface, colour, priority, bandwidthKbps");
                    continue;
                }
                int before = b.problems.size();
                String name = field(n, p, "name");
                String iface = field(n, p, "iface");
                String colour = field(n, p, "colour");
                if (name != null && !names.add(name)) {
                    problem(p + ".name", "duplicate link name '" + name + "'");
                }
                if (colour != null && !colours.add(colour)) {
                    problem(p + ".colour", "duplicate colour '" + colour + "': each link needs its own colour");
                }
                long priority = number(p + ".priority", field(n, p, "priority"), 0, 1000);
                long bw = number(p + ".bandwidthKbps", field(n, p, "bandwidthKbps"), 1, 1_000_000_000L);
                if (b.problems.size() != before) {
                    continue;
                }
                try {
                    out.add(new Link(name, iface, colour, (int) priority, bw));
                } catch (ValidationException e) {
                    problem(p + "." + e.field(), e.detail());
                }
            }
            return out;
        }

        List<SlaClass> slaClasses() {
            List<SlaClass> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            List<JsonNode> items = list("slaClasses");
            for (int i = 0; i < items.size(); i++) {
                String p = "slaClasses[" + i + "]";
                JsonNode n = items.get(i);
                if (!n.isObject()) {
                    problem(p, "must be a mapping with name, maxLatencyMs, maxLossPct, maxJitterMs");
                    continue;
                }
                int before = b.problems.size();
                String name = field(n, p, "name");
                double lat = decimal(p + ".maxLatencyMs", field(n, p, "maxLatencyMs"));
                double loss = decimal(p + ".maxLossPct", field(n, p, "maxLossPct"));
                double jit = decimal(p + ".maxJitterMs", field(n, p, "maxJitterMs"));
                if (b.problems.size() != before) {
                    continue;
                }
                try {
                    SlaClass s = new SlaClass(name, lat, loss, jit);
                    if (!names.add(s.name())) {
                        problem(p + ".name", "duplicate SLA class '" + s.name() + "'");
                    }
                    out.add(s);
                } catch (ValidationException e) {
                    problem(p + "." + e.field(), e.detail());
                }
            }
            return out;
        }

        private String field(JsonNode obj, String parent, String key) {
            return scalar(parent + "." + key, obj.get(key));
        }

        private double decimal(String path, String s) {
            if (s == null) {
                return 0;
            }
            try {
                double v = Double.parseDouble(s.trim());
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                problem(path, "must be a number, was '" + s + "'");
                return 0;
            }
        }
    }
}
