package io.patronus.appliance.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.patronus.common.units.Units;
import io.patronus.model.Link;
import io.patronus.model.SlaClass;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The appliance's validated configuration, built by {@link ConfigLoader} from the embedded defaults, an optional
 * YAML file and {@code PATRONUS_*} environment variables. Immutable; no component is null.
 *
 * @param site       this appliance's own site identity
 * @param api        where the REST API listens
 * @param dataDir    absolute, normalised directory of the state, the history and the write-ahead log
 * @param dataPlane  which data plane to run
 * @param wal        write-ahead log and checkpoint tuning
 * @param history    how long path health history is kept
 * @param failover   path probing and failover tuning
 * @param federation enrolment with a controller and the signed configuration it sends
 * @param links      the WAN uplinks, at least one, names and colours unique
 * @param slaClasses the service-level classes, at least one, names unique
 */
public record ApplianceConfig(SiteIdentity site, Api api, Path dataDir, DataPlane dataPlane, Wal wal,
                              History history, Failover failover, Federation federation, List<Link> links,
                              List<SlaClass> slaClasses) {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    public ApplianceConfig {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(dataPlane, "dataPlane");
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(federation, "federation");
        links = List.copyOf(links);
        slaClasses = List.copyOf(slaClasses);
    }

    /** The same configuration for another site identity: the one a controller assigned at enrolment. */
    public ApplianceConfig withSite(SiteIdentity newSite) {
        return new ApplianceConfig(newSite, api, dataDir, dataPlane, wal, history, failover, federation, links, slaClasses);
    }

    /** The same configuration with other SLA classes: those of the last committed controller bundle. */
    public ApplianceConfig withSlaClasses(List<SlaClass> newSlaClasses) {
        if (newSlaClasses.isEmpty()) {
            throw new IllegalArgumentException("slaClasses must hold at least one class");
        }
        return new ApplianceConfig(site, api, dataDir, dataPlane, wal, history, failover, federation, links, newSlaClasses);
    }

    /** This appliance's own site: its id in the mesh, a display name and a free-text location ("" when unset). */
    public record SiteIdentity(String id, String name, String location) {
        public SiteIdentity {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(location, "location");
        }
    }

    /** Where the REST API listens and how long its tokens live. Port 0 picks a free port (tests). */
    public record Api(String host, int port, Duration tokenTtl) {
        public Api {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tokenTtl, "tokenTtl");
        }
    }

    /**
     * Which data plane to use: {@code auto} picks kernel WireGuard when the kernel has it.
     *
     * @param lanInterface     the LAN-facing interface the eBPF classifier attaches to (ingress); "" for none
     * @param bpfPinDir        where the classifier's maps and link are pinned (must be on a bpf filesystem)
     * @param classifierAttach how the classifier attaches: auto (tcx when the kernel has it), tcx or clsact
     */
    public record DataPlane(DataPlaneMode mode, String lanInterface, Path bpfPinDir, ClassifierAttach classifierAttach) {
        public DataPlane {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(lanInterface, "lanInterface");
            Objects.requireNonNull(bpfPinDir, "bpfPinDir");
            Objects.requireNonNull(classifierAttach, "classifierAttach");
        }
    }

    /** How the classifier program is attached to the LAN interface. */
    public enum ClassifierAttach {
        AUTO, TCX, CLSACT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The data plane implementations, written in lower case in the configuration. */
    public enum DataPlaneMode {
        AUTO, KERNEL, USERSPACE, MEMORY;

        /** The spelling used in the configuration file and the environment. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Write-ahead log and checkpoint tuning.
     *
     * @param segmentBytes    size of one log segment file
     * @param maxBatchWait    longest a group commit waits for more records before it syncs
     * @param maxBatchBytes   largest group-commit batch
     * @param checkpointEvery mutations between two state checkpoints
     */
    public record Wal(long segmentBytes, Duration maxBatchWait, long maxBatchBytes, int checkpointEvery) {
        public Wal {
            Objects.requireNonNull(maxBatchWait, "maxBatchWait");
        }
    }

    /** How long path health history is kept: raw samples, then 1-minute aggregates. */
    public record History(Duration rawRetention, Duration aggregateRetention) {
        public History {
            Objects.requireNonNull(rawRetention, "rawRetention");
            Objects.requireNonNull(aggregateRetention, "aggregateRetention");
        }
    }

    /**
     * Path probing and failover.
     *
     * @param probeInterval    time between two probes of a path whose SLA class names no {@code probeIntervalMs}
     * @param detectMultiplier probes lost in a row that make a path down, when its SLA class names no
     *                         {@code detectMultiplier}
     * @param recoveryProbes   good probes in a row before a path counts as up again (after its hold-down)
     * @param probePort        UDP port of the probe reflector every appliance runs on its LAN address
     * @param slaClass         the SLA class paths are measured against (one of slaClasses)
     * @param failbackHold     how long a preferred path must stay healthy before traffic moves back to it
     */
    public record Failover(Duration probeInterval, int detectMultiplier, int recoveryProbes, int probePort, String slaClass,
                           Duration failbackHold) {
        public Failover {
            Objects.requireNonNull(probeInterval, "probeInterval");
            Objects.requireNonNull(slaClass, "slaClass");
            Objects.requireNonNull(failbackHold, "failbackHold");
        }
    }

    /**
     * Enrolment with a controller (docs/FEDERATION.md).
     *
     * @param enabled           {@code auto}: federated when the bootstrap file exists or the appliance is already
     *                          enrolled; {@code true}: always (waits for a bootstrap file); {@code false}: never
     * @param bootstrapFile     the JSON file with the controller URL, CA fingerprint and one-time token
     * @param serial            this device's serial; "" detects it (DMI product serial, else the host name)
     * @param confirmTimeout    how long an applied bundle may take to be confirmed before it is rolled back
     * @param heartbeatInterval time between two status reports to the controller
     * @param longPollWait      how long one configuration long-poll waits at the controller for a new bundle
     */
    public record Federation(FederationMode enabled, Path bootstrapFile, String serial, Duration confirmTimeout,
                             Duration heartbeatInterval, Duration longPollWait) {
        public Federation {
            Objects.requireNonNull(enabled, "enabled");
            Objects.requireNonNull(bootstrapFile, "bootstrapFile");
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(confirmTimeout, "confirmTimeout");
            Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
            Objects.requireNonNull(longPollWait, "longPollWait");
        }
    }

    /** Whether the appliance enrols with a controller, written in lower case in the configuration. */
    public enum FederationMode {
        AUTO, TRUE, FALSE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The effective configuration as YAML in the file's own shape and units, for {@code patronus debug dump}; loading
     * it back gives an equal configuration. The configuration holds no secret (passwords and keys live in the
     * state store), so nothing needs redacting; a secret setting added later must be rendered as {@code <redacted>}.
     */
    public String toYaml() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("site", ordered("id", site.id(), "name", site.name(), "location", site.location()));
        root.put("api", ordered("host", api.host(), "port", api.port(), "tokenTtl", Units.duration(api.tokenTtl())));
        root.put("dataDir", dataDir.toString());
        root.put("dataPlane", ordered("mode", dataPlane.mode().wire(), "lanInterface", dataPlane.lanInterface(),
                "bpfPinDir", dataPlane.bpfPinDir().toString(), "classifierAttach", dataPlane.classifierAttach().wire()));
        root.put("wal", ordered("segmentBytes", Units.size(wal.segmentBytes()), "maxBatchWait", Units.duration(wal.maxBatchWait()),
                "maxBatchBytes", Units.size(wal.maxBatchBytes()), "checkpointEvery", wal.checkpointEvery()));
        root.put("history", ordered("rawRetention", Units.duration(history.rawRetention()),
                "aggregateRetention", Units.duration(history.aggregateRetention())));
        root.put("failover", ordered("probeInterval", Units.duration(failover.probeInterval()), "detectMultiplier",
                failover.detectMultiplier(), "recoveryProbes", failover.recoveryProbes(), "probePort", failover.probePort(),
                "slaClass", failover.slaClass(), "failbackHold", Units.duration(failover.failbackHold())));
        root.put("federation", ordered("enabled", federation.enabled().wire(), "bootstrapFile", federation.bootstrapFile().toString(),
                "serial", federation.serial(), "confirmTimeout", Units.duration(federation.confirmTimeout()),
                "heartbeatInterval", Units.duration(federation.heartbeatInterval()),
                "longPollWait", Units.duration(federation.longPollWait())));
        root.put("links", links.stream().map(l -> ordered("name", l.name(), "iface", l.iface(), "colour", l.colour(),
                "priority", l.priority(), "bandwidthKbps", l.bandwidthKbps())).toList());
        root.put("slaClasses", slaClasses.stream().map(ApplianceConfig::slaClass).toList());
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("rendering the effective configuration as YAML failed", e);
        }
    }

    /** An SLA class as the file writes it; the probe fields only when the class sets them, as in the file. */
    private static Map<String, Object> slaClass(SlaClass s) {
        Map<String, Object> m = ordered("name", s.name(), "maxLatencyMs", number(s.maxLatencyMs()), "maxLossPct",
                number(s.maxLossPct()), "maxJitterMs", number(s.maxJitterMs()));
        s.probeIntervalMs().ifPresent(v -> m.put("probeIntervalMs", v));
        s.detectMultiplier().ifPresent(v -> m.put("detectMultiplier", v));
        return m;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** 150 rather than 150.0, so the dump reads like the file it came from. */
    private static Number number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Number) (long) d : (Number) d;
    }
}
