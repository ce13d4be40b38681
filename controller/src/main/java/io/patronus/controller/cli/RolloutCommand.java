package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code patronus-controller rollout status [ID]}. */
@Command(name = "rollout", description = "Rollouts of group configurations.", subcommands = RolloutCommand.StatusCommand.class)
final class RolloutCommand extends CommandGroup {

    @Command(name = "status", description = "Every rollout, or one with its waves.")
    static final class StatusCommand extends Leaf {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "A rollout id (default: list them all).")
        String id;

        @Override
        JsonNode execute() {
            return client().get(id == null ? "/v1/admin/rollouts" : "/v1/admin/rollouts/" + AdminClient.segment(id));
        }

        @Override
        void human(JsonNode answer) {
            if (id != null) {
                printRollout(out(), answer);
                return;
            }
            Table t = table("ID", "GROUP", "REVISION", "STATE", "WAVE", "UPDATED", "REASON");
            for (JsonNode r : answer.path("items")) {
                row(t, r, text(r, "id"), text(r, "group"), r.path("fromRevision").asLong() + " -> " + r.path("toRevision").asLong(),
                        text(r, "state"), r.path("currentWave").asInt() + "/" + r.path("waves").size(), text(r, "updatedAt"),
                        clip(text(r, "reason"), 80));
            }
            t.print(out());
        }
    }

    static void printRollout(PrintStream out, JsonNode r) {
        out.println(Leaf.text(r, "id") + " of group " + Leaf.text(r, "group") + ": revision " + r.path("fromRevision").asLong()
                + " -> " + r.path("toRevision").asLong() + ", " + Leaf.text(r, "state")
                + (r.path("reason").asText().isEmpty() ? "" : " (" + r.path("reason").asText() + ")")
                + ", gate timeout " + Leaf.text(r, "gateTimeout"));
        Table t = new Table("WAVE", "STATE", "SITES", "TARGET VERSIONS", "DETAIL").emptyAsDash();
        for (JsonNode w : r.path("waves")) {
            List<String> sites = new ArrayList<>();
            w.path("sites").forEach(s -> sites.add(s.asText()));
            List<String> targets = new ArrayList<>();
            w.path("targetVersions").properties().forEach(e -> targets.add(e.getKey() + "=" + e.getValue().asLong()));
            t.row(w.path("wave").asInt(), Leaf.text(w, "state"), String.join(",", sites), String.join(",", targets),
                    Leaf.clip(Leaf.text(w, "detail"), 80));
        }
        t.print(out);
    }
}
