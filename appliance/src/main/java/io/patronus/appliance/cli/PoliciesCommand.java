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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code patronus policies list|show|create|update|delete|stats}. */
@Command(name = "policies", description = "Routing policies: which traffic goes where, tried in priority order.",
        subcommands = {PoliciesCommand.ListPolicies.class, PoliciesCommand.Show.class, PoliciesCommand.Create.class,
                PoliciesCommand.Update.class, PoliciesCommand.Delete.class, PoliciesCommand.Stats.class})
final class PoliciesCommand extends CommandGroup {
    static final List<String> ACTIONS = List.of("route", "drop", "rate_limit");
    static final List<String> PROTOCOLS = List.of("any", "icmp", "tcp", "udp", "icmpv6");

    /** "dscp 46 udp dport 3478,10000-20000", or "all traffic". */
    static String describeMatch(JsonNode m) {
        List<String> parts = new ArrayList<>();
        if (!m.path("dscp").isEmpty()) {
            parts.add("dscp " + join(m.path("dscp")));
        }
        if (!m.path("protocol").asText("any").equals("any")) {
            parts.add(m.path("protocol").asText());
        }
        if (!m.path("sourcePrefixes").isEmpty()) {
            parts.add("from " + join(m.path("sourcePrefixes")));
        }
        if (!m.path("destinationPrefixes").isEmpty()) {
            parts.add("to " + join(m.path("destinationPrefixes")));
        }
        if (!m.path("sourcePorts").isEmpty()) {
            parts.add("sport " + join(m.path("sourcePorts")));
        }
        if (!m.path("destinationPorts").isEmpty()) {
            parts.add("dport " + join(m.path("destinationPorts")));
        }
        return parts.isEmpty() ? "all traffic" : String.join(" ", parts);
    }

    /** "route fiber (backup lte below score 70)", "drop", "rate-limit 512 kbit/s". */
    static String describeAction(JsonNode a) {
        return switch (a.path("type").asText()) {
            case "route" -> "route " + a.path("primary").asText() + " (backup " + a.path("backup").asText()
                    + " below score " + a.path("failoverThreshold").asInt() + ")";
            case "rate_limit" -> "rate-limit " + Units.kbps(a.path("kbps").asLong());
            default -> a.path("type").asText();
        };
    }

    private static String join(JsonNode arr) {
        return String.join(",", arr.valueStream().map(JsonNode::asText).toList());
    }

    @Command(name = "list", description = "List the policies in priority order (the first match wins).")
    static final class ListPolicies extends CliCommand {
        @Override
        public Integer call() {
            printList(client().get("/v1/policies"), "id", items -> {
                Table t = new Table("PRIORITY", "ID", "NAME", "MATCH", "ACTION");
                items.forEach(p -> t.row(p.path("priority").asInt(), p.path("id").asText(), p.path("name").asText(),
                        describeMatch(p.path("match")), describeAction(p.path("action"))));
                t.print(out());
            });
            return 0;
        }
    }

    @Command(name = "stats", description = "Packets and bytes the kernel classifier matched and dropped for a policy.")
    static final class Stats extends CliCommand {
        @Parameters(paramLabel = "POLICY", description = "The policy's id or name.")
        String policy;

        @Override
        public Integer call() {
            String id = policy;
            JsonNode all = client().get("/v1/policies");
            boolean isId = all.path("items").valueStream().anyMatch(p -> p.path("id").asText().equals(policy));
            if (!isId) {
                List<String> byName = all.path("items").valueStream().filter(p -> p.path("name").asText().equals(policy))
                        .map(p -> p.path("id").asText()).toList();
                if (byName.size() > 1) {
                    throw CliException.usage("more than one policy is named '" + policy + "' (" + String.join(", ", byName)
                            + "): give the id");
                }
                if (byName.size() == 1) {
                    id = byName.getFirst();
                }
            }
            printOne(client().get("/v1/policies/" + ApplianceClient.segment(id) + "/stats"), "policyId", s -> new Fields()
                    .add("policy", s.path("policyName").asText() + " (id " + s.path("policyId").asText() + ")")
                    .add("matched", s.path("packets").asLong() + " packets, " + WgCommand.Show.bytes(s.path("bytes").asLong()))
                    .add("dropped", s.path("droppedPackets").asLong() + " packets, " + WgCommand.Show.bytes(s.path("droppedBytes").asLong()))
                    .add("counters", s.path("live").asBoolean() ? "live from the kernel classifier"
                            : "not counting (classifier " + s.path("classifier").asText() + ")")
                    .print(out()));
            return 0;
        }
    }

    @Command(name = "show", description = "Show one policy.")
    static final class Show extends CliCommand {
        @Parameters(paramLabel = "ID", description = "The policy's id.")
        String id;

