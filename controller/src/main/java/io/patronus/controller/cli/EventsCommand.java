package io.patronus.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code patronus-controller events list}: telemetry the appliances sent. */
@Command(name = "events", description = "Telemetry events from appliances.", subcommands = EventsCommand.ListCommand.class)
final class EventsCommand extends CommandGroup {

    @Command(name = "list", description = "The newest events, optionally of one site, kind or time.")
    static final class ListCommand extends Leaf {
        @Option(names = "--site")
        String site;

        @Option(names = "--since", description = "An instant (2026-11-23T10:00:00Z) or a duration back from now (15m).")
        String since;

        @Option(names = "--kind")
        String kind;

        @Option(names = "--limit", description = "At most this many (default 100, max 1000).")
        Integer limit;

        @Override
        JsonNode execute() {
            Map<String, Optional<String>> q = new LinkedHashMap<>();
            q.put("site", Optional.ofNullable(site));
            q.put("since", Optional.ofNullable(since));
            q.put("kind", Optional.ofNullable(kind));
            q.put("limit", Optional.ofNullable(limit).map(String::valueOf));
            return client().get("/v1/admin/events" + AdminClient.query(q));
        }

        @Override
        void human(JsonNode answer) {
            Table t = table("AT", "SITE", "SEQUENCE", "KIND", "BODY");
            for (JsonNode e : answer.path("items")) {
                row(t, e, text(e, "at"), text(e, "siteId"), e.path("sequence").asLong(), text(e, "kind"), clip(e.path("body").toString(), 80));
            }
            t.print(out());
            long duplicates = 0;
            for (JsonNode c : answer.path("telemetry")) {
                duplicates += c.path("duplicates").asLong();
            }
            out().println(answer.path("items").size() + " of " + answer.path("total").asLong() + " events shown; "
                    + duplicates + " duplicate(s) received and dropped");
        }
    }
}
