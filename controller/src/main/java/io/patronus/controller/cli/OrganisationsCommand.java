package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code patronus-controller organisations list|create|show|delete}. */
@Command(name = "organisations", description = "Organisations: each has its own sites, groups, mesh and admin tokens.",
        subcommands = {OrganisationsCommand.ListCommand.class, OrganisationsCommand.CreateCommand.class,
                OrganisationsCommand.ShowCommand.class, OrganisationsCommand.DeleteCommand.class})
final class OrganisationsCommand extends CommandGroup {

    @Command(name = "list", description = "Every organisation (an organisation admin token: its own).")
    static final class ListCommand extends Leaf {
        @Override
        JsonNode execute() {
            return client().get("/v1/admin/organisations");
        }

        @Override
        void human(JsonNode answer) {
            Table t = new Table("ID", "NAME", "SITES", "APPLIANCES", "GROUPS", "ADMIN TOKENS", "CREATED").emptyAsDash();
            for (JsonNode o : answer.path("items")) {
                t.row(text(o, "id"), text(o, "name"), o.path("sites").asLong(), o.path("appliances").asLong(),
                        o.path("groups").asLong(), o.path("adminTokens").asLong(), text(o, "createdAt"));
            }
            t.print(out());
        }
    }

    @Command(name = "create", description = "Create an organisation (fleet admin token).")
    static final class CreateCommand extends Leaf {
        @Parameters(paramLabel = "ID", description = "Organisation id: lower-case letters, digits and dashes.")
        String id;

        @Option(names = "--name", description = "Display name (default: the id).")
        String name;

        @Override
        JsonNode execute() {
            ObjectNode body = Json.mapper().createObjectNode().put("id", id);
            if (name != null) {
                body.put("name", name);
            }
            return client().post("/v1/admin/organisations", body);
        }

        @Override
        void human(JsonNode o) {
            out().println("organisation " + text(o, "id") + " created; next: patronus-controller sites create SITE "
                    + "--organisation " + text(o, "id") + ", and for its operators: patronus-controller admin-tokens create "
                    + "--organisation " + text(o, "id"));
        }
    }

    @Command(name = "show", description = "One organisation with its counts.")
    static final class ShowCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/organisations/" + AdminClient.segment(id));
        }

        @Override
        void human(JsonNode o) {
            out().println("organisation:    " + text(o, "id") + " (" + text(o, "name") + ")");
            out().println("created:         " + text(o, "createdAt") + " by " + text(o, "createdBy"));
            out().println("sites:           " + o.path("sites").asLong() + ", " + o.path("appliances").asLong()
                    + " with an appliance");
            out().println("groups:          " + o.path("groups").asLong() + " configured");
            out().println("admin tokens:    " + o.path("adminTokens").asLong() + " active");
        }
    }

    @Command(name = "delete", description = "Delete an organisation that has no site left (fleet admin token); its "
            + "admin tokens are revoked, its history is kept and its id is not used again.")
    static final class DeleteCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            client().delete("/v1/admin/organisations/" + AdminClient.segment(id));
            return Json.mapper().createObjectNode().put("deleted", id);
        }

        @Override
        void human(JsonNode answer) {
            out().println("organisation " + id + " deleted");
        }
    }
}
