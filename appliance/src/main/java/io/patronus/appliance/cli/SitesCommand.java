package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code patronus sites list|show|add|remove}. */
@Command(name = "sites", description = "Remote sites of the mesh.",
        subcommands = {SitesCommand.ListSites.class, SitesCommand.Show.class, SitesCommand.Add.class, SitesCommand.Remove.class})
final class SitesCommand implements Runnable {
    @ParentCommand
    PatronusCli parent;

    @Override
    public void run() {
        throw CliException.usage("sites needs a subcommand: list, show, add, remove");
    }

    abstract static class Sub extends PatronusCli.Base {
        @ParentCommand
        SitesCommand sites;

        @Override
        PatronusCli root() {
            return sites.parent;
        }
    }

    @Command(name = "list", description = "List sites.")
    static final class ListSites extends Sub {
        @Option(names = "--status", description = "Only active or inactive sites.")
        String status;

        @Override
        public Integer call() {
            if (status != null && !status.equals("active") && !status.equals("inactive")) {
                throw CliException.usage("--status must be active or inactive, was '" + status + "'");
            }
            printList(api().get("/v1/sites" + (status == null ? "" : "?status=" + status)), "id", items -> {
                Table t = new Table("ID", "NAME", "LOCATION", "STATUS", "ENDPOINTS", "LAN PREFIXES");
                items.forEach(s -> {
                    List<String> eps = new ArrayList<>();
                    s.path("endpoints").fields().forEachRemaining(e -> eps.add(e.getKey() + "=" + e.getValue().asText()));
                    List<String> lans = new ArrayList<>();
                    s.path("lanPrefixes").forEach(p -> lans.add(p.asText()));
                    t.row(s.path("id").asText(), s.path("name").asText(), s.path("location").asText(""),
                            s.path("status").asText(), String.join(" ", eps), String.join(" ", lans));
                });
                t.print(out());
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show one site.")
    static final class Show extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            printOne(api().get("/v1/sites/" + ApiCall.segment(id)), "id");
            return 0;
        }
    }

    @Command(name = "add", description = "Add a site, from flags or from a JSON file.")
    static final class Add extends Sub {
        @Option(names = "--file", paramLabel = "FILE", description = "Site as JSON (as GET /v1/sites/{id} prints it).")
        Path file;
        @Option(names = "--id")
        String id;
        @Option(names = "--name")
        String name;
        @Option(names = "--location")
        String location;
        @Option(names = "--public-key", description = "The site's WireGuard public key (base64).")
        String publicKey;
        @Option(names = "--endpoint", paramLabel = "COLOUR=HOST:PORT", description = "Reachable endpoint per link colour (repeatable).")
        List<String> endpoints = new ArrayList<>();
        @Option(names = "--lan-prefix", paramLabel = "CIDR", description = "LAN prefix behind the site (repeatable).")
        List<String> lanPrefixes = new ArrayList<>();
        @Option(names = "--status", description = "active (default) or inactive")
        String status;

        @Override
        public Integer call() {
            JsonNode body;
            if (file != null) {
                if (id != null || name != null || publicKey != null || !endpoints.isEmpty() || !lanPrefixes.isEmpty()) {
                    throw CliException.usage("use either --file or the site flags, not both");
                }
                body = readJson(file);
            } else {
                if (id == null || name == null || publicKey == null) {
                    throw CliException.usage("sites add needs --id, --name and --public-key (or --file)");
                }
                ObjectNode o = Json.mapper().createObjectNode();
                o.put("id", id).put("name", name).put("publicKey", publicKey);
                if (location != null) {
                    o.put("location", location);
                }
                if (status != null) {
                    o.put("status", status);
                }
                ObjectNode eps = o.putObject("endpoints");
                for (String e : endpoints) {
                    int eq = e.indexOf('=');
                    if (eq <= 0 || eq == e.length() - 1) {
                        throw CliException.usage("--endpoint must be COLOUR=HOST:PORT, was '" + e + "'");
                    }
                    eps.put(e.substring(0, eq), e.substring(eq + 1));
                }
                ArrayNode lans = o.putArray("lanPrefixes");
                lanPrefixes.forEach(lans::add);
                body = o;
            }
            JsonNode created = api().post("/v1/sites", body);
            if (format() == PatronusCli.Format.table) {
                out().println("added site " + created.path("id").asText());
            } else {
                printOne(created, "id");
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a site.")
    static final class Remove extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            api().delete("/v1/sites/" + ApiCall.segment(id));
            if (format() != PatronusCli.Format.json) {
                out().println(format() == PatronusCli.Format.ids ? id : "removed site " + id);
            }
            return 0;
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return Json.mapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw CliException.usage("cannot read " + file + " as JSON: " + e.getMessage());
        }
    }
}
