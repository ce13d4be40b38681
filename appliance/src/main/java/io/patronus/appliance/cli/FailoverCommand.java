package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code patronus failover status|trigger|clear}: which colour traffic uses now, and manual pins. */
@Command(name = "failover", description = "Which colour each policy's traffic (and default traffic) uses per site, and manual pins.",
        subcommands = {FailoverCommand.Status.class, FailoverCommand.Trigger.class, FailoverCommand.Clear.class})
final class FailoverCommand extends CommandGroup {

    @Command(name = "status", description = "The colour in use per site and policy, and why.")
    static final class Status extends CliCommand {
        @Override
        public Integer call() {
            printList(client().get("/v1/failover"), "siteId", items -> {
                Table t = new Table("SITE", "POLICY", "COLOUR", "CAUSE", "PINNED", "WHY");
                items.forEach(i -> t.row(i.path("siteId").asText(), i.path("policyId").isNull() ? "(default)" : i.path("policyId").asText(),
                        i.path("colour").asText(), i.path("cause").asText(), i.path("pinned").asBoolean() ? "yes" : "", i.path("reason").asText()));
                t.print(out());
            });
            return 0;
        }
    }

    abstract static class TargetOptions extends CliCommand {
        @Option(names = "--policy", paramLabel = "POLICY", description = "A route policy's id; leave out for the site's default traffic.")
        String policy;
        @Option(names = "--site", required = true, paramLabel = "SITE", description = "The remote site's id.")
        String site;

        ObjectNode body() {
            ObjectNode b = Json.mapper().createObjectNode();
            if (policy != null) {
                b.put("policyId", policy);
            }
            b.put("siteId", site);
            return b;
        }

        void print(JsonNode a) {
            printOne(a, "colour", x -> new Fields()
                    .add("site", x.path("siteId").asText())
                    .add("policy", x.path("policyId").isNull() || x.path("policyId").isMissingNode() ? "(default traffic)" : x.path("policyId").asText())
                    .add("colour", x.path("colour").asText("-"))
                    .add("cause", x.path("cause").asText("-"))
                    .add("why", x.path("reason").asText("-"))
                    .print(out()));
        }
    }

    @Command(name = "trigger", description = "Pin traffic to a colour regardless of health, until `failover clear`.")
    static final class Trigger extends TargetOptions {
        @Option(names = "--colour", required = true, paramLabel = "COLOUR", description = "The link colour to use.")
        String colour;

        @Override
        public Integer call() {
            print(client().post("/v1/failover/trigger", body().put("colour", colour)));
            return 0;
        }
    }

    @Command(name = "clear", description = "Remove a pin: health decides again.")
    static final class Clear extends TargetOptions {
        @Override
        public Integer call() {
            JsonNode a = client().post("/v1/failover/clear", body());
            if (!a.path("cleared").asBoolean()) {
                root().err().println("there was no pin for " + (policy == null ? "default traffic" : "policy " + policy) + " to " + site);
            }
            print(a);
            return 0;
        }
    }
}
