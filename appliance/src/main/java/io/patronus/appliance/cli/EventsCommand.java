package io.patronus.appliance.cli;

import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code patronus events list}: failover decisions and other operational events, newest first. */
@Command(name = "events", description = "Operational events: failover decisions with their reasons, manual pins.",
        subcommands = {EventsCommand.ListEvents.class})
final class EventsCommand extends CommandGroup {

    @Command(name = "list", description = "Events, newest first.")
    static final class ListEvents extends CliCommand {
        @Option(names = "--since", paramLabel = "WHEN", description = "An ISO-8601 instant or a duration back from now (90m, 24h, 7d).")
        String since;
        @Option(names = "--until", paramLabel = "WHEN", description = "As --since.")
        String until;
        @Option(names = "--type", paramLabel = "TYPE", description = "failover, failover-pin or path.")
        String type;
        @Option(names = "--limit", paramLabel = "N", description = "At most N events (default 100).")
        Integer limit;
        @Option(names = "--details", description = "Print each event's reason and the paths' health at the time.")
        boolean details;

        @Override
        public Integer call() {
            if (type != null) {
                oneOf("--type", type, List.of("failover", "failover-pin", "path"));
            }
            List<String> q = new ArrayList<>();
            add(q, "since", since);
            add(q, "until", until);
            add(q, "type", type);
            add(q, "limit", limit == null ? null : limit.toString());
            String path = "/v1/events" + (q.isEmpty() ? "" : "?" + String.join("&", q));
            printList(client().get(path), "sequence", items -> {
                if (!details) {
                    Table t = new Table("TIME", "TYPE", "EVENT");
                    items.forEach(e -> t.row(e.path("at").asText(), e.path("type").asText(), e.path("summary").asText()));
                    t.print(out());
                    return;
                }
                items.forEach(e -> {
                    out().println(e.path("at").asText() + "  " + e.path("type").asText() + "  " + e.path("summary").asText());
                    var d = e.path("details");
                    if (d.hasNonNull("reason")) {
                        out().println("  why: " + d.path("reason").asText());
                    }
                    d.path("paths").properties().forEach(p -> out().println("  " + p.getKey() + ": " + p.getValue().asText()));
                });
            });
            return 0;
        }

        private static void add(List<String> q, String name, String value) {
            if (value != null) {
                q.add(name + "=" + java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}
