package io.patronus.controller.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The controller's validated configuration, from {@link ConfigLoader} (embedded defaults, a YAML file,
 * {@code PATRONUS_CONTROLLER_*} variables) or, in tests, from {@link #builder()}. Immutable.
 *
 * @param host                      address the HTTPS socket binds
 * @param port                      its port; 0 picks a free one (tests)
 * @param dataDir                   absolute directory of the store, the log and {@code secrets/}
 * @param publicUrl                 the URL appliances are told to use; derived from host, tlsNames and port when empty
 * @param tlsNames                  DNS names and IP addresses in the server certificate (never empty once loaded)
 * @param organisation              the fleet operator's name, shown in the CA's subject; also the name of the first
 *                                  organisation ({@code default}), which a new controller starts with and which a store
 *                                  from before organisations moves into
 * @param deviceCertificateValidity validity of a device certificate (renewal at two thirds)
 * @param serverCertificateValidity validity of the server certificate (re-issued at every start)
 * @param tokenTtl                  default lifetime of an enrolment token
 * @param heartbeatInterval         the appliances' heartbeat; offline after three missed
 * @param rolloutWaves              cumulative waves of a group rollout: {@code "N"} appliances or {@code "P%"}
 * @param rolloutGateTimeout        how long a released wave may take to become healthy before the rollout halts
 * @param keyRotationInterval       a site's WireGuard key is rotated once it is this old; zero turns automatic rotation off
 * @param keyRotationGrace          how long peers keep a rotated site's old key (without allowed IPs) after the switch
 * @param walSegmentBytes           write-ahead log segment size
 * @param checkpointEvery           changes between store checkpoints
 * @param telemetryRetention        telemetry events older than this (by receipt) are removed; zero keeps them forever
 * @param auditRetention            audit records older than this are removed; zero keeps them forever
 */
public record ControllerConfig(String host, int port, Path dataDir, Optional<URI> publicUrl, List<String> tlsNames,
                               String organisation, Duration deviceCertificateValidity,
                               Duration serverCertificateValidity, Duration tokenTtl, Duration heartbeatInterval,
                               List<String> rolloutWaves, Duration rolloutGateTimeout, Duration keyRotationInterval,
                               Duration keyRotationGrace, long walSegmentBytes, int checkpointEvery,
                               Duration telemetryRetention, Duration auditRetention) {
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-zA-Z0-9*]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");
    private static final Pattern WAVE = Pattern.compile("(\\d{1,6})(%?)");

    public ControllerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        dataDir = dataDir.toAbsolutePath().normalize();
        Objects.requireNonNull(publicUrl, "publicUrl");
        tlsNames = List.copyOf(tlsNames);
        Objects.requireNonNull(organisation, "organisation");
        Objects.requireNonNull(deviceCertificateValidity, "deviceCertificateValidity");
        Objects.requireNonNull(serverCertificateValidity, "serverCertificateValidity");
        Objects.requireNonNull(tokenTtl, "tokenTtl");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        rolloutWaves = List.copyOf(rolloutWaves);
        Objects.requireNonNull(rolloutGateTimeout, "rolloutGateTimeout");
        Objects.requireNonNull(keyRotationInterval, "keyRotationInterval");
        Objects.requireNonNull(keyRotationGrace, "keyRotationGrace");
        Objects.requireNonNull(telemetryRetention, "telemetryRetention");
        Objects.requireNonNull(auditRetention, "auditRetention");
    }

    /** The secrets directory: CA key, signing key, admin token. */
    public Path secretsDir() {
        return dataDir.resolve("secrets");
    }

    /** The DNS names among {@link #tlsNames()}. */
    public List<String> tlsDnsNames() {
        return tlsNames.stream().filter(n -> !isIpLiteral(n)).toList();
    }

    /** The IP addresses among {@link #tlsNames()}. */
    public List<String> tlsIpAddresses() {
        return tlsNames.stream().filter(ControllerConfig::isIpLiteral).toList();
    }

    /** The key/value view shown by {@code serve --validate} and the admin info route. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("port", port);
        m.put("dataDir", dataDir.toString());
        m.put("publicUrl", publicUrl.map(URI::toString).orElse(""));
        m.put("tlsNames", tlsNames);
        m.put("organisation", organisation);
        m.put("deviceCertificateValidity", Units.duration(deviceCertificateValidity));
        m.put("serverCertificateValidity", Units.duration(serverCertificateValidity));
        m.put("tokenTtl", Units.duration(tokenTtl));
        m.put("heartbeatInterval", Units.duration(heartbeatInterval));
        m.put("rolloutWaves", rolloutWaves);
        m.put("rolloutGateTimeout", Units.duration(rolloutGateTimeout));
        m.put("keyRotationInterval", Units.duration(keyRotationInterval));
        m.put("keyRotationGrace", Units.duration(keyRotationGrace));
        m.put("walSegmentBytes", walSegmentBytes);
        m.put("checkpointEvery", checkpointEvery);
        m.put("telemetryRetention", Units.duration(telemetryRetention));
        m.put("auditRetention", Units.duration(auditRetention));
        return m;
    }

    /** Every rule a loaded or built configuration must meet: key to what is wrong; empty when valid. */
    static Map<String, String> problems(ControllerConfig c) {
        Map<String, String> p = new LinkedHashMap<>();
        if (c.host.isBlank()) {
            p.put("host", "must be an address to bind, such as 0.0.0.0 or 127.0.0.1");
        }
        if (c.port < 0 || c.port > 65535) {
            p.put("port", "must be between 0 and 65535 (0 picks a free port), was " + c.port);
        }
        c.publicUrl.ifPresent(u -> {
            if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                p.put("publicUrl", "must be an https URL with a host, such as https://controller.example.net:8443, was " + u);
            }
        });
        if (c.tlsNames.isEmpty()) {
            p.put("tlsNames", "must name at least one DNS name or IP address for the server certificate");
        }
        for (int i = 0; i < c.tlsNames.size(); i++) {
            String n = c.tlsNames.get(i);
            if (!isIpLiteral(n) && !DNS_NAME.matcher(n).matches()) {
                p.put("tlsNames[" + i + "]", "must be a DNS name or an IP address, was '" + clip(n) + "'");
            }
        }
        if (c.organisation.isBlank() || c.organisation.length() > 64 || c.organisation.chars().anyMatch(Character::isISOControl)) {
            p.put("organisation", "must be 1-64 printable characters");
        }
        atLeast(p, "deviceCertificateValidity", c.deviceCertificateValidity, Duration.ofMinutes(3));
        atLeast(p, "serverCertificateValidity", c.serverCertificateValidity, Duration.ofHours(1));
        atLeast(p, "tokenTtl", c.tokenTtl, Duration.ofMinutes(1));
        atLeast(p, "heartbeatInterval", c.heartbeatInterval, Duration.ofSeconds(1));
        atLeast(p, "rolloutGateTimeout", c.rolloutGateTimeout, Duration.ofSeconds(1));
        if (!c.keyRotationInterval.isZero() && c.keyRotationInterval.compareTo(Duration.ofHours(1)) < 0) {
            p.put("keyRotationInterval", "must be 0 (no automatic rotation) or at least 1h, was "
                    + Units.duration(c.keyRotationInterval));
        }
        if (c.keyRotationGrace.isNegative() || c.keyRotationGrace.compareTo(Duration.ofDays(30)) > 0) {
            p.put("keyRotationGrace", "must be between 0s and 30d, was " + Units.duration(c.keyRotationGrace));
        }
        String waves = wavesProblem(c.rolloutWaves);
        if (waves != null) {
            p.put("rolloutWaves", waves);
        }
        if (c.walSegmentBytes < 4096 || c.walSegmentBytes > (1L << 30)) {
            p.put("walSegmentBytes", "must be between 4KiB and 1GiB, was " + c.walSegmentBytes);
        }
        if (c.checkpointEvery < 1 || c.checkpointEvery > 1_000_000) {
            p.put("checkpointEvery", "must be between 1 and 1000000, was " + c.checkpointEvery);
        }
        retention(p, "telemetryRetention", c.telemetryRetention);
        retention(p, "auditRetention", c.auditRetention);
        return p;
    }

    /** Why a wave list is wrong, or null: each "N" (N >= 1) or "P%" (1..100), cumulative, the last "100%". */
    public static String wavesProblem(List<String> waves) {
        if (waves.isEmpty()) {
            return "must list at least one wave, such as [\"1\", \"50%\", \"100%\"]";
        }
        for (String w : waves) {
            var m = WAVE.matcher(w.trim());
            if (!m.matches()) {
                return "wave '" + clip(w) + "' must be a number of appliances (\"1\") or a percentage (\"50%\")";
            }
            long n = Long.parseLong(m.group(1));
            if (n < 1 || !m.group(2).isEmpty() && n > 100) {
                return "wave '" + w + "' must be at least 1 appliance, or a percentage between 1% and 100%";
            }
        }
        if (!waves.getLast().trim().equals("100%")) {
            return "the last wave must be \"100%\" so that every appliance gets the change, was '" + clip(waves.getLast()) + "'";
        }
        return null;
    }

    private static void retention(Map<String, String> p, String key, Duration d) {
        if (!d.isZero() && d.compareTo(Duration.ofHours(1)) < 0) {
            p.put(key, "must be 0s (keep forever) or at least 1h, was " + Units.duration(d));
        }
    }

    private static void atLeast(Map<String, String> p, String key, Duration d, Duration min) {
        if (d.compareTo(min) < 0) {
            p.put(key, "must be at least " + Units.duration(min) + ", was " + Units.duration(d));
        }
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /** True for an IPv4 or IPv6 literal (never a name lookup). */
    public static boolean isIpLiteral(String s) {
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (s.indexOf(':') >= 0 && s.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == ':' || ch == '.')) {
            try {
                return InetAddress.ofLiteral(s) instanceof Inet6Address;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    /** localhost, 127.0.0.1 and every address of the host's interfaces (IPv6 link-local ones left out). */
    public static List<String> defaultTlsNames() {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                for (InetAddress a : ni.inetAddresses().toList()) {
                    if (a instanceof Inet6Address six && (six.isLinkLocalAddress() || six.getScopeId() != 0)) {
                        continue;
                    }
                    String text = a.getHostAddress();
                    int pct = text.indexOf('%');
                    names.add((pct >= 0 ? text.substring(0, pct) : text).toLowerCase(Locale.ROOT));
                }
            }
        } catch (SocketException e) {
            // Without the interface list the loopback names still make a usable certificate for local use.
        }
        return List.copyOf(names);
    }

    /** A builder starting from the embedded defaults; the way tests and embedders make a configuration. */
    public static Builder builder() {
        return new Builder(ConfigLoader.load(Optional.empty(), Map.of()));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link ControllerConfig}; {@link #build()} validates every value and reports every problem. */
    public static final class Builder {
        private String host;
        private int port;
        private Path dataDir;
        private Optional<URI> publicUrl;
        private List<String> tlsNames;
        private String organisation;
        private Duration deviceCertificateValidity;
        private Duration serverCertificateValidity;
        private Duration tokenTtl;
        private Duration heartbeatInterval;
        private List<String> rolloutWaves;
        private Duration rolloutGateTimeout;
        private Duration keyRotationInterval;
        private Duration keyRotationGrace;
        private long walSegmentBytes;
        private int checkpointEvery;
        private Duration telemetryRetention;
        private Duration auditRetention;

        private Builder(ControllerConfig c) {
            host = c.host;
            port = c.port;
            dataDir = c.dataDir;
            publicUrl = c.publicUrl;
            tlsNames = c.tlsNames;
            organisation = c.organisation;
            deviceCertificateValidity = c.deviceCertificateValidity;
            serverCertificateValidity = c.serverCertificateValidity;
            tokenTtl = c.tokenTtl;
            heartbeatInterval = c.heartbeatInterval;
            rolloutWaves = c.rolloutWaves;
            rolloutGateTimeout = c.rolloutGateTimeout;
            keyRotationInterval = c.keyRotationInterval;
            keyRotationGrace = c.keyRotationGrace;
            walSegmentBytes = c.walSegmentBytes;
            checkpointEvery = c.checkpointEvery;
            telemetryRetention = c.telemetryRetention;
            auditRetention = c.auditRetention;
        }

        public Builder host(String v) {
            host = Objects.requireNonNull(v, "host");
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = Objects.requireNonNull(v, "dataDir");
            return this;
        }

        public Builder publicUrl(URI v) {
            publicUrl = Optional.of(v);
            return this;
        }

        public Builder tlsNames(List<String> v) {
            tlsNames = List.copyOf(v);
            return this;
        }

        public Builder organisation(String v) {
            organisation = Objects.requireNonNull(v, "organisation");
            return this;
        }

        public Builder deviceCertificateValidity(Duration v) {
            deviceCertificateValidity = Objects.requireNonNull(v, "deviceCertificateValidity");
            return this;
        }

        public Builder serverCertificateValidity(Duration v) {
            serverCertificateValidity = Objects.requireNonNull(v, "serverCertificateValidity");
            return this;
        }

        public Builder tokenTtl(Duration v) {
            tokenTtl = Objects.requireNonNull(v, "tokenTtl");
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = Objects.requireNonNull(v, "heartbeatInterval");
            return this;
        }

        public Builder rolloutWaves(List<String> v) {
            rolloutWaves = List.copyOf(v);
            return this;
        }

        public Builder rolloutGateTimeout(Duration v) {
            rolloutGateTimeout = Objects.requireNonNull(v, "rolloutGateTimeout");
            return this;
        }

        public Builder keyRotationInterval(Duration v) {
            keyRotationInterval = Objects.requireNonNull(v, "keyRotationInterval");
            return this;
        }

        public Builder keyRotationGrace(Duration v) {
            keyRotationGrace = Objects.requireNonNull(v, "keyRotationGrace");
            return this;
        }

        public Builder walSegmentBytes(long v) {
            walSegmentBytes = v;
            return this;
        }

        public Builder checkpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        public Builder telemetryRetention(Duration v) {
            telemetryRetention = Objects.requireNonNull(v, "telemetryRetention");
            return this;
        }

        public Builder auditRetention(Duration v) {
            auditRetention = Objects.requireNonNull(v, "auditRetention");
            return this;
        }

        /** @throws ConfigException listing every invalid value, each with its key */
        public ControllerConfig build() {
            ControllerConfig c = new ControllerConfig(host, port, dataDir, publicUrl, tlsNames, organisation,
                    deviceCertificateValidity, serverCertificateValidity, tokenTtl, heartbeatInterval, rolloutWaves,
                    rolloutGateTimeout, keyRotationInterval, keyRotationGrace, walSegmentBytes, checkpointEvery,
                    telemetryRetention, auditRetention);
            List<ConfigProblem> found = new ArrayList<>();
            problems(c).forEach((k, m) -> found.add(new ConfigProblem("builder", k, m)));
            if (!found.isEmpty()) {
                throw new ConfigException(found);
            }
            return c;
        }
    }
}
