package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code patronus-controller keys rotate SITE|--all}, {@code keys status [SITE]}, {@code keys cancel SITE}. */
@Command(name = "keys", description = "WireGuard keys of the sites: rotation without dropping traffic.",
        subcommands = {KeysCommand.RotateCommand.class, KeysCommand.StatusCommand.class, KeysCommand.CancelCommand.class})
final class KeysCommand extends CommandGroup {

    @Command(name = "rotate", description = "Rotate one site's key, or every enrolled site's with --all. The appliance "
            + "generates the next key, every peer learns it, then the site switches; peers keep the old key for the grace period.")
    static final class RotateCommand extends Leaf {
        @Parameters(paramLabel = "SITE", arity = "0..1", description = "The site whose key to rotate.")
        String site;

        @Option(names = "--all", description = "Every enrolled site of the organisation that is not rotating already.")
        boolean all;

        @Override
        JsonNode execute() {
            if (all == (site != null)) {
                throw CliException.usage("give a SITE or --all (not both)");
            }
            if (all) {
                return client().post("/v1/admin/rotate-keys", Json.mapper().createObjectNode());
            }
            return client().post("/v1/admin/sites/" + AdminClient.segment(site) + "/rotate-key", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode answer) {
            if (!all) {
                out().println("rotation " + text(answer, "id") + " of site " + text(answer, "siteId") + " started ("
                        + text(answer, "phase") + "); follow it with: patronus-controller keys status " + text(answer, "siteId"));
                return;
            }
            for (JsonNode r : answer.path("started")) {
                out().println("rotation " + text(r, "id") + " of site " + text(r, "siteId") + " started");
            }
            for (JsonNode s : answer.path("skipped")) {
                out().println("site " + text(s, "siteId") + " skipped: " + text(s, "reason"));
            }
            if (answer.path("started").isEmpty() && answer.path("skipped").isEmpty()) {
                out().println("no sites");
            }
        }
    }

    @Command(name = "status", description = "Every enrolled site's key: age, next automatic rotation, rotation in progress.")
    static final class StatusCommand extends Leaf {
        @Parameters(paramLabel = "SITE", arity = "0..1", description = "One site, with the peers its rotation waits for.")
        String site;

        @Override
        JsonNode execute() {
            return client().get(site == null ? "/v1/admin/keys" : "/v1/admin/sites/" + AdminClient.segment(site) + "/key");
        }

        @Override
        void human(JsonNode answer) {
            if (site != null) {
                printSite(out(), answer);
                return;
            }
            out().println("automatic rotation every " + text(answer, "keyRotationInterval") + ", old key kept "
                    + text(answer, "keyRotationGrace") + " after the switch");
            Table t = table("SITE", "PUBLIC KEY", "AGE", "NEXT ROTATION", "ROTATION", "PHASE", "DETAIL");
            for (JsonNode k : answer.path("items")) {
                JsonNode r = k.path("rotation");
                row(t, k, text(k, "siteId"), text(k, "publicKey"), age(k.path("keyAgeSeconds").asLong(-1)), text(k, "nextRotationDue"),
                        r.isMissingNode() ? "-" : text(r, "id"), r.isMissingNode() ? "-" : text(r, "phase"),
                        r.isMissingNode() ? "" : clip(text(r, "detail"), 70));
            }
            t.print(out());
        }
    }

    @Command(name = "cancel", description = "Cancel a site's rotation before its switch was ordered.")
    static final class CancelCommand extends Leaf {
        @Parameters(paramLabel = "SITE")
        String site;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/sites/" + AdminClient.segment(site) + "/rotate-key/cancel", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode answer) {
            out().println("rotation " + text(answer, "id") + " of site " + text(answer, "siteId") + " cancelled");
        }
    }

    static void printSite(PrintStream out, JsonNode k) {
        out.println("site:            " + Leaf.text(k, "siteId"));
        out.println("public key:      " + Leaf.text(k, "publicKey") + " (in use since " + Leaf.text(k, "keyCreatedAt") + ", "
                + age(k.path("keyAgeSeconds").asLong(-1)) + ")");
        out.println("next rotation:   " + Leaf.text(k, "nextRotationDue"));
        JsonNode r = k.path("rotation");
        if (!r.isMissingNode()) {
            printRotation(out, r);
        }
    }

    static void printRotation(PrintStream out, JsonNode r) {
        out.println("key rotation:    " + Leaf.text(r, "id") + " " + Leaf.text(r, "phase") + " (" + Leaf.text(r, "trigger")
                + ", requested " + Leaf.text(r, "requestedAt") + " by " + Leaf.text(r, "requestedBy") + ")");
        if (r.has("nextPublicKey")) {
            out.println("  next key:      " + Leaf.text(r, "nextPublicKey") + " (old " + Leaf.text(r, "oldPublicKey") + ")");
        }
        if (r.has("waitingFor")) {
            List<String> w = new ArrayList<>();
            r.path("waitingFor").forEach(p -> w.add(Leaf.text(p, "siteId") + " (applied v" + p.path("appliedVersion").asLong()
                    + (p.has("neededVersion") ? ", needs v" + p.path("neededVersion").asLong() : ", not published yet")
                    + (p.path("online").asBoolean() ? "" : ", offline") + ")"));
            out.println("  waiting for:   " + (w.isEmpty() ? "-" : String.join(", ", w)));
        }
        if (r.has("switchedAt")) {
            out.println("  switched:      " + Leaf.text(r, "switchedAt") + ", old key retired at " + Leaf.text(r, "retireUntil"));
        }
        if (!r.path("detail").asText().isEmpty()) {
            out.println("  detail:        " + Leaf.text(r, "detail"));
        }
    }

    /** 93d, 5h, 12m, 40s; "-" when unknown. */
    static String age(long seconds) {
        if (seconds < 0) {
            return "-";
        }
        if (seconds >= 86_400) {
            return seconds / 86_400 + "d";
        }
        if (seconds >= 3600) {
            return seconds / 3600 + "h";
        }
        return seconds >= 60 ? seconds / 60 + "m" : seconds + "s";
    }
}
