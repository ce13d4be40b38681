package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code patronus-controller audit list}: enrolments, admin changes and refusals. */
@Command(name = "audit", description = "The controller's audit trail.", subcommands = AuditCommand.ListCommand.class)
final class AuditCommand extends CommandGroup {

    @Command(name = "list", description = "The newest audit records.")
    static final class ListCommand extends Leaf {
        @Option(names = "--since", description = "An instant or a duration back from now (15m).")
        String since;

        @Option(names = "--code", description = "Only refusals with this code, e.g. token_replayed.")
        String code;

        @Option(names = "--refused", description = "Only refusals.")
        boolean refused;

        @Option(names = "--limit", description = "At most this many (default 100, max 1000).")
        Integer limit;

        @Override
        JsonNode execute() {
            Map<String, Optional<String>> q = new LinkedHashMap<>();
            q.put("since", Optional.ofNullable(since));
            q.put("code", Optional.ofNullable(code));
            q.put("outcome", refused ? Optional.of("refused") : Optional.empty());
            q.put("limit", Optional.ofNullable(limit).map(String::valueOf));
            return client().get("/v1/admin/audit" + AdminClient.query(q));
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("ID", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "CODE", "MESSAGE");
            for (JsonNode a : answer.path("items")) {
                row(t, a, a.path("id").asLong(), text(a, "at"), text(a, "actor"), text(a, "action"), text(a, "target"),
                        text(a, "outcome"), text(a, "code"), clip(text(a, "message"), 90));
            }
            t.print(out());
        }
    }
}
