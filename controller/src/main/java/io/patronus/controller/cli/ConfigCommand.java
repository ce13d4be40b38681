package io.patronus.controller.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code patronus-controller config get|set|diff|push}: group configurations and what appliances run. */
@Command(name = "config", description = "Group configurations (policies, SLA classes) and their rollout.",
        subcommands = {ConfigCommand.GetCommand.class, ConfigCommand.SetCommand.class, ConfigCommand.DiffCommand.class,
                ConfigCommand.PushCommand.class})
final class ConfigCommand extends CommandGroup {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> FILE_KEYS = Set.of("policies", "slaClasses", "rollout");

    @Command(name = "get", description = "A group's current configuration.")
    static final class GetCommand extends Leaf {
        @Option(names = "--group", required = true)
        String group;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/groups/" + AdminClient.segment(group) + "/config");
        }

        @Override
        void human(JsonNode g) {
            printJson(g);
        }
    }

    @Command(name = "set", description = "Set a group's policies and SLA classes from a YAML or JSON file and roll it "
            + "out in waves (canary first), each gated on the appliances' health.")
    static final class SetCommand extends Leaf {
        @Option(names = "--group", required = true)
        String group;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "YAML or JSON with policies and slaClasses.")
        Path file;

        @Option(names = "--waves", split = ",", paramLabel = "WAVE", description = "Waves, cumulative: N appliances or P%%, "
                + "e.g. 1,50%%,100%% (default: the controller's rolloutWaves).")
        List<String> waves;

        @Option(names = "--gate-timeout", paramLabel = "DURATION", description = "How long a wave may take to become "
                + "healthy before the rollout halts, e.g. 10m.")
        String gateTimeout;

        @Override
        JsonNode execute() {
            ObjectNode body = read(file);
            if (waves != null || gateTimeout != null) {
                ObjectNode rollout = body.has("rollout") && body.get("rollout").isObject()
                        ? (ObjectNode) body.get("rollout") : body.putObject("rollout");
                if (waves != null) {
                    rollout.set("waves", Json.mapper().valueToTree(waves));
                }
                if (gateTimeout != null) {
                    rollout.put("gateTimeout", gateTimeout);
                }
            }
            return client().put("/v1/admin/groups/" + AdminClient.segment(group) + "/config", body);
        }

        @Override
        void human(JsonNode g) {
            if (!g.path("changed").asBoolean()) {
                out().println("group " + text(g, "group") + " already has this configuration (revision "
                        + g.path("revision").asLong() + "); nothing to roll out");
                return;
            }
            out().println("group " + text(g, "group") + " is at revision " + g.path("revision").asLong());
            JsonNode r = g.path("rollout");
            if (!r.isMissingNode()) {
                RolloutCommand.printRollout(out(), r);
            }
        }
    }

    @Command(name = "diff", description = "Desired versus observed configuration of a site's appliance.")
    static final class DiffCommand extends Leaf {
        @Parameters(paramLabel = "SITE")
        String site;

        @Override
        JsonNode execute() {
            return client().get("/v1/admin/appliances/" + AdminClient.segment(site) + "/drift");
        }

        @Override
        void human(JsonNode d) {
            DriftCommand.printDrift(out(), d);
        }
    }

    @Command(name = "push", description = "Release a group's current configuration to every site at once (skipping or "
            + "ending its rollout).")
    static final class PushCommand extends Leaf {
        @Option(names = "--group", required = true)
        String group;

        @Override
        JsonNode execute() {
            return client().post("/v1/admin/groups/" + AdminClient.segment(group) + "/push", Json.mapper().createObjectNode());
        }

        @Override
        void human(JsonNode g) {
            out().println("group " + text(g, "group") + " revision " + g.path("revision").asLong() + " pushed to every site");
        }
    }

    /** A configuration file as a JSON object with only the keys a group configuration has. */
    static ObjectNode read(Path file) {
        JsonNode node;
        try {
            node = YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw CliException.usage("--file " + file + " does not exist");
        } catch (JacksonException e) {
            throw CliException.usage("--file " + file + " is not valid YAML or JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw CliException.usage("--file " + file + " cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw CliException.usage("--file " + file + " must hold a mapping with policies and slaClasses");
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!FILE_KEYS.contains(k)) {
                throw CliException.usage("--file " + file + ": unknown key '" + k + "'; known: policies, slaClasses, rollout");
            }
        });
        // YAML scalars come back as text; round-trip through JSON text so that numbers stay numbers.
        try {
            return (ObjectNode) Json.mapper().readTree(Json.mapper().writeValueAsBytes(node));
        } catch (IOException e) {
            throw CliException.usage("--file " + file + " cannot be converted to JSON: " + e.getMessage());
        }
    }
}