        @Override
        public Integer call() {
            printOne(client().get("/v1/policies/" + ApplianceClient.segment(id)), "id", p -> new Fields()
                    .add("id", p.path("id").asText())
                    .add("name", p.path("name").asText())
                    .add("priority", p.path("priority").asInt())
                    .add("match", describeMatch(p.path("match")))
                    .add("action", describeAction(p.path("action")))
                    .print(out()));
            return 0;
        }
    }

    /**
     * The flags shared by create and update, applied onto a policy's JSON: create starts from nothing, update from the
     * current policy, so {@code policies update voice --priority 5} changes the priority and keeps everything else.
     * A list flag given at all replaces that whole list.
     */
    abstract static class Edit extends CliCommand {
        @Option(names = "--file", paramLabel = "FILE", description = "The whole policy as JSON (as `policies show --format json` prints it); - for standard input.")
        Path file;
        @Option(names = "--name", paramLabel = "NAME")
        String name;
        @Option(names = "--priority", paramLabel = "N", description = "1-65535, unique; lower is tried first.")
        Integer priority;
        @Option(names = "--dscp", paramLabel = "N", description = "Match this DSCP value, 0-63 (repeatable).")
        List<Integer> dscp;
        @Option(names = "--protocol", paramLabel = "PROTO", description = "Match any (default), icmp, tcp, udp or icmpv6.")
        String protocol;
        @Option(names = "--src-prefix", paramLabel = "CIDR", description = "Match this source prefix (repeatable).")
        List<String> srcPrefixes;
        @Option(names = "--dst-prefix", paramLabel = "CIDR", description = "Match this destination prefix (repeatable).")
        List<String> dstPrefixes;
        @Option(names = "--src-port", paramLabel = "PORTS", description = "Match this source port or range, 443 or 1000-2000 (repeatable; tcp or udp).")
        List<String> srcPorts;
        @Option(names = "--dst-port", paramLabel = "PORTS", description = "Match this destination port or range (repeatable; tcp or udp).")
        List<String> dstPorts;
        @Option(names = "--action", paramLabel = "ACTION", description = "route, drop or rate_limit.")
        String action;
        @Option(names = "--primary", paramLabel = "COLOUR", description = "route: the link colour to use while it is healthy.")
        String primary;
        @Option(names = "--backup", paramLabel = "COLOUR", description = "route: the link colour to fail over to.")
        String backup;
        @Option(names = "--failover-threshold", paramLabel = "SCORE", description = "route: fail over when the primary's health score is below this (0-100).")
        Integer threshold;
        @Option(names = "--kbps", paramLabel = "KBPS", description = "rate_limit: the rate in kbit/s.")
        Long kbps;

        boolean anyFlag() {
            return name != null || priority != null || dscp != null || protocol != null || srcPrefixes != null
                    || dstPrefixes != null || srcPorts != null || dstPorts != null || action != null || primary != null
                    || backup != null || threshold != null || kbps != null;
        }

        JsonNode fromFile() {
            if (anyFlag()) {
                throw CliException.usage("use either --file or the policy flags, not both");
            }
            return readJsonFile(file);
        }

        /** Checks the flags that need no appliance to check, so that a typo sends nothing. */
        void checkFlags() {
            if (action != null) {
                oneOf("--action", action, ACTIONS);
            }
            if (protocol != null) {
                oneOf("--protocol", protocol, PROTOCOLS);
            }
        }

        /** {@code base} with the given flags applied. */
        ObjectNode apply(ObjectNode base) {
            ObjectNode o = base.deepCopy();
            if (name != null) {
                o.put("name", name);
            }
            if (priority != null) {
                o.put("priority", priority);
            }
            ObjectNode m = o.path("match").isObject() ? (ObjectNode) o.get("match") : o.putObject("match");
            if (dscp != null) {
                ArrayNode d = m.putArray("dscp");
                dscp.forEach(d::add);
            }
            if (protocol != null) {
                m.put("protocol", oneOf("--protocol", protocol, PROTOCOLS));
            }
            replace(m, "sourcePrefixes", srcPrefixes);
            replace(m, "destinationPrefixes", dstPrefixes);
            replace(m, "sourcePorts", srcPorts);
            replace(m, "destinationPorts", dstPorts);
            o.set("action", action(o.path("action")));
            return o;
        }

        private static void replace(ObjectNode match, String field, List<String> values) {
            if (values != null) {
                ArrayNode a = match.putArray(field);
                values.forEach(a::add);
            }
        }

