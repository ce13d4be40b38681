package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;

/** {@code patronus sla list}: the SLA classes in effect and how often their paths are probed. */
@Command(name = "sla", description = "SLA classes: limits, probe interval and detect multiplier.", subcommands = SlaCommand.ListSla.class)
final class SlaCommand extends CommandGroup {

    @Command(name = "list", description = "List the SLA classes in effect (from the configuration or the last committed "
            + "controller bundle); * marks the class paths are judged against, (default) a value from failover.*.")
    static final class ListSla extends CliCommand {
        @Override
        public Integer call() {
            printList(client().get("/v1/sla-classes"), "name", items -> {
                Table t = new Table("NAME", "MAX LATENCY", "MAX LOSS", "MAX JITTER", "PROBE INTERVAL", "DETECT", "JUDGED");
                items.forEach(s -> t.row(s.path("name").asText(), Units.ms(s.path("maxLatencyMs").asDouble()),
                        Units.pct(s.path("maxLossPct").asDouble()), Units.ms(s.path("maxJitterMs").asDouble()),
                        effective(s, "probeIntervalMs", s.path("effectiveProbeIntervalMs").asLong() + " ms"),
                        effective(s, "detectMultiplier", s.path("effectiveDetectMultiplier").asInt() + " lost"),
                        s.path("judged").asBoolean() ? "*" : ""));
                t.print(out());
            });
            return 0;
        }

        /** The value in effect, marked when the class leaves it to the appliance's failover default. */
        private static String effective(JsonNode sla, String field, String value) {
            return sla.has(field) ? value : value + " (default)";
        }
    }
}
