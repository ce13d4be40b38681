package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@code patronus paths list|show|history}. */
@Command(name = "paths", description = "Paths (a local link colour towards a remote site) and their health.",
        subcommands = {PathsCommand.ListPaths.class, PathsCommand.Show.class, PathsCommand.History.class})
final class PathsCommand extends CommandGroup {
    static final List<String> STATUSES = List.of("up", "degraded", "down", "unknown");

    /** The same forms the API accepts for since/until: an ISO-8601 instant or a duration ago (90s, 15m, 24h, 7d). */
    private static final Pattern AGO = Pattern.compile("\\d{1,9}[smhd]");

    static String timeBound(String option, String value) {
        if (AGO.matcher(value).matches()) {
            return value;
        }
        try {
            Instant.parse(value);
            return value;
        } catch (DateTimeException e) {
            throw CliException.usage(option + " must be an ISO-8601 instant (2026-11-23T08:00:00Z) or a duration ago "
                    + "like 90s, 15m, 24h, 7d; was '" + value + "'");
        }
    }

    @Command(name = "list", description = "List the paths, by id.")
    static final class ListPaths extends CliCommand {
        @Option(names = "--show-health", description = "Add score, latency, loss, jitter and last check columns.")
        boolean showHealth;
        @Option(names = "--site", paramLabel = "ID", description = "Only paths from or to this site.")
        String site;
        @Option(names = "--status", paramLabel = "STATUS", description = "Only paths in this state: up, degraded, down or unknown.")
        String status;

        @Override
        public Integer call() {
            Map<String, Optional<String>> q = new LinkedHashMap<>();
            q.put("siteId", Optional.ofNullable(site));
            q.put("status", Optional.ofNullable(status).map(s -> oneOf("--status", s, STATUSES)));
            Instant now = root().clock().instant();
            printList(client().get("/v1/paths" + ApplianceClient.query(q)), "id", items -> {
                Table t = showHealth
                        ? new Table("PATH", "TO", "COLOUR", "STATUS", "SCORE", "LATENCY", "LOSS", "JITTER", "LAST CHECK")
                        : new Table("PATH", "TO", "COLOUR", "STATUS");
                items.forEach(p -> {
                    if (showHealth) {
                        t.row(p.path("id").asText(), p.path("destinationSite").asText(), p.path("colour").asText(),
                                p.path("status").asText(), p.path("healthScore").asInt(), Units.ms(p.path("latencyMs").asDouble()),
                                Units.pct(p.path("packetLossPct").asDouble()), Units.ms(p.path("jitterMs").asDouble()),
                                Units.ago(p.path("lastCheck").asText(""), now));
                    } else {
                        t.row(p.path("id").asText(), p.path("destinationSite").asText(), p.path("colour").asText(),
                                p.path("status").asText());
                    }
                });
                t.print(out());
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show one path and its latest health.")
    static final class Show extends CliCommand {
        @Parameters(paramLabel = "PATH", description = "The path's id, source:destination:colour.")
        String id;

        @Override
        public Integer call() {
            Instant now = root().clock().instant();
            printOne(client().get("/v1/paths/" + ApplianceClient.segment(id)), "id", p -> new Fields()
                    .add("id", p.path("id").asText())
                    .add("from", p.path("sourceSite").asText())
                    .add("to", p.path("destinationSite").asText())
                    .add("colour", p.path("colour").asText())
                    .add("status", p.path("status").asText())
                    .add("score", p.path("healthScore").asInt())
                    .add("latency", Units.ms(p.path("latencyMs").asDouble()))
                    .add("loss", Units.pct(p.path("packetLossPct").asDouble()))
                    .add("jitter", Units.ms(p.path("jitterMs").asDouble()))
                    .add("last check", p.path("lastCheck").isMissingNode() ? "never"
                            : p.path("lastCheck").asText() + " (" + Units.ago(p.path("lastCheck").asText(), now) + ")")
                    .print(out()));
            return 0;
        }
    }

    @Command(name = "history", description = "Health history of a path over a time window, oldest first: raw "
            + "samples for the recent past (1h by default), one-minute aggregates beyond, wider buckets past 2,000 points.")
    static final class History extends CliCommand {
        @Parameters(paramLabel = "PATH", description = "The path's id, source:destination:colour.")
        String id;
        @Option(names = "--since", paramLabel = "WHEN", description = "ISO-8601 instant or a duration ago: 90s, 15m, 24h, 7d (default 1h).")
        String since;
        @Option(names = "--until", paramLabel = "WHEN", description = "ISO-8601 instant or a duration ago (default now).")
        String until;

        @Override
        public Integer call() {
            Map<String, Optional<String>> q = new LinkedHashMap<>();
            q.put("since", Optional.ofNullable(since).map(s -> timeBound("--since", s)));
            q.put("until", Optional.ofNullable(until).map(s -> timeBound("--until", s)));
            JsonNode h = client().get("/v1/paths/" + ApplianceClient.segment(id) + "/health" + ApplianceClient.query(q));
            // An appliance of the first version answers samples only.
            boolean points = h.has("points");
            JsonNode rows = points ? h.path("points") : h.path("samples");
            switch (format()) {
                case json -> printJson(h);
                case ids -> rows.forEach(s -> out().println(s.path("at").asText()));
                case table -> {
                    if (points) {
                        printPoints(h);
                    } else {
                        printSamples(h);
                    }
                }
            }
            return 0;
        }

        private void printPoints(JsonNode h) {
            JsonNode rows = h.path("points");
            out().println(h.path("pathId").asText() + " from " + h.path("since").asText() + " to "
                    + h.path("until").asText() + ": " + rows.size() + " point(s) at " + h.path("resolution").asText()
                    + " resolution" + (h.path("folded").asBoolean() ? ", folded to at most "
                    + h.path("maxPoints").asInt() + " points" : ""));
            Table t = new Table("AT", "RES", "STATUS", "SCORE", "LATENCY", "LOSS", "JITTER", "SAMPLES");
            rows.forEach(p -> t.row(p.path("at").asText(), p.path("resolution").asText(), status(p),
                    Math.round(p.path("healthScore").asDouble()), Units.ms(p.path("latencyMs").asDouble()),
                    Units.pct(p.path("packetLossPct").asDouble()), Units.ms(p.path("jitterMs").asDouble()),
                    p.path("sampleCount").asInt()));
            t.print(out());
        }

        /** The worst status seen; with how long it lasted when the bucket also spent time in another status. */
        static String status(JsonNode point) {
            String worst = point.path("status").asText();
            JsonNode seconds = point.path("statusSeconds");
            int spent = 0;
            for (JsonNode s : seconds) {
                spent += s.asDouble() > 0 ? 1 : 0;
            }
            if (spent < 2 || !seconds.has(worst)) {
                return worst;
            }
            return worst + " (" + Units.uptime(Math.round(seconds.path(worst).asDouble())) + ")";
        }

        private void printSamples(JsonNode h) {
            JsonNode rows = h.path("samples");
            out().println(h.path("pathId").asText() + " from " + h.path("since").asText() + " to "
                    + h.path("until").asText() + ": " + rows.size() + " sample(s)");
            Table t = new Table("AT", "STATUS", "SCORE", "LATENCY", "LOSS", "JITTER");
            rows.forEach(s -> t.row(s.path("at").asText(), s.path("status").asText(),
                    s.path("healthScore").asInt(), Units.ms(s.path("latencyMs").asDouble()),
                    Units.pct(s.path("packetLossPct").asDouble()), Units.ms(s.path("jitterMs").asDouble())));
            t.print(out());
        }
    }
}
