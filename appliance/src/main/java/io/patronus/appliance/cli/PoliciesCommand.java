package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code patronus policies list|show|create|update|delete}. */
@Command(name = "policies", description = "Routing policies: which traffic goes where.",
        subcommands = {PoliciesCommand.ListPolicies.class, PoliciesCommand.Show.class, PoliciesCommand.Create.class,
                PoliciesCommand.Update.class, PoliciesCommand.Delete.class})
final class PoliciesCommand implements Runnable {
    @ParentCommand
    PatronusCli parent;

    @Override
    public void run() {
        throw CliException.usage("policies needs a subcommand: list, show, create, update, delete");
    }

    abstract static class Sub extends PatronusCli.Base {
        @ParentCommand
        PoliciesCommand policies;

        @Override
        PatronusCli root() {
            return policies.parent;
        }
    }

    static String describeMatch(JsonNode m) {
        List<String> parts = new ArrayList<>();
        if (m.path("dscp").size() > 0) {
            parts.add("dscp " + join(m.path("dscp")));
        }
        if (!m.path("protocol").asText("any").equals("any")) {
            parts.add(m.path("protocol").asText());
        }
        if (m.path("sourcePrefixes").size() > 0) {
            parts.add("from " + join(m.path("sourcePrefixes")));
        }
        if (m.path("destinationPrefixes").size() > 0) {
            parts.add("to " + join(m.path("destinationPrefixes")));
        }
        if (m.path("sourcePorts").size() > 0) {
            parts.add("sport " + join(m.path("sourcePorts")));
        }
        if (m.path("destinationPorts").size() > 0) {
            parts.add("dport " + join(m.path("destinationPorts")));
        }
        return parts.isEmpty() ? "all traffic" : String.join(" ", parts);
    }

    static String describeAction(JsonNode a) {
        return switch (a.path("type").asText()) {
            case "route" -> "route " + a.path("primary").asText() + " (backup " + a.path("backup").asText() + ", below score "
                    + a.path("failoverThreshold").asInt() + ")";
            case "rate_limit" -> "rate-limit " + Units.kbps(a.path("kbps").asLong());
            default -> a.path("type").asText();
        };
    }

    private static String join(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(x -> s.add(x.asText()));
        return String.join(",", s);
    }

    @Command(name = "list", description = "List policies in priority order.")
    static final class ListPolicies extends Sub {
        @Override
        public Integer call() {
            printList(api().get("/v1/policies"), "id", items -> {
                Table t = new Table("PRIORITY", "ID", "NAME", "MATCH", "ACTION");
                items.forEach(p -> t.row(p.path("priority").asInt(), p.path("id").asText(), p.path("name").asText(),
                        describeMatch(p.path("match")), describeAction(p.path("action"))));
                t.print(out());
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show one policy.")
    static final class Show extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            printOne(api().get("/v1/policies/" + ApiCall.segment(id)), "id");
            return 0;
        }
    }

    /** The flags shared by create and update. */
    abstract static class Edit extends Sub {
        @Option(names = "--file", paramLabel = "FILE", description = "Policy as JSON.")
        Path file;
        @Option(names = "--name")
        String name;
        @Option(names = "--priority", description = "1 is tried first; unique.")
        Integer priority;
        @Option(names = "--dscp", description = "DSCP value 0-63 (repeatable).")
        List<Integer> dscp = new ArrayList<>();
        @Option(names = "--protocol", description = "any, icmp, tcp, udp, icmpv6")
        String protocol;
        @Option(names = "--src-prefix", description = "Source prefix (repeatable).")
        List<String> srcPrefixes = new ArrayList<>();
        @Option(names = "--dst-prefix", description = "Destination prefix (repeatable).")
        List<String> dstPrefixes = new ArrayList<>();
        @Option(names = "--src-port", description = "Source port or range (repeatable).")
        List<String> srcPorts = new ArrayList<>();
        @Option(names = "--dst-port", description = "Destination port or range (repeatable).")
        List<String> dstPorts = new ArrayList<>();
        @Option(names = "--action", description = "route, drop or rate_limit")
        String action;
        @Option(names = "--primary", description = "route: primary colour")
        String primary;
        @Option(names = "--backup", description = "route: backup colour")
        String backup;
        @Option(names = "--failover-threshold", description = "route: health score below which the backup is used (0-100)")
        Integer threshold;
        @Option(names = "--kbps", description = "rate_limit: rate in kbit/s")
        Long kbps;

        JsonNode body(String id) {
            if (file != null) {
                if (name != null || priority != null || action != null) {
                    throw CliException.usage("use either --file or the policy flags, not both");
                }
                JsonNode n = SitesCommand.readJson(file);
                if (id != null && n.isObject() && !n.has("id")) {
                    ((ObjectNode) n).put("id", id);
                }
                return n;
            }
            if (name == null || priority == null || action == null) {
                throw CliException.usage("a policy needs --name, --priority and --action (or --file)");
            }
            ObjectNode o = Json.mapper().createObjectNode();
            if (id != null) {
                o.put("id", id);
            }
            o.put("name", name).put("priority", priority);
            ObjectNode m = o.putObject("match");
            ArrayNode d = m.putArray("dscp");
            dscp.forEach(d::add);
            if (protocol != null) {
                m.put("protocol", protocol);
            }
            srcPrefixes.forEach(m.withArray("sourcePrefixes")::add);
            dstPrefixes.forEach(m.withArray("destinationPrefixes")::add);
            srcPorts.forEach(m.withArray("sourcePorts")::add);
            dstPorts.forEach(m.withArray("destinationPorts")::add);
            ObjectNode a = o.putObject("action");
            switch (action) {
                case "route" -> {
                    if (primary == null || backup == null || threshold == null) {
                        throw CliException.usage("--action route needs --primary, --backup and --failover-threshold");
                    }
                    a.put("type", "route").put("primary", primary).put("backup", backup).put("failoverThreshold", threshold);
                }
                case "drop" -> a.put("type", "drop");
                case "rate_limit", "rate-limit" -> {
                    if (kbps == null) {
                        throw CliException.usage("--action rate_limit needs --kbps");
                    }
                    a.put("type", "rate_limit").put("kbps", kbps);
                }
                default -> throw CliException.usage("--action must be route, drop or rate_limit, was '" + action + "'");
            }
            return o;
        }

        void done(JsonNode p, String verb) {
            if (format() == PatronusCli.Format.table) {
                out().println(verb + " policy " + p.path("id").asText() + ": " + describeMatch(p.path("match")) + " -> "
                        + describeAction(p.path("action")));
            } else {
                printOne(p, "id");
            }
        }
    }

    @Command(name = "create", description = "Create a policy from flags or a JSON file.")
    static final class Create extends Edit {
        @Option(names = "--id", description = "Policy id (lower-case letters, digits, dashes).")
        String id;

        @Override
        public Integer call() {
            if (file == null && id == null) {
                throw CliException.usage("policies create needs --id (or --file)");
            }
            done(api().post("/v1/policies", body(id)), "created");
            return 0;
        }
    }

    @Command(name = "update", description = "Replace a policy from flags or a JSON file.")
    static final class Update extends Edit {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            done(api().put("/v1/policies/" + ApiCall.segment(id), body(id)), "updated");
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a policy.")
    static final class Delete extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            api().delete("/v1/policies/" + ApiCall.segment(id));
            if (format() != PatronusCli.Format.json) {
                out().println(format() == PatronusCli.Format.ids ? id : "deleted policy " + id);
            }
            return 0;
        }
    }
}
