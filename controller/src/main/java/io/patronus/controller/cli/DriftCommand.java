package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;

/** {@code patronus-controller drift show|adopt|overwrite}: local changes on appliances. */
@Command(name = "drift", description = "Local changes on an appliance: show, adopt them, or overwrite them.",
        subcommands = {DriftCommand.ShowCommand.class, DriftCommand.AdoptCommand.class, DriftCommand.OverwriteCommand.class})
final class DriftCommand extends CommandGroup {

    @Command(name = "show", description = "Desired versus observed configuration.")
    static final class ShowCommand extends Leaf {
        @Parameters(paramLabel = "SITE")
        String site;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/appliances/" + AdminClient.segment(site) + "/drift");
        }

        @Override
        void human(JsonNode d) {
            printDrift(out(), d);
        }
    }

    @Command(name = "adopt", description = "Make the appliance's observed policies and SLA classes desired (as the site's overrides).")
    static final class AdoptCommand extends Leaf {
        @Parameters(paramLabel = "SITE")
        String site;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/appliances/" + AdminClient.segment(site) + "/drift/adopt", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode a) {
            JsonNode o = a.path("overrides");
            out().println("adopted for site " + text(a, "siteId") + ": overrides now " + o.path("policies").size()
                    + " policies (" + o.path("removePolicies").size() + " removed), " + o.path("slaClasses").size()
                    + " SLA classes (" + o.path("removeSlaClasses").size() + " removed)");
            if (a.path("published").has(site)) {
                out().println("published version " + a.path("published").path(site).asLong());
            }
            for (JsonNode l : a.path("notAdopted")) {
                out().println("not adoptable (mesh sites come from enrolment): " + l.asText());
            }
        }
    }

    @Command(name = "overwrite", description = "Publish the desired configuration again so the appliance drops its local changes.")
    static final class OverwriteCommand extends Leaf {
        @Parameters(paramLabel = "SITE")
        String site;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/appliances/" + AdminClient.segment(site) + "/drift/overwrite", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode a) {
            out().println("site " + text(a, "siteId") + ": desired configuration republished as version "
                    + a.path("published").path(site).asLong());
        }
    }

    static void printDrift(PrintStream out, JsonNode d) {
        out.println("site " + Leaf.text(d, "siteId") + ": desired version " + d.path("desiredVersion").asLong() + ", applied "
                + d.path("appliedVersion").asLong() + ", local changes " + d.path("localChanges").asInt());
        if (d.path("observed").isMissingNode() || d.path("observed").isNull()) {
            out.println("no observed configuration reported yet");
        } else if (d.path("inSync").asBoolean()) {
            out.println("in sync (observed " + Leaf.text(d, "observedAt") + ")");
        } else {
            out.println("differences, desired -> observed (observed " + Leaf.text(d, "observedAt") + "):");
            d.path("lines").forEach(l -> out.println("  " + l.asText()));
        }
    }
}
