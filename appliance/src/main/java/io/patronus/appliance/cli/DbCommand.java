package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code patronus db check}. */
@Command(name = "db", description = "State store and write-ahead log.", subcommands = DbCommand.Check.class)
final class DbCommand extends CommandGroup {

    @Command(name = "check", description = {"Verify the state store and the write-ahead log end to end (admin).",
            "Exits 1 when a problem is found."})
    static final class Check extends CliCommand {
        @Override
        public Integer call() {
            JsonNode c = client().get("/v1/db/check");
            boolean ok = c.path("ok").asBoolean(false);
            JsonNode problems = c.path("problems");
            switch (format()) {
                case json -> printJson(c);
                case ids -> problems.forEach(p -> out().println(p.asText()));
                case table -> {
                    JsonNode s = c.path("store");
                    JsonNode l = c.path("log");
                    Fields f = new Fields()
                            .add("store", "schema " + s.path("schemaVersion").asInt() + ", applied sequence "
                                    + s.path("appliedSequence").asLong() + ", " + s.path("sites").asInt() + " sites, "
                                    + s.path("policies").asInt() + " policies, " + s.path("users").asInt() + " users, "
                                    + s.path("historySamples").asLong() + " history samples")
                            .add("log", l.path("records").asLong() + " records in " + l.path("segments").asInt()
                                    + " segment(s), last sequence " + l.path("lastSequence").asLong());
                    problems.forEach(p -> f.add("problem", p.asText()));
                    f.add("result", ok ? "OK: no problems found" : "FAILED: " + problems.size() + " problem(s)");
                    f.print(out());
                }
            }
            if (!ok) {
                root().err().println("patronus: the check found " + problems.size() + " problem(s)");
            }
            return ok ? 0 : 1;
        }
    }
}
