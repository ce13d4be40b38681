package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code patronus status}: the appliance's health answer. */
@Command(name = "status", description = "Appliance status, version, data plane, write-ahead log and counts.")
final class StatusCommand extends CliCommand {
    @Override
    public Integer call() {
        ApplianceClient client = client();
        JsonNode h = client.get("/v1/health");
        printOne(h, "siteId", s -> {
            JsonNode c = s.path("counts");
            JsonNode wal = s.path("wal");
            new Fields()
                    .add("api", client.base())
                    .add("site", s.path("siteId").asText())
                    .add("status", s.path("status").asText())
                    .add("version", s.path("version").asText())
                    .add("uptime", Units.uptime(s.path("uptimeSeconds").asLong()))
                    .add("data plane", s.path("dataPlane").asText() + reconcile(s.path("reconcile")))
                    .add("log", "last sequence " + wal.path("lastSequence").asLong() + " in " + wal.path("segments").asInt()
                            + " segment(s)")
                    .add("counts", c.path("sites").asInt() + " sites, " + c.path("policies").asInt() + " policies, "
                            + c.path("links").asInt() + " links, " + c.path("paths").asInt() + " paths")
                    .print(out());
        });
        return 0;
    }

    /** ", reconcile ok" or the failure an operator has to act on. */
    private static String reconcile(JsonNode r) {
        if (r.isMissingNode()) {
            return "";
        }
        if (!"failing".equals(r.path("state").asText())) {
            return ", reconcile " + r.path("state").asText();
        }
        return ", reconcile FAILING since " + r.path("failingSince").asText() + " (" + r.path("consecutiveFailures").asInt()
                + " attempts): " + r.path("lastError").asText();
    }
}
