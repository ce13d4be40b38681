package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code patronus debug dump}. */
@Command(name = "debug", description = "Field diagnostics.", subcommands = DebugCommand.Dump.class)
final class DebugCommand extends CommandGroup {

    @Command(name = "dump", description = "Runtime state of every component of the appliance, as a tree (admin).")
    static final class Dump extends CliCommand {
        @Override
        public Integer call() {
            JsonNode d = client().get("/v1/debug/dump");
            switch (format()) {
                case json -> printJson(d);
                case ids -> names(d.path("components"));
                case table -> tree(d.path("components"), "");
            }
            return 0;
        }

        private void names(JsonNode c) {
            out().println(c.path("name").asText());
            c.path("children").forEach(this::names);
        }

        /** {@code name [state]}, its details below it behind "|", then its children, indented. */
        private void tree(JsonNode c, String indent) {
            out().println(indent + c.path("name").asText() + " [" + c.path("state").asText() + "]");
            details(c.path("details"), indent + "  | ", "");
            c.path("children").forEach(ch -> tree(ch, indent + "  "));
        }

        private void details(JsonNode details, String indent, String prefix) {
            details.properties().forEach(e -> {
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    details(v, indent, prefix + e.getKey() + ".");
                    return;
                }
                String key = prefix + e.getKey() + ": ";
                List<String> lines = Fields.text(v).lines().toList();
                if (lines.size() <= 1) {
                    out().println(indent + key + (lines.isEmpty() ? "" : lines.getFirst()));
                } else {
                    out().println(indent + key);
                    lines.forEach(line -> out().println(indent + "    " + line));
                }
            });
        }
    }
}
