package io.patronus.controller.cli;

import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import io.patronus.controller.config.ConfigLoader;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.ProvisioningException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;

/**
 * {@code patronus-controller}: runs the controller ({@code serve}) and administers the fleet over its HTTPS admin API.
 *
 * <p>Which controller: {@code --controller}, else {@code PATRONUS_CONTROLLER_URL}, else {@value #DEFAULT_URL}. The
 * admin token: {@code --token-file}, else {@code PATRONUS_CONTROLLER_TOKEN}, else {@code <data dir>/secrets/admin.token}.
 * The CA to trust: {@code --ca-file}, else {@code <data dir>/secrets/ca.pem}. The data dir: {@code --data-dir}, else
 * {@code PATRONUS_CONTROLLER_DATA_DIR}, else {@value #DEFAULT_DATA_DIR}. Which organisation: {@code --organisation},
 * else {@code PATRONUS_ORGANISATION}, else the controller's only one (an organisation admin token: its own); with
 * several, commands that list or create things need it, and {@code --all-organisations} lists every organisation's
 * objects with an ORGANISATION column.
 *
 * <p>Exit codes: 0 success; 1 the controller refused or could not be reached (one line on stderr, never a stack
 * trace); 2 usage error. Streams and environment come in through {@link #run}, so tests run it in-process.
 */
@Command(name = "patronus-controller", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = ControllerCli.Version.class,
        description = "Runs the Patronus controller, and administers the fleet through its admin API.",
        subcommands = {ServeCommand.class, AppliancesCommand.class, SitesCommand.class, TokensCommand.class,
                ConfigCommand.class, DriftCommand.class, RolloutCommand.class, KeysCommand.class, EventsCommand.class,
                AuditCommand.class, OrganisationsCommand.class, AdminTokensCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the controller refused, or could not be reached", "2:usage error"})
public final class ControllerCli extends CommandGroup {
    static final String DEFAULT_URL = "https://127.0.0.1:8443";
    static final String DEFAULT_DATA_DIR = "/var/lib/patronus-controller";

    @Option(names = "--controller", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Controller URL (default: PATRONUS_CONTROLLER_URL, else " + DEFAULT_URL + ").")
    String controller;

    @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Admin token file (default: PATRONUS_CONTROLLER_TOKEN, else <data dir>/secrets/admin.token).")
    Path tokenFile;

    @Option(names = "--ca-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "The controller's CA certificate, PEM (default: <data dir>/secrets/ca.pem).")
    Path caFile;

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "The controller's data directory, for the default token and CA files (default: "
                    + "PATRONUS_CONTROLLER_DATA_DIR, else " + DEFAULT_DATA_DIR + ").")
    Path dataDir;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the controller's JSON answer instead of a table.")
    boolean json;

    @Option(names = "--organisation", scope = ScopeType.INHERIT, paramLabel = "ORG",
            description = "The organisation to list, create or change in (default: PATRONUS_ORGANISATION, else the "
                    + "controller's only organisation; an organisation admin token always works in its own).")
    String organisation;

    @Option(names = {"-A", "--all-organisations"}, scope = ScopeType.INHERIT,
            description = "List every organisation's objects, with an ORGANISATION column (fleet admin token).")
    boolean allOrganisations;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    private ControllerCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    /** Runs one command line in-process and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        CommandLine cl = new CommandLine(new ControllerCli(out, err, env));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, ignored) -> {
            err.println("patronus-controller: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, new PrintWriter(err, true));
            err.println("see `" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help`");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CliException c) {
                err.println("patronus-controller: " + c.getMessage());
                return c.exitCode();
            }
            err.println("patronus-controller: " + ex.getMessage() + ("1".equals(env.get("PATRONUS_DEBUG")) ? ""
                    : " (set PATRONUS_DEBUG=1 for the stack trace)"));
            if ("1".equals(env.get("PATRONUS_DEBUG"))) {
                ex.printStackTrace(err);
            }
            return 1;
        });
        return cl.execute(args);
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    Map<String, String> env() {
        return env;
    }

    boolean json() {
        return json;
    }

    /** Whether tables list every organisation's objects (and so show each one's organisation). */
    boolean allOrganisations() {
        return allOrganisations;
    }

    /**
     * The organisation the admin calls address: {@code --organisation}, {@code *} with {@code --all-organisations},
     * else {@code PATRONUS_ORGANISATION}; empty leaves it to the controller.
     */
    Optional<String> organisation() {
        if (allOrganisations && organisation != null) {
            throw CliException.usage("give --organisation ORG or --all-organisations, not both");
        }
        if (allOrganisations) {
            return Optional.of("*");
        }
        if (organisation != null) {
            if (organisation.isBlank()) {
                throw CliException.usage("--organisation needs an organisation id");
            }
            return Optional.of(organisation.trim());
        }
        return Optional.ofNullable(env.get("PATRONUS_ORGANISATION")).map(String::trim).filter(s -> !s.isEmpty());
    }

    Path dataDir() {
        if (dataDir != null) {
            return dataDir;
        }
        String fromEnv = env.get(ConfigLoader.envName("dataDir"));
        return Path.of(fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_DATA_DIR);
    }

    /** A client for the chosen controller with the admin token and the CA; usage errors name what is missing. */
    AdminClient client() {
        String url = controller != null ? controller : env.getOrDefault("PATRONUS_CONTROLLER_URL", "");
        String source = controller != null ? "--controller" : "PATRONUS_CONTROLLER_URL";
        if (url.isBlank()) {
            url = DEFAULT_URL;
            source = "the default URL";
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw CliException.usage(source + " is not a URL: " + e.getMessage());
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw CliException.usage(source + " must be an https URL such as " + DEFAULT_URL + ", was '" + url + "'");
        }
        return new AdminClient(uri, token(), ca(), organisation());
    }

    private String token() {
        Path file = tokenFile;
        if (file == null) {
            String fromEnv = env.get("PATRONUS_CONTROLLER_TOKEN");
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv.trim();
            }
            file = dataDir().resolve("secrets").resolve("admin.token");
        }
        try {
            String t = Files.readString(file).trim();
            if (t.isEmpty()) {
                throw CliException.usage("admin token file " + file + " is empty");
            }
            return t;
        } catch (NoSuchFileException e) {
            throw CliException.usage("no admin token: " + file + " does not exist (give --token-file, set "
                    + "PATRONUS_CONTROLLER_TOKEN, or --data-dir of the controller)");
        } catch (IOException e) {
            throw CliException.usage("cannot read the admin token file " + file + ": " + e.getMessage()
                    + " (it is readable by the controller's user only; run as that user or use PATRONUS_CONTROLLER_TOKEN)");
        }
    }

    private X509Certificate ca() {
        Path file = caFile != null ? caFile : dataDir().resolve("secrets").resolve("ca.pem");
        try {
            return Pem.parseCertificate(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw CliException.usage("no CA certificate: " + file + " does not exist (give --ca-file; the controller "
                    + "serves it at GET /v1/ca and keeps it in <data dir>/secrets/ca.pem)");
        } catch (IOException e) {
            throw CliException.usage("cannot read the CA certificate " + file + ": " + e.getMessage());
        } catch (ProvisioningException e) {
            throw CliException.usage("--ca-file " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    /** Version of the CLI, from the jar's manifest when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ControllerCli.class.getPackage().getImplementationVersion();
            return new String[]{"patronus-controller " + (v == null ? "0.1.0-dev" : v)};
        }
    }
}
