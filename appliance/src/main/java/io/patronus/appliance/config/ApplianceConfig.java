package io.patronus.appliance.config;

import io.patronus.model.Link;
import io.patronus.model.SlaClass;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The appliance's validated configuration, built by {@link ConfigLoader} from the embedded defaults, an optional
 * YAML file and {@code PATRONUS_*} environment variables. Immutable; every value has been checked.
 */
public record ApplianceConfig(SiteIdentity site, Api api, Path dataDir, DataPlane dataPlane, Wal wal,
                              History history, List<Link> links, List<SlaClass> slaClasses) {

    /** This appliance's own site. */
    public record SiteIdentity(String id, String name, String location) {
    }

    /** Where the REST API listens and how long its tokens live. Port 0 picks a free port (tests). */
    public record Api(String host, int port, Duration tokenTtl) {
    }

    /** Which data plane to use: {@code auto} picks kernel WireGuard when the kernel has it. */
    public record DataPlane(DataPlaneMode mode) {
    }

    public enum DataPlaneMode { AUTO, KERNEL, USERSPACE, MEMORY }

    /** Write-ahead log and checkpoint tuning. */
    public record Wal(long segmentBytes, Duration maxBatchWait, long maxBatchBytes, int checkpointEvery) {
    }

    /** How long path health history is kept: raw samples, then 1-minute aggregates. */
    public record History(Duration rawRetention, Duration aggregateRetention) {
    }

    /** The effective configuration as YAML (it holds no secrets), for {@code patronus debug dump}. */
    public String toYaml() {
        StringBuilder sb = new StringBuilder();
        sb.append("site:\n  id: ").append(site.id()).append("\n  name: ").append(quote(site.name()))
                .append("\n  location: ").append(quote(site.location())).append('\n');
        sb.append("api:\n  host: ").append(api.host()).append("\n  port: ").append(api.port())
                .append("\n  tokenTtl: ").append(Units.duration(api.tokenTtl())).append('\n');
        sb.append("dataDir: ").append(quote(dataDir.toString())).append('\n');
        sb.append("dataPlane:\n  mode: ").append(dataPlane.mode().name().toLowerCase(java.util.Locale.ROOT)).append('\n');
        sb.append("wal:\n  segmentBytes: ").append(Units.size(wal.segmentBytes()))
                .append("\n  maxBatchWait: ").append(Units.duration(wal.maxBatchWait()))
                .append("\n  maxBatchBytes: ").append(Units.size(wal.maxBatchBytes()))
                .append("\n  checkpointEvery: ").append(wal.checkpointEvery()).append('\n');
        sb.append("history:\n  rawRetention: ").append(Units.duration(history.rawRetention()))
                .append("\n  aggregateRetention: ").append(Units.duration(history.aggregateRetention())).append('\n');
        sb.append("links:\n");
        for (Link l : links) {
            sb.append("  - { name: ").append(l.name()).append(", iface: ").append(l.iface()).append(", colour: ")
                    .append(l.colour()).append(", priority: ").append(l.priority()).append(", bandwidthKbps: ")
                    .append(l.bandwidthKbps()).append(" }\n");
        }
        sb.append("slaClasses:\n");
        for (SlaClass s : slaClasses) {
            sb.append("  - { name: ").append(s.name()).append(", maxLatencyMs: ").append(s.maxLatencyMs())
                    .append(", maxLossPct: ").append(s.maxLossPct()).append(", maxJitterMs: ").append(s.maxJitterMs())
                    .append(" }\n");
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