        /** The action from the flags; without --action, the current action with its changed parameters. */
        private JsonNode action(JsonNode current) {
            String type = action != null ? oneOf("--action", action, ACTIONS) : current.path("type").asText("");
            if (type.isEmpty()) {
                throw CliException.usage("--action is needed: route, drop or rate_limit");
            }
            JsonNode keep = current.path("type").asText("").equals(type) ? current : Json.mapper().missingNode();
            ObjectNode a = Json.mapper().createObjectNode().put("type", type);
            List<String> misplaced = new ArrayList<>();
            switch (type) {
                case "route" -> {
                    String p = primary != null ? primary : keep.path("primary").asText(null);
                    String b = backup != null ? backup : keep.path("backup").asText(null);
                    Integer t = threshold != null ? threshold : keep.path("failoverThreshold").isInt() ? keep.path("failoverThreshold").asInt() : null;
                    if (p == null || b == null || t == null) {
                        throw CliException.usage("--action route needs --primary, --backup and --failover-threshold");
                    }
                    a.put("primary", p).put("backup", b).put("failoverThreshold", t);
                    flag(misplaced, kbps, "--kbps");
                }
                case "rate_limit" -> {
                    Long k = kbps != null ? kbps : keep.path("kbps").canConvertToLong() ? keep.path("kbps").asLong() : null;
                    if (k == null) {
                        throw CliException.usage("--action rate_limit needs --kbps");
                    }
                    a.put("kbps", k);
                    flag(misplaced, primary, "--primary");
                    flag(misplaced, backup, "--backup");
                    flag(misplaced, threshold, "--failover-threshold");
                }
                default -> {
                    flag(misplaced, primary, "--primary");
                    flag(misplaced, backup, "--backup");
                    flag(misplaced, threshold, "--failover-threshold");
                    flag(misplaced, kbps, "--kbps");
                }
            }
            if (!misplaced.isEmpty()) {
                throw CliException.usage(String.join(", ", misplaced) + (misplaced.size() == 1 ? " does" : " do")
                        + " not apply to --action " + type);
            }
            return a;
        }

        private static void flag(List<String> misplaced, Object value, String option) {
            if (value != null) {
                misplaced.add(option);
            }
        }

        void done(JsonNode p, String verb) {
            if (format() == PatronusCli.Format.table) {
                out().println(verb + " policy " + p.path("id").asText() + " (priority " + p.path("priority").asInt() + "): "
                        + describeMatch(p.path("match")) + " -> " + describeAction(p.path("action")));
            } else {
                printOne(p, "id", x -> { });
            }
        }
    }

    @Command(name = "create", description = {"Create a policy from flags or from a JSON file.",
            "Example: patronus policies create --id voice --name Voice --priority 10 --dscp 46 --protocol udp \\",
            "           --action route --primary fiber --backup lte --failover-threshold 70"})
    static final class Create extends Edit {
        @Option(names = "--id", paramLabel = "ID", description = "Lower-case letters, digits and dashes.")
        String id;

        @Override
        public Integer call() {
            JsonNode body;
            if (file != null) {
                if (id != null) {
                    throw CliException.usage("use either --file or the policy flags, not both");
                }
                body = fromFile();
            } else {
                List<String> missing = new ArrayList<>();
                if (id == null) {
                    missing.add("--id");
                }
                if (name == null) {
                    missing.add("--name");
                }
                if (priority == null) {
                    missing.add("--priority");
                }
                if (action == null) {
                    missing.add("--action");
                }
                if (!missing.isEmpty()) {
                    throw CliException.usage("policies create needs " + String.join(", ", missing) + " (or --file)");
                }
                body = apply(Json.mapper().createObjectNode().put("id", id));
            }
            done(client().post("/v1/policies", body), "created");
            return 0;
        }
    }

    @Command(name = "update", description = {"Change a policy: the flags given change the current policy, the rest is kept;",
            "or replace it with a JSON file.", "Example: patronus policies update voice --priority 5 --failover-threshold 60"})
    static final class Update extends Edit {
        @Parameters(paramLabel = "ID", description = "The policy's id.")
        String id;

        @Override
        public Integer call() {
            JsonNode body;
            ApplianceClient client = client();
            String path = "/v1/policies/" + ApplianceClient.segment(id);
            if (file != null) {
                body = fromFile();
            } else if (!anyFlag()) {
                throw CliException.usage("policies update needs --file or at least one policy flag");
            } else {
                checkFlags();
                JsonNode current = client.get(path);
                if (!current.isObject()) {
                    throw CliException.error("the appliance answered GET " + path + " with something that is not a policy");
                }
                body = apply((ObjectNode) current);
            }
            done(client.put(path, body), "updated");
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a policy.")
    static final class Delete extends CliCommand {
        @Parameters(paramLabel = "ID", description = "The policy's id.")
        String id;

        @Override
        public Integer call() {
            client().delete("/v1/policies/" + ApplianceClient.segment(id));
            switch (format()) {
                case table -> out().println("deleted policy " + id);
                case ids -> out().println(id);
                case json -> { } // the appliance answers 204 without a body
            }
            return 0;
        }
    }
}
