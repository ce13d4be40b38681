package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code patronus}: the operator's command line, a client of the appliance's REST API. Exit codes: 0 success,
 * 1 an error (the server's message is printed), 2 a usage error.
 */
@Command(name = "patronus", mixinStandardHelpOptions = true, version = "patronus 0.1",
        description = "Operate a Patronus appliance through its REST API.",
        subcommands = {PatronusCli.Login.class, PatronusCli.Status.class, SitesCommand.class, PatronusCli.Links.class,
                PathsCommand.class, PoliciesCommand.class, PatronusCli.Db.class, PatronusCli.Debug.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:error reported by the appliance (or it could not be reached)", "2:usage error"})
public final class PatronusCli implements Runnable {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    PrintStream out;
    PrintStream err;
    Map<String, String> env;
    InputStream in;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs one command line in-process; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, out, err, env, System.in);
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, InputStream in) {
        PatronusCli root = new PatronusCli();
        root.out = out;
        root.err = err;
        root.env = env;
        root.in = in;
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CliException c) {
                err.println("patronus: " + c.getMessage());
                return c.exitCode();
            }
            err.println("patronus: " + ex);
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        throw CliException.usage("a command is needed; see `patronus --help`");
    }

    /** Output format of every command. */
    enum Format { table, json, ids }

    /** Options accepted before or after the command: {@code patronus --format json sites list} or {@code ... list --format json}. */
    static final class GlobalOptions {
        @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), json or ids")
        Format format;

        @Option(names = "--api", paramLabel = "URL", description = "Appliance API (default: PATRONUS_API_URL, the URL saved by login, http://127.0.0.1:8081)")
        String api;
    }

    /** What every command needs: streams, the effective options, and an authenticated API client. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        GlobalOptions local = new GlobalOptions();

        abstract PatronusCli root();

        PrintStream out() {
            return root().out;
        }

        Format format() {
            return local.format != null ? local.format : root().global.format != null ? root().global.format : Format.table;
        }

        Optional<String> explicitApi() {
            return Optional.ofNullable(local.api != null ? local.api : root().global.api)
                    .or(() -> Optional.ofNullable(root().env.get("PATRONUS_API_URL")).filter(s -> !s.isBlank()));
        }

        URI apiUri(Optional<TokenFile.Saved> saved) {
            String url = explicitApi().orElse(saved.map(TokenFile.Saved::api).orElse("http://127.0.0.1:8081"));
            try {
                URI u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                    throw new IllegalArgumentException("needs http:// or https:// and a host");
                }
                return u;
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--api " + url + " is not a valid URL: " + e.getMessage());
            }
        }

        ApiCall api() {
            Optional<TokenFile.Saved> saved = TokenFile.load(TokenFile.location(root().env));
            URI uri = apiUri(saved);
            Optional<String> token = saved.filter(s -> URI.create(s.api()).equals(uri)).map(TokenFile.Saved::token);
            if (token.isEmpty() && saved.isPresent()) {
                token = Optional.of(saved.get().token()); // same appliance under another name: let the server decide
            }
            return new ApiCall(uri, token);
        }

        void printJson(JsonNode node) {
            try {
                out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw CliException.error("cannot print the answer: " + e.getMessage());
            }
        }

        /** Prints a list answer in the chosen format; {@code table} is called for the table format. */
        void printList(JsonNode answer, String idField, java.util.function.Consumer<JsonNode> table) {
            JsonNode items = answer.path("items");
            switch (format()) {
                case json -> printJson(answer);
                case ids -> items.forEach(i -> out().println(i.path(idField).asText()));
                case table -> table.accept(items);
            }
        }

        /** Prints one object in the chosen format; {@code table} prints it as key/value lines. */
        void printOne(JsonNode answer, String idField) {
            switch (format()) {
                case json -> printJson(answer);
                case ids -> out().println(answer.path(idField).asText());
                case table -> printFields(answer, "");
            }
        }

        void printFields(JsonNode node, String indent) {
            node.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    out().println(indent + e.getKey() + ":");
                    printFields(v, indent + "  ");
                } else if (v.isArray()) {
                    StringBuilder sb = new StringBuilder();
                    v.forEach(x -> sb.append(sb.isEmpty() ? "" : ", ").append(x.isValueNode() ? x.asText() : x.toString()));
                    out().println(indent + e.getKey() + ": " + sb);
                } else {
                    out().println(indent + e.getKey() + ": " + v.asText());
                }
            });
        }
    }

    /** A command directly under {@code patronus}. */
    abstract static class TopLevel extends Base {
        @ParentCommand
        PatronusCli parent;

        @Override
        PatronusCli root() {
            return parent;
        }
    }

    @Command(name = "login", description = "Log in and keep the token (in a 0600 file) for the following commands.")
    static final class Login extends TopLevel {
        @Option(names = {"--user", "-u"}, defaultValue = "admin", description = "User name (default admin).")
        String user;

        @Option(names = "--password", description = "Password (visible in the process list; prefer --password-stdin).")
        String password;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean passwordStdin;

        @Override
        public Integer call() throws Exception {
            if (password != null && passwordStdin) {
                throw CliException.usage("use either --password or --password-stdin, not both");
            }
            String pw = password;
            if (passwordStdin) {
                pw = new BufferedReader(new InputStreamReader(root().in, StandardCharsets.UTF_8)).readLine();
            } else if (pw == null) {
                java.io.Console console = System.console();
                if (console == null) {
                    throw CliException.usage("no terminal to ask for the password: use --password-stdin");
                }
                char[] typed = console.readPassword("password for %s: ", user);
                pw = typed == null ? null : new String(typed);
            }
            if (pw == null || pw.isEmpty()) {
                throw CliException.usage("the password is empty");
            }
            URI uri = apiUri(TokenFile.load(TokenFile.location(root().env)));
            JsonNode r = new ApiCall(uri, Optional.empty()).post("/v1/auth/login", Map.of("username", user, "password", pw));
            java.nio.file.Path file = TokenFile.location(root().env);
            TokenFile.save(file, new TokenFile.Saved(uri.toString(), r.get("token").asText(), r.path("expiresAt").asText()));
            if (format() == Format.json) {
                printJson(Json.mapper().createObjectNode().put("username", r.path("username").asText())
                        .put("role", r.path("role").asText()).put("expiresAt", r.path("expiresAt").asText())
                        .put("api", uri.toString()));
            } else {
                out().println("logged in to " + uri + " as " + r.path("username").asText() + " (" + r.path("role").asText()
                        + ") until " + r.path("expiresAt").asText() + "; token saved in " + file);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Appliance status, version, data plane and counts.")
    static final class Status extends TopLevel {
        @Override
        public Integer call() {
            JsonNode h = api().get("/v1/health");
            if (format() == Format.json) {
                printJson(h);
            } else if (format() == Format.ids) {
                out().println(h.path("siteId").asText());
            } else {
                out().println("site        " + h.path("siteId").asText());
                out().println("status      " + h.path("status").asText());
                out().println("version     " + h.path("version").asText());
                out().println("uptime      " + h.path("uptimeSeconds").asLong() + " s");
                out().println("data plane  " + h.path("dataPlane").asText());
                JsonNode c = h.path("counts");
                out().println("sites       " + c.path("sites").asInt() + "   policies " + c.path("policies").asInt()
                        + "   links " + c.path("links").asInt() + "   paths " + c.path("paths").asInt());
                out().println("log         last sequence " + h.path("wal").path("lastSequence").asLong() + " in "
                        + h.path("wal").path("segments").asInt() + " segment(s)");
            }
            return 0;
        }
    }

    @Command(name = "links", description = "WAN links of this appliance.", subcommands = Links.List.class)
    static final class Links implements Runnable {
        @ParentCommand
        PatronusCli parent;

        @Override
        public void run() {
            throw CliException.usage("links needs a subcommand: list");
        }

        @Command(name = "list", description = "List links.")
        static final class List extends Base {
            @ParentCommand
            Links links;

            @Override
            PatronusCli root() {
                return links.parent;
            }

            @Override
            public Integer call() {
                printList(api().get("/v1/links"), "name", items -> {
                    Table t = new Table("NAME", "IFACE", "COLOUR", "PRIORITY", "BANDWIDTH");
                    items.forEach(l -> t.row(l.path("name").asText(), l.path("iface").asText(), l.path("colour").asText(),
                            l.path("priority").asInt(), Units.kbps(l.path("bandwidthKbps").asLong())));
                    t.print(out());
                });
                return 0;
            }
        }
    }

    @Command(name = "db", description = "Store and write-ahead log maintenance.", subcommands = Db.Check.class)
    static final class Db implements Runnable {
        @ParentCommand
        PatronusCli parent;

        @Override
        public void run() {
            throw CliException.usage("db needs a subcommand: check");
        }

        @Command(name = "check", description = "Verify the state store and the write-ahead log end to end (admin). Exit 1 when a problem is found.")
        static final class Check extends Base {
            @ParentCommand
            Db db;

            @Override
            PatronusCli root() {
                return db.parent;
            }

            @Override
            public Integer call() {
                JsonNode c = api().get("/v1/db/check");
                boolean ok = c.path("ok").asBoolean();
                if (format() == Format.json) {
                    printJson(c);
                } else {
                    JsonNode s = c.path("store");
                    JsonNode l = c.path("log");
                    out().println("store  schema " + s.path("schemaVersion").asInt() + ", applied sequence "
                            + s.path("appliedSequence").asLong() + ", " + s.path("sites").asInt() + " sites, "
                            + s.path("policies").asInt() + " policies, " + s.path("users").asInt() + " users, "
                            + s.path("historySamples").asLong() + " history samples");
                    out().println("log    " + l.path("records").asLong() + " records in " + l.path("segments").asInt()
                            + " segment(s), last sequence " + l.path("lastSequence").asLong());
                    c.path("problems").forEach(p -> out().println("PROBLEM " + p.asText()));
                    out().println(ok ? "OK: no problems found" : "FAILED: " + c.path("problems").size() + " problem(s)");
                }
                return ok ? 0 : 1;
            }
        }
    }

    @Command(name = "debug", description = "Field diagnostics.", subcommands = Debug.Dump.class)
    static final class Debug implements Runnable {
        @ParentCommand
        PatronusCli parent;

        @Override
        public void run() {
            throw CliException.usage("debug needs a subcommand: dump");
        }

        @Command(name = "dump", description = "Runtime state of every component as a tree (admin).")
        static final class Dump extends Base {
            @ParentCommand
            Debug debug;

            @Override
            PatronusCli root() {
                return debug.parent;
            }

            @Override
            public Integer call() {
                JsonNode d = api().get("/v1/debug/dump");
                if (format() == Format.json) {
                    printJson(d);
                } else {
                    tree(d.path("components"), "");
                }
                return 0;
            }

            private void tree(JsonNode c, String indent) {
                out().println(indent + c.path("name").asText() + " [" + c.path("state").asText() + "]");
                c.path("details").fields().forEachRemaining(e -> {
                    String v = e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString();
                    for (String line : v.split("\n")) {
                        out().println(indent + "  | " + e.getKey() + ": " + line);
                    }
                });
                c.path("children").forEach(ch -> tree(ch, indent + "  "));
            }
        }
    }
}
