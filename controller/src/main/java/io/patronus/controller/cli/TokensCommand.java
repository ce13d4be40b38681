package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code patronus-controller tokens create|list|revoke}. */
@Command(name = "tokens", description = "One-time enrolment tokens.",
        subcommands = {TokensCommand.CreateCommand.class, TokensCommand.ListCommand.class, TokensCommand.RevokeCommand.class})
final class TokensCommand extends CommandGroup {

    @Command(name = "create", description = "Create a token for a staged site; the token is shown this once.")
    static final class CreateCommand extends Leaf {
        @Option(names = "--site", required = true, description = "The staged site the token enrols.")
        String site;

        @Option(names = "--ttl", description = "Lifetime such as 30m, 24h, 7d (default: the controller's tokenTtl).")
        String ttl;

        @Option(names = "--serial", description = "Bind the token to this device serial.")
        String serial;

        @Override
        JsonNode execute() {
            ObjectNode body = Json.mapper().createObjectNode().put("siteId", site);
            if (ttl != null) {
                body.put("ttl", ttl);
            }
            if (serial != null) {
                body.put("serial", serial);
            }
            return client().post("/v1/admin/tokens", body);
        }

        @Override
        void human(JsonNode t) {
            out().println(text(t, "token"));
            root().err().println("token " + text(t, "id") + " for site " + text(t, "siteId")
                    + (t.has("serial") ? " (device " + text(t, "serial") + " only)" : "") + ", expires " + text(t, "expiresAt")
                    + "; it is shown only now: put it in the appliance's bootstrap file");
        }
    }

    @Command(name = "list", description = "Every token of the organisation (never the secrets).")
    static final class ListCommand extends Leaf {
        @Override
        JsonNode execute() {
            return client().get("/v1/admin/tokens");
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("ID", "SITE", "SERIAL", "STATE", "EXPIRES", "USED AT", "USED BY");
            for (JsonNode k : answer.path("items")) {
                row(t, k, text(k, "id"), text(k, "siteId"), text(k, "serial"), text(k, "state"), text(k, "expiresAt"),
                        text(k, "usedAt"), text(k, "usedBySerial"));
            }
            t.print(out());
        }
    }

    @Command(name = "revoke", description = "Revoke a token so that it can no longer enrol.")
    static final class RevokeCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/tokens/" + AdminClient.segment(id) + "/revoke", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode t) {
            out().println("token " + text(t, "id") + " revoked");
        }
    }
}
