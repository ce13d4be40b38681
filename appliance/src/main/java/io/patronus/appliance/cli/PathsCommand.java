package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** {@code patronus paths list|show|history}. */
@Command(name = "paths", description = "Paths (a local link colour towards a remote site) and their health.",
        subcommands = {PathsCommand.ListPaths.class, PathsCommand.Show.class, PathsCommand.History.class})
final class PathsCommand implements Runnable {
    @ParentCommand
    PatronusCli parent;

    @Override
    public void run() {
        throw CliException.usage("paths needs a subcommand: list, show, history");
    }

    abstract static class Sub extends PatronusCli.Base {
        @ParentCommand
        PathsCommand paths;

        @Override
        PatronusCli root() {
            return paths.parent;
        }
    }

    @Command(name = "list", description = "List paths.")
    static final class ListPaths extends Sub {
        @Option(names = "--show-health", description = "Add latency, loss, jitter, score and last check columns.")
        boolean showHealth;
        @Option(names = "--site", description = "Only paths to or from this site.")
        String site;
        @Option(names = "--status", description = "up, degraded, down or unknown")
        String status;

        @Override
        public Integer call() {
            StringBuilder q = new StringBuilder();
            if (site != null) {
                q.append(q.isEmpty() ? "?" : "&").append("siteId=").append(URLEncoder.encode(site, StandardCharsets.UTF_8));
            }
            if (status != null) {
                if (!java.util.List.of("up", "degraded", "down", "unknown").contains(status)) {
                    throw CliException.usage("--status must be up, degraded, down or unknown, was '" + status + "'");
                }
                q.append(q.isEmpty() ? "?" : "&").append("status=").append(status);
            }
            Instant now = Instant.now();
            printList(api().get("/v1/paths" + q), "id", items -> {
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

    @Command(name = "show", description = "Show one path (id source:destination:colour).")
    static final class Show extends Sub {
        @Parameters(paramLabel = "PATH")
        String id;

        @Override
        public Integer call() {
            printOne(api().get("/v1/paths/" + ApiCall.segment(id)), "id");
            return 0;
        }
    }

    @Command(name = "history", description = "Health samples of a path.")
    static final class History extends Sub {
        @Parameters(paramLabel = "PATH")
        String id;
        @Option(names = "--since", defaultValue = "1h", description = "ISO-8601 instant or a duration ago: 90s, 15m, 24h, 7d (default 1h).")
        String since;
        @Option(names = "--until", description = "ISO-8601 instant or a duration ago (default now).")
        String until;

        @Override
        public Integer call() {
            String q = "?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8)
                    + (until == null ? "" : "&until=" + URLEncoder.encode(until, StandardCharsets.UTF_8));
            JsonNode h = api().get("/v1/paths/" + ApiCall.segment(id) + "/health" + q);
            switch (format()) {
                case json -> printJson(h);
                case ids -> h.path("samples").forEach(s -> out().println(s.path("at").asText()));
                case table -> {
                    Table t = new Table("AT", "STATUS", "SCORE", "LATENCY", "LOSS", "JITTER");
                    h.path("samples").forEach(s -> t.row(s.path("at").asText(), s.path("status").asText(),
                            s.path("healthScore").asInt(), Units.ms(s.path("latencyMs").asDouble()),
                            Units.pct(s.path("packetLossPct").asDouble()), Units.ms(s.path("jitterMs").asDouble())));
                    out().println(h.path("pathId").asText() + " from " + h.path("since").asText() + " to " + h.path("until").asText());
                    t.print(out());
                }
            }
            return 0;
        }
    }
}
