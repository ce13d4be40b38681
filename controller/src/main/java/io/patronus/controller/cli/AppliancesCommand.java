package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code patronus-controller appliances list|show}. */
@Command(name = "appliances", description = "Enrolled appliances: state, versions, paths, history.",
        subcommands = {AppliancesCommand.ListCommand.class, AppliancesCommand.ShowCommand.class})
final class AppliancesCommand extends CommandGroup {

    @Command(name = "list", description = "Every appliance of the organisation: online, last seen, desired and applied version, paths.")
    static final class ListCommand extends Leaf {
        @Override
        JsonNode execute() {
            return client().get("/v1/admin/appliances");
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("SITE", "SERIAL", "GROUP", "ONLINE", "LAST SEEN", "STATE", "DESIRED", "APPLIED", "REJECTED",
                    "PATHS U/D/D", "LOCAL", "DATA PLANE");
            for (JsonNode a : answer.path("items")) {
                row(t, a, text(a, "siteId"), text(a, "serial"), text(a, "group"), a.path("online").asBoolean() ? "online" : "offline",
                        text(a, "lastSeen"), text(a, "state"), a.path("desiredVersion").asLong(), a.path("appliedVersion").asLong(),
                        a.path("rejectedVersion").asLong() == 0 ? "-" : a.path("rejectedVersion").asText(),
                        paths(a.path("paths")), a.path("localChanges").asInt(),
                        a.path("dataPlaneProblem").asText("").isEmpty() ? "ok" : "FAILING");
            }
            t.print(out());
        }
    }

    @Command(name = "show", description = "One appliance with its certificate, rejected version and progress history.")
    static final class ShowCommand extends Leaf {
        @Parameters(paramLabel = "SITE", description = "The site id of the appliance.")
        String site;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/appliances/" + AdminClient.segment(site));
        }

        @Override
        void human(JsonNode a) {
            out().println("site:            " + text(a, "siteId") + " (organisation " + text(a, "organisation") + ", group "
                    + text(a, "group") + ")");
            out().println("serial:          " + text(a, "serial") + ", appliance " + text(a, "applianceVersion"));
            out().println("online:          " + (a.path("online").asBoolean() ? "yes" : "no") + ", last seen " + text(a, "lastSeen"));
            out().println("state:           " + text(a, "state"));
            out().println("versions:        desired " + a.path("desiredVersion").asLong() + ", applied "
                    + a.path("appliedVersion").asLong());
            if (a.path("rejectedVersion").asLong() > 0) {
                out().println("rejected:        version " + a.path("rejectedVersion").asLong() + ": " + text(a, "rejectReason"));
            }
            out().println("paths:           up " + a.path("paths").path("up").asInt() + ", degraded "
                    + a.path("paths").path("degraded").asInt() + ", down " + a.path("paths").path("down").asInt());
            out().println("local changes:   " + a.path("localChanges").asInt());
            if (!a.path("dataPlaneProblem").asText("").isEmpty()) {
                out().println("data plane:      " + text(a, "dataPlaneProblem"));
            }
            out().println("certificate:     " + text(a, "certificateSerial") + " until " + text(a, "certificateNotAfter"));
            if (a.has("keyCreatedAt")) {
                out().println("WireGuard key:   in use since " + text(a, "keyCreatedAt"));
            }
            if (a.has("keyRotation")) {
                KeysCommand.printRotation(out(), a.path("keyRotation"));
            }
            if (a.has("telemetry")) {
                JsonNode t = a.path("telemetry");
                out().println("telemetry:       " + t.path("stored").asLong() + " stored, " + t.path("duplicates").asLong()
                        + " duplicates, up to sequence " + t.path("highestSequence").asLong());
            }
            out().println();
            Table t = new Table("AT", "STATE", "APPLIED", "REJECTED", "DETAIL").emptyAsDash();
            for (JsonNode p : a.path("progress")) {
                t.row(text(p, "at"), text(p, "state"), p.path("appliedVersion").asLong(), p.path("rejectedVersion").asLong(),
                        clip(text(p, "detail"), 100));
            }
            t.print(out());
        }
    }
}
