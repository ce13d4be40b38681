package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patronus-controller admin-tokens create|list|revoke}: organisation admin tokens, which see and change one
 * organisation only. All three need the fleet admin token.
 */
@Command(name = "admin-tokens", description = "Admin tokens of one organisation (managed with the fleet admin token).",
        subcommands = {AdminTokensCommand.CreateCommand.class, AdminTokensCommand.ListCommand.class,
                AdminTokensCommand.RevokeCommand.class})
final class AdminTokensCommand extends CommandGroup {

    @Command(name = "create", description = "Create an admin token for the organisation given with --organisation; the "
            + "token is shown this once.")
    static final class CreateCommand extends Leaf {
        @Option(names = "--description", description = "What or whom the token is for.")
        String description;

        @Override
        JsonNode execute() {
            ObjectNode body = Json.mapper().createObjectNode();
            if (description != null) {
                body.put("description", description);
            }
            return client().post("/v1/admin/admin-tokens", body);
        }

        @Override
        void human(JsonNode t) {
            out().println(text(t, "token"));
            root().err().println("admin token " + text(t, "id") + " for organisation " + text(t, "organisation")
                    + "; it is shown only now: give it to the organisation's operators (PATRONUS_CONTROLLER_TOKEN or "
                    + "--token-file)");
        }
    }

    @Command(name = "list", description = "The organisation's admin tokens (never the secrets).")
    static final class ListCommand extends Leaf {
        @Override
        JsonNode execute() {
            return client().get("/v1/admin/admin-tokens");
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("ID", "DESCRIPTION", "STATE", "CREATED", "CREATED BY", "REVOKED");
            for (JsonNode k : answer.path("items")) {
                row(t, k, text(k, "id"), text(k, "description"), text(k, "state"), text(k, "createdAt"),
                        text(k, "createdBy"), text(k, "revokedAt"));
            }
            t.print(out());
        }
    }

    @Command(name = "revoke", description = "Revoke an admin token: it is refused from the next request on.")
    static final class RevokeCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/admin-tokens/" + AdminClient.segment(id) + "/revoke",
                    Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode t) {
            out().println("admin token " + text(t, "id") + " of organisation " + text(t, "organisation") + " revoked");
        }
    }
}
