package io.patronus.appliance.cli;

import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * {@code patronus}: the operator's command line, a client of the appliance's REST API (docs/api/openapi.yaml).
 *
 * <p>Exit codes: 0 success; 1 an error reported by the appliance, or the appliance could not be reached (one line on
 * stderr, never a stack trace); 2 a usage error, found before anything is sent. Everything the command needs from
 * the outside (streams, environment, standard input, clock) comes in through {@link #run}, so tests run it
 * in-process exactly as {@link #main} does.
 *
 * <p>Which appliance: {@code --api}, else {@code PATRONUS_API_URL}, else the URL saved by {@code patronus login},
 * else {@value #DEFAULT_API}. The saved token is only ever sent to the URL it was issued by.
 */
@Command(name = "patronus", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = PatronusCli.Version.class,
        description = "Operate a Patronus appliance through its REST API.",
        subcommands = {LoginCommand.class, StatusCommand.class, SitesCommand.class, LinksCommand.class, SlaCommand.class,
                PathsCommand.class, PoliciesCommand.class, TestTrafficCommand.class, FailoverCommand.class, EventsCommand.class,
                FederationCommand.class,
                WgCommand.class, DbCommand.class, DebugCommand.class},
        footerHeading = "%nEnvironment:%n",
        footer = {"  PATRONUS_API_URL     the appliance API URL when --api is not given",
                "  PATRONUS_TOKEN_FILE  where login keeps the token; default",
                "                       $XDG_CONFIG_HOME/patronus/token or ~/.config/patronus/token"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:error reported by the appliance, or the appliance could not be reached",
                "2:usage error (nothing was changed)"})
public final class PatronusCli extends CommandGroup {
    static final String DEFAULT_API = "http://127.0.0.1:8081";

    /** Output format of every command. */
    enum Format { table, json, ids }

    @Option(names = "--format", scope = ScopeType.INHERIT, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output: table (default), json (the appliance's answer) or ids (one id per line).")
    Format format;

    @Option(names = "--api", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Appliance API URL (default: PATRONUS_API_URL, else the URL saved by login, else " + DEFAULT_API + ").")
    String api;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final InputStream in;
    private final Clock clock;

    private PatronusCli(PrintStream out, PrintStream err, Map<String, String> env, InputStream in, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.in = in;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs one command line in-process and returns its exit code; standard input is {@code System.in}. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, out, err, env, System.in, Clock.systemUTC());
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, InputStream in, Clock clock) {
        CommandLine cl = new CommandLine(new PatronusCli(out, err, env, in, clock));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, ignored) -> {
            err.println("patronus: " + ex.getMessage());
            PrintWriter w = new PrintWriter(err, true);
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
            err.println("see `" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help`");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CliException c) {
                err.println("patronus: " + c.getMessage());
                return c.exitCode();
            }
            // A bug in the CLI, not the operator's doing: say what it was, and keep the trace for whoever asks.
            err.println("patronus: unexpected " + ex + (debug(env) ? "" : " (set PATRONUS_DEBUG=1 for the stack trace)"));
            if (debug(env)) {
                ex.printStackTrace(err);
            }
            return 1;
        });
        return cl.execute(args);
    }

    private static boolean debug(Map<String, String> env) {
        return "1".equals(env.get("PATRONUS_DEBUG"));
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    InputStream in() {
        return in;
    }

    Clock clock() {
        return clock;
    }

    Format format() {
        return format;
    }

    Path tokenFile() {
        return TokenFile.location(env);
    }

    Optional<TokenFile.Saved> savedLogin() {
        Path file = tokenFile();
        TokenFile.permissionProblem(file).ifPresent(p -> err.println("patronus: warning: " + p));
        return TokenFile.load(file);
    }

    /** The appliance to talk to; see the class comment for the order of precedence. */
    URI apiUri(Optional<TokenFile.Saved> saved) {
        if (api != null) {
            return ApiUrl.parse(api, "--api");
        }
        String fromEnv = env.get("PATRONUS_API_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return ApiUrl.parse(fromEnv, "PATRONUS_API_URL");
        }
        if (saved.isPresent()) {
            return ApiUrl.parse(saved.get().api(), "the API URL saved in " + tokenFile());
        }
        return ApiUrl.parse(DEFAULT_API, "the default API URL");
    }

    /** A client for the chosen appliance, carrying the saved token only if it was issued by that appliance. */
    ApplianceClient client() {
        Optional<TokenFile.Saved> saved = savedLogin();
        URI uri = apiUri(saved);
        Optional<TokenFile.Saved> login = saved.filter(s -> ApiUrl.same(s.api(), uri));
        String loginCommand = "patronus login" + (uri.toString().equals(DEFAULT_API) || login.isPresent() ? "" : " --api " + uri);
        String advice;
        if (login.isEmpty()) {
            advice = "not logged in to " + uri + ": run `" + loginCommand + "`";
        } else if (expired(login.get(), clock.instant())) {
            advice = "the saved login expired at " + login.get().expiresAt() + ": run `" + loginCommand + "`";
        } else {
            advice = "run `" + loginCommand + "`";
        }
        return new ApplianceClient(uri, login.map(TokenFile.Saved::token), advice);
    }

    private static boolean expired(TokenFile.Saved s, Instant now) {
        try {
            return !s.expiresAt().isEmpty() && !Instant.parse(s.expiresAt()).isAfter(now);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Version of the CLI, from the jar's manifest when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PatronusCli.class.getPackage().getImplementationVersion();
            return new String[] {"patronus " + (v == null ? "0.1.0-dev" : v)};
        }
    }
}
