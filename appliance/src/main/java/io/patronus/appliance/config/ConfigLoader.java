package io.patronus.appliance.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.patronus.common.units.Units;
import io.patronus.model.Check;
import io.patronus.model.Endpoint;
import io.patronus.model.Link;
import io.patronus.model.SlaClass;
import io.patronus.model.ValidationException;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds an {@link ApplianceConfig} from three layers, later ones winning: the embedded {@code defaults.yaml}, an
 * optional YAML file, and {@code PATRONUS_*} environment variables for scalar keys ({@code api.tokenTtl} is
 * {@code PATRONUS_API_TOKEN_TTL}). Mappings merge key by key; lists ({@code links}, {@code slaClasses}) replace.
 *
 * <p>What it guarantees. Either a fully validated configuration or a {@link ConfigException} listing <em>every</em>
 * problem it could find, each with where it is ({@code file:line:column}, {@code env PATRONUS_X} or
 * {@code defaults}), which key ({@code links[1].colour}) and what would be right. Nothing else escapes: a file of
 * random bytes gives problems, never an {@code IOException}, a YAML library exception or a stack overflow.
 *
 * <p>How. jackson-dataformat-yaml's streaming parser reads the file into a tree while recording the position of
 * every key and value by its dotted path; scalars stay text so that numbers, durations and sizes are parsed here
 * with messages naming the value. Unknown keys are reported (with the nearest known key) and dropped before the
 * merge, a mapping written as a list or a scalar is reported and the default kept, so that one mistake yields one
 * problem and does not hide or cascade into others. Values are then bound field by field, the model records
 * ({@link Link}, {@link SlaClass}) validating each field on its own, so a link with three bad fields yields three
 * problems. Only a YAML syntax error stops the pass, because nothing after it can be trusted.
 *
 * <p>Environment. A variable that names a scalar key overrides it. {@link #NOT_CONFIG} lists variables of the CLI
 * and launch scripts that are ignored. Any other {@code PATRONUS_*} variable is a problem when it looks like a
 * setting, that is when it starts like one ({@code PATRONUS_API_*}, {@code PATRONUS_WAL_*}, ...) or is within two
 * edits of one ({@code PATRONUS_DATADIR}): a misspelt override that silently does nothing is worse than a refusal to
 * start. Variables that look like nothing of ours ({@code PATRONUS_LOG_COLOR}) are ignored.
 *
 * <p>Thread-safety: all methods are static and may be called from any thread.
 */
public final class ConfigLoader {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final String DEFAULTS = "defaults.yaml";
    /** Deeper than any real key (links[0].name is 3); a bound so that hostile nesting cannot overflow the stack. */
    private static final int MAX_DEPTH = 64;
    /** Far above any real configuration; a bound so that a wrong --config (a disk image) fails fast. */
    private static final long MAX_FILE_BYTES = 1L << 20;

    /** Environment variables that start with PATRONUS_ but belong to the CLI or the launch scripts, not to config. */
    public static final Set<String> NOT_CONFIG = Set.of("PATRONUS_API_URL", "PATRONUS_TOKEN_FILE", "PATRONUS_JAVA_HOME",
            "PATRONUS_JVM_OPTS");

    /** The keys of every mapping, in file order, by shape: "" is the top level, "links[]" an entry of links. */
    static final Map<String, List<String>> MAPPINGS = Map.of(
            "", List.of("site", "api", "dataDir", "dataPlane", "wal", "history", "failover", "federation", "links", "slaClasses"),
            "site", List.of("id", "name", "location"),
            "api", List.of("host", "port", "tokenTtl"),
            "dataPlane", List.of("mode", "lanInterface", "bpfPinDir", "classifierAttach"),
            "wal", List.of("segmentBytes", "maxBatchWait", "maxBatchBytes", "checkpointEvery"),
            "history", List.of("rawRetention", "aggregateRetention"),
            "failover", List.of("probeInterval", "detectMultiplier", "recoveryProbes", "probePort", "slaClass", "failbackHold"),
            "federation", List.of("enabled", "bootstrapFile", "serial", "confirmTimeout", "heartbeatInterval", "longPollWait"),
            "links[]", List.of("name", "iface", "colour", "priority", "bandwidthKbps"),
            "slaClasses[]", List.of("name", "maxLatencyMs", "maxLossPct", "maxJitterMs", "probeIntervalMs", "detectMultiplier"));

    /** The top-level lists; they can only be set in the file. */
    static final List<String> LISTS = List.of("links", "slaClasses");

    /** Every scalar key, in file order; each can be overridden by {@link #envName its variable}. */
    public static final List<String> SCALAR_KEYS = List.of("site.id", "site.name", "site.location", "api.host", "api.port",
            "api.tokenTtl", "dataDir", "dataPlane.mode", "dataPlane.lanInterface", "dataPlane.bpfPinDir",
            "dataPlane.classifierAttach", "wal.segmentBytes", "wal.maxBatchWait", "wal.maxBatchBytes",
            "wal.checkpointEvery", "history.rawRetention", "history.aggregateRetention", "failover.probeInterval", "failover.detectMultiplier",
            "failover.recoveryProbes", "failover.probePort", "failover.slaClass", "failover.failbackHold",
            "federation.enabled", "federation.bootstrapFile", "federation.serial", "federation.confirmTimeout",
            "federation.heartbeatInterval", "federation.longPollWait");

    private static final Pattern FILE_POSITION = Pattern.compile(":(\\d+):(\\d+)$");

    private ConfigLoader() {
    }

    /** Linux interface names: 1-15 characters, no '/', ':' or whitespace (empty means "none" where optional). */
    static String interfaceName(String s) {
        if (!s.isEmpty() && (s.length() > 15 || !s.matches("[A-Za-z0-9_.@-]+") || s.equals(".") || s.equals(".."))) {
            throw new ValidationException("lanInterface", "interface", "must be a Linux interface name of 1-15 letters, digits or _.@-, was '"
                    + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'");
        }
        return s;
    }

    /**
     * A device serial: empty (detect it), or 1-64 printable ASCII characters without {@code , + = " \\ < > ; /}, so
     * that it reads the same in a certificate subject ({@code CN=<serial>}), a file name and a log line.
     */
    static String serial(String s) {
        if (!s.isEmpty() && (s.length() > 64 || !s.matches("[A-Za-z0-9._:#@()-]+"))) {
            throw new ValidationException("serial", "format", "must be 1-64 letters, digits or ._:#@()- (empty: detect it), was '"
                    + clip(s) + "'");
        }
        return s;
    }

    /** The environment variable that overrides a dotted key: {@code api.tokenTtl} is {@code PATRONUS_API_TOKEN_TTL}. */
    public static String envName(String key) {
        return "PATRONUS_" + key.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /**
     * Loads and validates the configuration: the embedded defaults, then {@code file} when present, then {@code env}.
     *
     * @throws ConfigException listing every problem found
     */
    public static ApplianceConfig load(Optional<Path> file, Map<String, String> env) {
        Build b = build(file, env);
        if (!b.problems.isEmpty()) {
            throw new ConfigException(b.sortedProblems());
        }
        return b.config;
    }

    /** Every problem of {@code file} with {@code env} applied, in file order; empty when the configuration is valid. */
    public static List<ConfigProblem> validate(Path file, Map<String, String> env) {
        return build(Optional.of(file), env).sortedProblems();
    }

    /** The state of one load: positions of values, problems so far, and the keys already blamed for one. */
    private static final class Build {
        final List<ConfigProblem> problems = new ArrayList<>();
        /** Position of every value by dotted path, and of every key under {@code path + KEY}. */
        final Map<String, String> locations = new HashMap<>();
        /** Values the parser already reported and replaced by null; the binder does not report them again. */
        final Set<String> blamed = new HashSet<>();
        ApplianceConfig config;

        void problem(String location, String path, String message) {
            if (!isBlamed(path)) {
                problems.add(new ConfigProblem(location, path, message));
            }
        }

        /** Reports a value that is then dropped, so that nothing at or below {@code path} is reported again. */
        void blame(String location, String path, String message) {
            problem(location, path, message);
            blamed.add(path);
        }

        boolean isBlamed(String path) {
            for (String p = path; ; p = parent(p)) {
                if (blamed.contains(p)) {
                    return true;
                }
                if (p.isEmpty()) {
                    return false;
                }
            }
        }

        /** Where the value at {@code path} came from: its own position, else its nearest ancestor's. */
        String location(String path) {
            for (String p = path; ; p = parent(p)) {
                String l = locations.get(p);
                if (l != null) {
                    return l;
                }
                if (p.isEmpty()) {
                    return "defaults";
                }
            }
        }

        /** File problems in file order (line, column), then environment problems, then defaults. */
        List<ConfigProblem> sortedProblems() {
            List<ConfigProblem> out = new ArrayList<>(problems);
            out.sort(Comparator.comparing(ConfigLoader::sortKey));
            return List.copyOf(out);
        }
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    private static String sortKey(ConfigProblem p) {
        Matcher m = FILE_POSITION.matcher(p.location());
        if (m.find()) {
            return String.format("0%s|%010d|%010d", p.location().substring(0, m.start()), Long.parseLong(m.group(1)),
                    Long.parseLong(m.group(2)));
        }
        return (p.location().startsWith("env") ? "1" : "2") + p.location();
    }

    private static Build build(Optional<Path> file, Map<String, String> env) {
        Build b = new Build();
        ObjectNode merged = defaults();
        if (file.isPresent()) {
            Path f = file.get();
            String name = f.toString();
            if (!Files.isRegularFile(f)) {
                b.problem(name, "(file)", Files.exists(f) ? "is not a regular file" : "does not exist");
                return b;
            }
            Optional<String> text = readText(f, name, b);
            if (text.isEmpty()) {
                return b;
            }
            JsonNode user = Located.parse(text.get(), name, b.locations, b);
            if (user == null) {
                return b; // a syntax error: nothing after it can be trusted
            }
            if (user.isObject()) {
                dropUnknownKeys(user, "", b);
                merge(merged, (ObjectNode) user, "", b);
            } else if (!user.isNull()) {
                b.problem(b.location(""), "(top level)", "must be a mapping of keys (" + String.join(", ", MAPPINGS.get(""))
                        + "), was " + kind(user));
                return b;
            }
        }
        applyEnv(merged, env, b);
        new Binder(merged, b).bind();
        return b;
    }

    /**
     * The file as text, or empty after reporting why it cannot be: too large, unreadable, or not UTF-8 (located at
     * the first bad byte). Decoding here rather than in the YAML reader gives a position for encoding errors.
     */
    private static Optional<String> readText(Path f, String name, Build b) {
        byte[] bytes;
        try {
            long size = Files.size(f);
            if (size > MAX_FILE_BYTES) {
                b.problem(name, "(file)", "is " + size + " bytes; a configuration file is at most " + Units.size(MAX_FILE_BYTES));
                return Optional.empty();
            }
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            b.problem(name, "(file)", "cannot be read: " + e.getMessage());
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            b.problem(name + ":" + line + ":" + (at - lineStart + 1), "(encoding)", String.format(
                    "is not UTF-8 text: byte 0x%02X at offset %d; save the file as UTF-8", bytes[at] & 0xff, at));
            return Optional.empty();
        }
        String text = out.flip().toString();
        return Optional.of(text.startsWith("\uFEFF") ? text.substring(1) : text);
    }

    private static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("embedded " + DEFAULTS + " is missing from the appliance jar");
            }
            Build scratch = new Build();
            JsonNode n = Located.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULTS, new HashMap<>(), scratch);
            if (n == null || !n.isObject() || !scratch.problems.isEmpty()) {
                throw new IllegalStateException("embedded " + DEFAULTS + " is invalid: " + scratch.problems);
            }
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new IllegalStateException("embedded " + DEFAULTS + " is unreadable", e);
        }
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isObject() ? "a mapping" : n.isNull() ? "empty" : "a single value ('" + clip(n.asText()) + "')";
    }

    static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** Reports keys that no mapping of that shape has, with the nearest known key, and removes them. */
    private static void dropUnknownKeys(JsonNode node, String path, Build b) {
        if (node.isObject()) {
            List<String> known = MAPPINGS.get(path.replaceAll("\\[\\d+]", "[]"));
            if (known == null) {
                return; // a mapping where a scalar belongs: the binder says so
            }
            List<String> unknown = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (!known.contains(e.getKey())) {
                    b.problem(b.locations.getOrDefault(child + Located.KEY, b.location(child)), child,
                            "unknown key" + suggestion(e.getKey(), known) + "; known here: " + String.join(", ", known));
                    unknown.add(e.getKey());
                } else {
                    dropUnknownKeys(e.getValue(), child, b);
                }
            }
            ((ObjectNode) node).remove(unknown);
        } else if (node.isArray() && LISTS.contains(path)) {
            for (int i = 0; i < node.size(); i++) {
                dropUnknownKeys(node.get(i), path + "[" + i + "]", b);
            }
        }
    }

    /**
     * Objects merge key by key; lists and scalars replace. An empty section ({@code api:} with nothing under it)
     * keeps the defaults; a section written as a list or a scalar is a problem and keeps the defaults too.
     */
    private static void merge(ObjectNode base, ObjectNode over, String path, Build b) {
        for (Map.Entry<String, JsonNode> e : over.properties()) {
            String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode old = base.get(e.getKey());
            JsonNode value = e.getValue();
            if (old != null && old.isObject()) {
                if (value.isObject()) {
                    merge((ObjectNode) old, (ObjectNode) value, child, b);
                } else if (!value.isNull()) {
                    b.problem(b.location(child), child, "must be a mapping of " + String.join(", ", MAPPINGS.get(child))
                            + ", was " + kind(value));
                }
            } else {
                base.set(e.getKey(), value);
            }
        }
    }

    private static void applyEnv(ObjectNode root, Map<String, String> env, Build b) {
        Map<String, String> byEnv = new LinkedHashMap<>();
        for (String k : SCALAR_KEYS) {
            byEnv.put(envName(k), k);
        }
        Map<String, String> ours = new TreeMap<>(); // sorted, so that problems come in a stable order
        env.forEach((k, v) -> {
            if (k != null && k.startsWith("PATRONUS_") && !NOT_CONFIG.contains(k)) {
                ours.put(k, v);
            }
        });
        for (Map.Entry<String, String> e : ours.entrySet()) {
            String name = e.getKey();
            String key = byEnv.get(name);
            if (key == null) {
                unknownVariable(name, byEnv.keySet(), b);
                continue;
            }
            String[] parts = key.split("\\.");
            ObjectNode parent = root;
            for (int i = 0; i < parts.length - 1; i++) {
                parent = (ObjectNode) parent.get(parts[i]); // sections are always mappings after the merge
            }
            parent.set(parts[parts.length - 1], TextNode.valueOf(e.getValue() == null ? "" : e.getValue()));
            b.locations.put(key, "env " + name);
            b.blamed.remove(key);
        }
    }

    /** Reports a PATRONUS_ variable that is no setting, when it looks like one (see the class comment). */
    private static void unknownVariable(String name, Set<String> settings, Build b) {
        for (String list : LISTS) {
            if (name.startsWith(envName(list))) {
                b.problem("env " + name, "(environment)", list + " is a list and can only be set in the configuration file");
                return;
            }
        }
        boolean sectionPrefix = MAPPINGS.keySet().stream()
                .filter(k -> !k.isEmpty() && !k.endsWith("[]"))
                .anyMatch(section -> name.startsWith(envName(section) + "_"));
        String suggestion = suggestion(name, settings);
        boolean nearSetting = settings.stream().anyMatch(s -> distance(name, s) <= 2);
        if (sectionPrefix || nearSetting) {
            b.problem("env " + name, "(environment)", "is not a configuration setting" + suggestion
                    + "; settings: " + String.join(", ", settings));
        }
    }

    static String suggestion(String wrong, java.util.Collection<String> known) {
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

    /** Levenshtein distance; inputs are bounded by YAML keys and variable names, so quadratic is fine. */
    static int distance(String a, String b) {
        if (a.length() > 200 || b.length() > 200) {
            return Math.max(a.length(), b.length());
        }
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

    /** Reads one YAML document into a tree, recording the position of every key and value by its dotted path. */
    static final class Located {
        /** Suffix of the location entry of a key itself (the plain path holds its value's location). */
        static final String KEY = "#key";

        private Located() {
        }

        /** The document's tree (a null node when empty), or null after a syntax error, which is then a problem in {@code b}. */
        static JsonNode parse(String text, String name, Map<String, String> locations, Build b) {
            if (text.isBlank()) {
                return JsonNodeFactory.instance.nullNode(); // SnakeYAML would refuse a tab even on an empty line
            }
            try (JsonParser p = YAML.createParser(text)) {
                if (p.nextToken() == null) {
                    return JsonNodeFactory.instance.nullNode();
                }
                JsonNode root = value(p, "", 0, name, locations, b);
                if (p.nextToken() != null) {
                    b.problem(position(name, p.currentTokenLocation()), "(document)",
                            "holds more than one YAML document ('---'); put everything in one");
                    return null;
                }
                return root;
            } catch (JacksonException e) {
                b.problem(syntaxLocation(name, e), "(syntax)", "invalid YAML: " + syntaxMessage(e));
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("reading YAML from a string failed", e); // no I/O happens on a string
            }
        }

        /** Where SnakeYAML saw the problem (Jackson's own location is that of the last good token). */
        private static String syntaxLocation(String name, JacksonException e) {
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                return name + ":" + (m.getProblemMark().getLine() + 1) + ":" + (m.getProblemMark().getColumn() + 1);
            }
            JsonLocation l = e.getLocation();
            return l == null || l.getLineNr() < 1 ? name : position(name, l);
        }

        /** SnakeYAML's problem ("found character '\t' that cannot start any token") and what it was reading then. */
        private static String syntaxMessage(JacksonException e) {
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblem() != null) {
                String context = "";
                if (m.getContext() != null) {
                    context = " (" + firstLine(m.getContext()) + (m.getContextMark() == null ? "" : " from line "
                            + (m.getContextMark().getLine() + 1) + ", column " + (m.getContextMark().getColumn() + 1)) + ")";
                }
                return firstLine(m.getProblem()) + context;
            }
            return firstLine(e.getOriginalMessage());
        }

        private static String position(String name, JsonLocation l) {
            return name + ":" + l.getLineNr() + ":" + l.getColumnNr();
        }

        private static JsonNode value(JsonParser p, String path, int depth, String name, Map<String, String> locations,
                                      Build b) throws IOException {
            String here = position(name, p.currentTokenLocation());
            locations.put(path, here);
            JsonToken t = p.currentToken();
            if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && depth >= MAX_DEPTH) {
                b.blame(here, path, "is nested more than " + MAX_DEPTH + " levels deep");
                p.skipChildren();
                return JsonNodeFactory.instance.nullNode();
            }
            switch (t) {
                case START_OBJECT -> {
                    ObjectNode o = JsonNodeFactory.instance.objectNode();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        String child = path.isEmpty() ? key : path + "." + key;
                        String keyAt = position(name, p.currentTokenLocation());
                        p.nextToken();
                        if (o.has(key)) {
                            b.problem(keyAt, child, "duplicate key (the first is at " + locations.get(child + KEY)
                                    + "; the first is used)");
                            value(p, child + "#dup", depth + 1, name, new HashMap<>(), new Build());
                            continue;
                        }
                        locations.put(child + KEY, keyAt);
                        o.set(key, value(p, child, depth + 1, name, locations, b));
                    }
                    return o;
                }
                case START_ARRAY -> {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    int i = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        a.add(value(p, path + "[" + i + "]", depth + 1, name, locations, b));
                        i++;
                    }
                    return a;
                }
                case VALUE_NULL -> {
                    return JsonNodeFactory.instance.nullNode();
                }
                default -> {
                    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                        b.blame(here, path, "uses the YAML alias *" + clip(String.valueOf(p.getText()))
                                + ", which is not supported; write the value out");
                        return JsonNodeFactory.instance.nullNode();
                    }
                    // Keep scalars as text: the binder parses numbers, durations and sizes itself with precise errors.
                    String text = p.getText();
                    return TextNode.valueOf(text == null ? "" : text);
                }
            }
        }

        private static String firstLine(String s) {
            if (s == null) {
                return "unreadable";
            }
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
            ApplianceConfig.SiteIdentity site = new ApplianceConfig.SiteIdentity(
                    text("site.id", s -> Check.id("id", s)),
                    text("site.name", s -> Check.text("name", s, 128)),
                    optionalText("site.location", s -> Check.optionalText("location", s, 256)));
            ApplianceConfig.Api api = new ApplianceConfig.Api(
                    text("api.host", s -> new Endpoint(s, 1).host()),
                    (int) whole("api.port", 0, 65535),
                    duration("api.tokenTtl", Duration.ofMinutes(1), Duration.ofDays(30)));
            Path dataDir = directory("dataDir");
            ApplianceConfig.DataPlaneMode mode = dataPlaneMode("dataPlane.mode");
            String lan = optionalText("dataPlane.lanInterface", ConfigLoader::interfaceName);
            Path pinDir = directory("dataPlane.bpfPinDir");
            ApplianceConfig.ClassifierAttach attach = classifierAttach("dataPlane.classifierAttach");
            ApplianceConfig.Wal wal = new ApplianceConfig.Wal(
                    size("wal.segmentBytes", 64L << 10, 1L << 30),
                    duration("wal.maxBatchWait", Duration.ZERO, Duration.ofSeconds(1)),
                    size("wal.maxBatchBytes", 4L << 10, 64L << 20),
                    (int) whole("wal.checkpointEvery", 1, 10_000_000));
            ApplianceConfig.History history = new ApplianceConfig.History(
                    duration("history.rawRetention", Duration.ofMinutes(1), Duration.ofDays(30)),
                    duration("history.aggregateRetention", Duration.ofHours(1), Duration.ofDays(3650)));
            ApplianceConfig.Failover failover = new ApplianceConfig.Failover(
                    duration("failover.probeInterval", Duration.ofMillis(10), Duration.ofSeconds(10)),
                    (int) whole("failover.detectMultiplier", SlaClass.MIN_DETECT_MULTIPLIER, SlaClass.MAX_DETECT_MULTIPLIER),
                    (int) whole("failover.recoveryProbes", 1, 10_000),
                    (int) whole("failover.probePort", 1, 65535),
                    text("failover.slaClass", v -> Check.id("slaClass", v)),
                    duration("failover.failbackHold", Duration.ZERO, Duration.ofDays(1)));
            ApplianceConfig.Federation federation = new ApplianceConfig.Federation(
                    federationMode("federation.enabled"),
                    file("federation.bootstrapFile"),
                    optionalText("federation.serial", ConfigLoader::serial),
                    duration("federation.confirmTimeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                    duration("federation.heartbeatInterval", Duration.ofSeconds(1), Duration.ofHours(1)),
                    duration("federation.longPollWait", Duration.ofSeconds(1), Duration.ofSeconds(60)));
            List<Link> links = links();
            List<SlaClass> slas = slaClasses();
            // "default" (the embedded value) falls back to the first class when a file's list has none of that name.
            if (!failover.slaClass().equals("default") && !slas.isEmpty()
                    && slas.stream().noneMatch(x -> x.name().equals(failover.slaClass()))) {
                problem("failover.slaClass", "must name one of the slaClasses (" + String.join(", ",
                        slas.stream().map(SlaClass::name).toList()) + "), was '" + clip(failover.slaClass()) + "'");
            }
            if (b.problems.isEmpty()) {
                b.config = new ApplianceConfig(site, api, dataDir, new ApplianceConfig.DataPlane(mode, lan, pinDir, attach), wal, history, failover,
                        federation, links, slas);
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
            b.problem(b.location(path), path, message);
        }

        /** The text of a scalar, or null (with a problem) when it is missing or not a scalar. */
        private String scalar(String path, JsonNode n, boolean mayBeEmpty) {
            if (n == null || n.isMissingNode()) {
                problem(path, "is required");
                return null;
            }
            if (n.isNull()) {
                if (mayBeEmpty) {
                    return "";
                }
                // An empty value has no position of its own worth showing (it is the end of the line): show the key.
                b.problem(b.locations.getOrDefault(path + Located.KEY, b.location(path)), path,
                        "has no value; remove the key to keep the default");
                return null;
            }
            if (!n.isValueNode()) {
                problem(path, "must be a single value, was " + kind(n));
                return null;
            }
            return n.asText();
        }

        /** A text checked by the model; its ValidationException becomes a problem at this key. */
        private String text(String path, Function<String, String> check) {
            return checked(path, scalar(path, node(path), false), check);
        }

        private String optionalText(String path, Function<String, String> check) {
            return checked(path, scalar(path, node(path), true), check);
        }

        private String checked(String path, String s, Function<String, String> check) {
            if (s == null) {
                return "";
            }
            // codePoints() pairs surrogates up; what is left unpaired is no character (and no YAML can hold it).
            if (s.codePoints().anyMatch(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                problem(path, "must be valid Unicode text (it holds a lone surrogate)");
                return s;
            }
            try {
                return check.apply(s);
            } catch (ValidationException e) {
                problem(path, e.detail());
                return s;
            }
        }

        private long whole(String path, long min, long max) {
            BigInteger v = wholeNumber(path, scalar(path, node(path), false));
            if (v == null) {
                return min;
            }
            if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
                problem(path, "must be between " + min + " and " + max + ", was " + v);
                return min;
            }
            return v.longValueExact();
        }

        /** A whole number of any size, or null (with a problem) when the text is not one. */
        private BigInteger wholeNumber(String path, String s) {
            if (s == null) {
                return null;
            }
            String t = s.trim();
            if (t.length() > 40 || !t.matches("[-+]?[0-9]+")) {
                problem(path, "must be a whole number, was '" + clip(s) + "'");
                return null;
            }
            return new BigInteger(t);
        }

        private Duration duration(String path, Duration min, Duration max) {
            String s = scalar(path, node(path), false);
            if (s == null) {
                return min;
            }
            Optional<Duration> d = Units.duration(s);
            if (d.isEmpty()) {
                problem(path, "must be a duration like 250ms, 30s, 15m, 12h or 7d, was '" + clip(s) + "'");
                return min;
            }
            if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
                problem(path, "must be between " + Units.duration(min) + " and " + Units.duration(max) + ", was " + s.trim());
                return min;
            }
            return d.get();
        }

        private long size(String path, long min, long max) {
            String s = scalar(path, node(path), false);
            if (s == null) {
                return min;
            }
            Optional<Long> v = Units.size(s);
            if (v.isEmpty()) {
                problem(path, "must be a size like 65536, 64KiB, 64MiB or 1GiB, was '" + clip(s) + "'");
                return min;
            }
            if (v.get() < min || v.get() > max) {
                problem(path, "must be between " + Units.size(min) + " and " + Units.size(max) + ", was " + s.trim());
                return min;
            }
            return v.get();
        }

        private Path directory(String path) {
            String s = scalar(path, node(path), false);
            if (s == null) {
                return Path.of("").toAbsolutePath();
            }
            if (s.isBlank()) {
                problem(path, "must not be empty; use . for the working directory");
                return Path.of("").toAbsolutePath();
            }
            try {
                return Path.of(s).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                problem(path, "is not a valid path: " + e.getReason());
                return Path.of("").toAbsolutePath();
            }
        }

        /** A file path made absolute; unlike a directory it may not exist yet. */
        private Path file(String path) {
            String s = scalar(path, node(path), false);
            if (s == null) {
                return Path.of("").toAbsolutePath();
            }
            if (s.isBlank()) {
                problem(path, "must not be empty");
                return Path.of("").toAbsolutePath();
            }
            try {
                return Path.of(s).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                problem(path, "is not a valid path: " + e.getReason());
                return Path.of("").toAbsolutePath();
            }
        }

        private ApplianceConfig.FederationMode federationMode(String path) {
            String s = scalar(path, node(path), false);
            if (s != null) {
                for (ApplianceConfig.FederationMode m : ApplianceConfig.FederationMode.values()) {
                    if (m.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
                        return m;
                    }
                }
                problem(path, "must be one of " + String.join(", ", Arrays.stream(ApplianceConfig.FederationMode.values())
                        .map(ApplianceConfig.FederationMode::wire).toList()) + ", was '" + clip(s) + "'");
            }
            return ApplianceConfig.FederationMode.AUTO;
        }

        private ApplianceConfig.DataPlaneMode dataPlaneMode(String path) {
            String s = scalar(path, node(path), false);
            if (s != null) {
                for (ApplianceConfig.DataPlaneMode m : ApplianceConfig.DataPlaneMode.values()) {
                    if (m.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
                        return m;
                    }
                }
                problem(path, "must be one of " + String.join(", ", Arrays.stream(ApplianceConfig.DataPlaneMode.values())
                        .map(ApplianceConfig.DataPlaneMode::wire).toList()) + ", was '" + clip(s) + "'");
            }
            return ApplianceConfig.DataPlaneMode.AUTO;
        }

        private ApplianceConfig.ClassifierAttach classifierAttach(String path) {
            String s = scalar(path, node(path), false);
            if (s != null) {
                for (ApplianceConfig.ClassifierAttach a : ApplianceConfig.ClassifierAttach.values()) {
                    if (a.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
                        return a;
                    }
                }
                problem(path, "must be one of " + String.join(", ", Arrays.stream(ApplianceConfig.ClassifierAttach.values())
                        .map(ApplianceConfig.ClassifierAttach::wire).toList()) + ", was '" + clip(s) + "'");
            }
            return ApplianceConfig.ClassifierAttach.AUTO;
        }

        /** The entries of a top-level list; a problem when it is missing, empty or not a list. */
        private List<JsonNode> list(String path) {
            JsonNode n = root.get(path);
            List<String> fields = MAPPINGS.get(path + "[]");
            if (n == null || n.isNull()) {
                problem(path, "must list at least one entry (each with " + String.join(", ", fields) + ")");
                return List.of();
            }
            if (!n.isArray()) {
                problem(path, "must be a list of entries with " + String.join(", ", fields) + ", was " + kind(n));
                return List.of();
            }
            if (n.isEmpty()) {
                problem(path, "must list at least one entry (each with " + String.join(", ", fields) + ")");
                return List.of();
            }
            List<JsonNode> out = new ArrayList<>();
            n.forEach(out::add);
            for (int i = 0; i < out.size(); i++) {
                if (!out.get(i).isObject()) {
                    problem(path + "[" + i + "]", "must be a mapping with " + String.join(", ", fields) + ", was " + kind(out.get(i)));
                    out.set(i, null);
                }
            }
            return out;
        }

        /** One text field of a list entry, validated on its own by the model record through {@code check}. */
        private String entryText(JsonNode entry, String path, Function<String, ?> check) {
            String s = scalar(path, entry.get(path.substring(path.lastIndexOf('.') + 1)), false);
            if (s == null) {
                return null;
            }
            try {
                check.apply(s);
                return s;
            } catch (ValidationException e) {
                problem(path, e.detail());
                return null;
            }
        }

        /** One whole-number field of a list entry, its range checked by the model record through {@code check}. */
        private Long entryWhole(JsonNode entry, String path, LongFunction<?> check) {
            BigInteger v = wholeNumber(path, scalar(path, entry.get(path.substring(path.lastIndexOf('.') + 1)), false));
            if (v == null) {
                return null;
            }
            // Past the range of long, hand the model the nearest long: it rejects it with the right bounds.
            long l = v.bitLength() < 64 ? v.longValue() : v.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            try {
                check.apply(l);
                return l;
            } catch (ValidationException e) {
                problem(path, e.detail().replaceFirst("was -?\\d+$", "was " + v));
                return null;
            }
        }

        /**
         * An optional whole-number field of a list entry: empty when the key is absent, null (a problem reported) when
         * its value is bad, as {@link #entryWhole}.
         */
        private OptionalInt optionalEntryWhole(JsonNode entry, String path, LongFunction<?> check) {
            if (!entry.has(path.substring(path.lastIndexOf('.') + 1))) {
                return OptionalInt.empty();
            }
            Long v = entryWhole(entry, path, check);
            return v == null ? null : OptionalInt.of(v.intValue());
        }

        /** One decimal field of a list entry, its range checked by the model record through {@code check}. */
        private Double entryDecimal(JsonNode entry, String path, Function<Double, ?> check) {
            String s = scalar(path, entry.get(path.substring(path.lastIndexOf('.') + 1)), false);
            if (s == null) {
                return null;
            }
            double d;
            String t = s.trim();
            // Plain decimals only: Double.parseDouble alone would also take NaN, Infinity, 0x1p3 and 1d.
            if (t.length() > 40 || !t.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,5})?")) {
                problem(path, "must be a number, was '" + clip(s) + "'");
                return null;
            }
            d = Double.parseDouble(t);
            try {
                check.apply(d);
                return d;
            } catch (ValidationException e) {
                problem(path, e.detail());
                return null;
            }
        }

        private static int narrow(long v) {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
        }

        /** Reports the second and later uses of a value that must be unique across the list, naming the first. */
        private void unique(Map<String, Integer> seen, String value, int index, String list, String field, String what) {
            if (value == null) {
                return;
            }
            Integer first = seen.putIfAbsent(value, index);
            if (first != null) {
                problem(list + "[" + index + "]." + field, "duplicate " + what + " '" + value + "': " + list + "[" + first
                        + "] already has it");
            }
        }

        private List<Link> links() {
            List<Link> out = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            Map<String, Integer> colours = new HashMap<>();
            List<JsonNode> items = list("links");
            for (int i = 0; i < items.size(); i++) {
                JsonNode n = items.get(i);
                if (n == null) {
                    continue;
                }
                String p = "links[" + i + "].";
                // Each field is checked by the model on its own, the others set to valid placeholders, so that every
                // bad field of a link is reported and not only the first the constructor meets.
                String name = entryText(n, p + "name", v -> new Link(v, "eth0", "x", 0, 1));
                String iface = entryText(n, p + "iface", v -> new Link("x", v, "x", 0, 1));
                String colour = entryText(n, p + "colour", v -> new Link("x", "eth0", v, 0, 1));
                Long priority = entryWhole(n, p + "priority", v -> new Link("x", "eth0", "x", narrow(v), 1));
                Long bandwidth = entryWhole(n, p + "bandwidthKbps", v -> new Link("x", "eth0", "x", 0, v));
                unique(names, name, i, "links", "name", "link name");
                unique(colours, colour, i, "links", "colour", "colour");
                if (name != null && iface != null && colour != null && priority != null && bandwidth != null) {
                    out.add(new Link(name, iface, colour, priority.intValue(), bandwidth));
                }
            }
            return out;
        }

        private List<SlaClass> slaClasses() {
            List<SlaClass> out = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            List<JsonNode> items = list("slaClasses");
            for (int i = 0; i < items.size(); i++) {
                JsonNode n = items.get(i);
                if (n == null) {
                    continue;
                }
                String p = "slaClasses[" + i + "].";
                String name = entryText(n, p + "name", v -> new SlaClass(v, 100, 1, 10));
                Double latency = entryDecimal(n, p + "maxLatencyMs", v -> new SlaClass("x", v, 1, 10));
                Double loss = entryDecimal(n, p + "maxLossPct", v -> new SlaClass("x", 100, v, 10));
                Double jitter = entryDecimal(n, p + "maxJitterMs", v -> new SlaClass("x", 100, 1, v));
                // Optional: a class without them probes at failover.probeInterval and failover.detectMultiplier.
                OptionalInt interval = optionalEntryWhole(n, p + "probeIntervalMs",
                        v -> new SlaClass("x", 100, 1, 10, OptionalInt.of(narrow(v)), OptionalInt.empty()));
                OptionalInt multiplier = optionalEntryWhole(n, p + "detectMultiplier",
                        v -> new SlaClass("x", 100, 1, 10, OptionalInt.empty(), OptionalInt.of(narrow(v))));
                unique(names, name, i, "slaClasses", "name", "SLA class");
                if (name != null && latency != null && loss != null && jitter != null && interval != null && multiplier != null) {
                    out.add(new SlaClass(name, latency, loss, jitter, interval, multiplier));
                }
            }
            return out;
        }
    }
}
