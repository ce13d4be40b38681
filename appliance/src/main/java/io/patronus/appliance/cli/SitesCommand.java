package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code patronus sites list|show|add|remove}. */
@Command(name = "sites", description = "Remote sites of the mesh.",
        subcommands = {SitesCommand.ListSites.class, SitesCommand.Show.class, SitesCommand.Add.class, SitesCommand.Remove.class})
final class SitesCommand extends CommandGroup {
    static final List<String> STATUSES = List.of("active", "inactive");

    static String endpoints(JsonNode site) {
        List<String> eps = new ArrayList<>();
        site.path("endpoints").properties().forEach(e -> eps.add(e.getKey() + "=" + e.getValue().asText()));
        return String.join(" ", eps);
    }

    static String lanPrefixes(JsonNode site) {
        return String.join(" ", site.path("lanPrefixes").valueStream().map(JsonNode::asText).toList());
    }

    static void printSite(JsonNode s, PrintStream out) {
        new Fields()
                .add("id", s.path("id").asText())
                .add("name", s.path("name").asText())
                .add("location", s.path("location").asText("-"))
                .add("status", s.path("status").asText())
                .add("public key", s.path("publicKey").asText())
                .add("endpoints", endpoints(s).isEmpty() ? "-" : endpoints(s).replace(" ", ", "))
                .add("lan prefixes", lanPrefixes(s).isEmpty() ? "-" : lanPrefixes(s).replace(" ", ", "))
                .add("created", s.path("createdAt").asText("-"))
                .print(out);
    }

    @Command(name = "list", description = "List the sites, by id.")
    static final class ListSites extends CliCommand {
        @Option(names = "--status", paramLabel = "STATUS", description = "Only active or only inactive sites.")
        String status;

        @Override
        public Integer call() {
            Optional<String> s = Optional.ofNullable(status).map(v -> oneOf("--status", v, STATUSES));
            String query = ApplianceClient.query(Map.of("status", s));
            printList(client().get("/v1/sites" + query), "id", items -> {
                Table t = new Table("ID", "NAME", "LOCATION", "STATUS", "ENDPOINTS", "LAN PREFIXES");
                items.forEach(site -> t.row(site.path("id").asText(), site.path("name").asText(),
                        site.path("location").asText("-"), site.path("status").asText(), endpoints(site), lanPrefixes(site)));
                t.print(out());
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show one site.")
    static final class Show extends CliCommand {
        @Parameters(paramLabel = "ID", description = "The site's id.")
        String id;

        @Override
        public Integer call() {
            printOne(client().get("/v1/sites/" + ApplianceClient.segment(id)), "id", s -> printSite(s, out()));
            return 0;
        }
    }

    @Command(name = "add", description = {"Add a site, from flags or from a JSON file.",
            "Example: patronus sites add --id branch-2 --name 'Branch 2' --public-key KEY \\",
            "           --endpoint fiber=192.0.2.10:51820 --endpoint lte=198.51.100.7:51820 --lan-prefix 10.2.0.0/16"})
    static final class Add extends CliCommand {
        @Option(names = "--file", paramLabel = "FILE", description = "The site as JSON (as `sites show --format json` prints it, without createdAt); - for standard input.")
        Path file;
        @Option(names = "--id", paramLabel = "ID", description = "Lower-case letters, digits and dashes.")
        String id;
        @Option(names = "--name", paramLabel = "NAME")
        String name;
        @Option(names = "--location", paramLabel = "TEXT")
        String location;
        @Option(names = "--public-key", paramLabel = "KEY", description = "The site's WireGuard public key (base64).")
        String publicKey;
        @Option(names = "--endpoint", paramLabel = "COLOUR=HOST:PORT", description = "Where the site is reached over a link colour (repeatable).")
        List<String> endpoints = new ArrayList<>();
        @Option(names = "--lan-prefix", paramLabel = "CIDR", description = "A LAN prefix behind the site (repeatable).")
        List<String> lanPrefixes = new ArrayList<>();
        @Option(names = "--status", paramLabel = "STATUS", description = "active (default) or inactive.")
        String status;

        @Override
        public Integer call() {
            JsonNode body = file != null ? fromFile() : fromFlags();
            JsonNode created = client().post("/v1/sites", body);
            if (format() == PatronusCli.Format.table) {
                out().println("added site " + created.path("id").asText());
            } else {
                printOne(created, "id", s -> { });
            }
            return 0;
        }

        private JsonNode fromFile() {
            if (id != null || name != null || location != null || publicKey != null || status != null
                    || !endpoints.isEmpty() || !lanPrefixes.isEmpty()) {
                throw CliException.usage("use either --file or the site flags, not both");
            }
            return readJsonFile(file);
        }

        private JsonNode fromFlags() {
            List<String> missing = new ArrayList<>();
            if (id == null) {
                missing.add("--id");
            }
            if (name == null) {
                missing.add("--name");
            }
            if (publicKey == null) {
                missing.add("--public-key");
            }
            if (!missing.isEmpty()) {
                throw CliException.usage("sites add needs " + String.join(", ", missing) + " (or --file)");
            }
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("id", id).put("name", name);
            if (location != null) {
                o.put("location", location);
            }
            o.put("publicKey", publicKey);
            ObjectNode eps = o.putObject("endpoints");
            Map<String, String> seen = new LinkedHashMap<>();
            for (String e : endpoints) {
                int eq = e.indexOf('=');
                if (eq <= 0 || eq == e.length() - 1) {
                    throw CliException.usage("--endpoint must be COLOUR=HOST:PORT (fiber=192.0.2.10:51820), was '" + e + "'");
                }
                String colour = e.substring(0, eq);
                if (seen.put(colour, e) != null) {
                    throw CliException.usage("--endpoint gives colour " + colour + " twice");
                }
                eps.put(colour, e.substring(eq + 1));
            }
            ArrayNode lans = o.putArray("lanPrefixes");
            lanPrefixes.forEach(lans::add);
            if (status != null) {
                o.put("status", oneOf("--status", status, STATUSES));
            }
            return o;
        }
    }

    @Command(name = "remove", description = "Remove a site.")
    static final class Remove extends CliCommand {
        @Parameters(paramLabel = "ID", description = "The site's id.")
        String id;

        @Override
        public Integer call() {
            client().delete("/v1/sites/" + ApplianceClient.segment(id));
            switch (format()) {
                case table -> out().println("removed site " + id);
                case ids -> out().println(id);
                case json -> { } // the appliance answers 204 without a body
            }
            return 0;
        }
    }
}
