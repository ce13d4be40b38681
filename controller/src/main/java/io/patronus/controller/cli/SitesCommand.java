package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code patronus-controller sites create|list|show|delete}. */
@Command(name = "sites", description = "Sites: staged before enrolment, completed by their appliance.",
        subcommands = {SitesCommand.CreateCommand.class, SitesCommand.ListCommand.class, SitesCommand.ShowCommand.class,
                SitesCommand.DeleteCommand.class})
final class SitesCommand extends CommandGroup {

    @Command(name = "create", description = "Stage a site so that a token can enrol its appliance.")
    static final class CreateCommand extends Leaf {
        @Parameters(paramLabel = "ID", description = "Site id: lower-case letters, digits and dashes.")
        String id;

        @Option(names = "--name", description = "Display name (default: the id).")
        String name;

        @Option(names = "--location", description = "Free-text location.")
        String location;

        @Option(names = "--group", description = "Configuration group (default: default).")
        String group;

        @Option(names = "--lan", paramLabel = "PREFIX", description = "A LAN prefix behind the site, CIDR; repeatable.")
        List<String> lan = new ArrayList<>();

        @Override
        JsonNode execute() {
            ObjectNode body = Json.mapper().createObjectNode();
            body.put("id", id);
            if (name != null) {
                body.put("name", name);
            }
            if (location != null) {
                body.put("location", location);
            }
            if (group != null) {
                body.put("group", group);
            }
            lan.forEach(body.putArray("lanPrefixes")::add);
            return client().post("/v1/admin/sites", body);
        }

        @Override
        void human(JsonNode s) {
            out().println("site " + text(s, "id") + " staged in group " + text(s, "group") + " of organisation "
                    + text(s, "organisation") + "; next: patronus-controller tokens create --site " + text(s, "id"));
        }
    }

    @Command(name = "list", description = "Every site of the organisation.")
    static final class ListCommand extends Leaf {
        @Override
        JsonNode execute() {
            return client().get("/v1/admin/sites");
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("ID", "NAME", "GROUP", "ENROLMENT", "LAN", "ENDPOINTS");
            for (JsonNode s : answer.path("items")) {
                List<String> lan = new ArrayList<>();
                s.path("lanPrefixes").forEach(p -> lan.add(p.asText()));
                List<String> eps = new ArrayList<>();
                s.path("endpoints").properties().forEach(e -> eps.add(e.getKey() + "=" + e.getValue().asText()));
                JsonNode e = s.path("enrolment");
                String enrolment = e.path("state").asText(s.path("enrolled").asBoolean() ? "enrolled" : "staged")
                        + (e.has("lastRefusal") && e.path("state").asText().equals("refused")
                        ? " (" + e.path("lastRefusal").path("code").asText() + ")" : "");
                row(t, s, text(s, "id"), text(s, "name"), text(s, "group"), enrolment,
                        String.join(",", lan), String.join(",", eps));
            }
            t.print(out());
        }
    }

    @Command(name = "show", description = "One site.")
    static final class ShowCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/sites/" + AdminClient.segment(id));
        }

        @Override
        void human(JsonNode s) {
            printJson(s);
        }
    }

    @Command(name = "delete", description = "Delete a site, its appliance (its certificate is refused from now on) and its active tokens.")
    static final class DeleteCommand extends Leaf {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        JsonNode execute() {
            client().delete("/v1/admin/sites/" + AdminClient.segment(id));
            return Json.mapper().createObjectNode().put("deleted", id);
        }

        @Override
        void human(JsonNode answer) {
            out().println("site " + id + " deleted");
        }
    }
}
