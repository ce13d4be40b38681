package io.patronus.appliance;

import io.patronus.appliance.auth.PasswordHasher;
import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigException;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.appliance.config.ConfigProblem;
import io.patronus.appliance.store.SchemaAdmin;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreException;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.model.Role;
import io.patronus.model.User;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code patronus-appliance}: runs the edge daemon, or one of its offline maintenance commands. */
@Command(name = "patronus-appliance", mixinStandardHelpOptions = true, versionProvider = ApplianceMain.Version.class,
        description = "Runs the Patronus appliance daemon (REST API, path monitoring, durable state).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success (or no migrations pending)", "1:error (configuration invalid, store unusable)",
                "2:usage error", "3:--check-migrations: migrations are pending"})
public final class ApplianceMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default: embedded defaults).")
    Optional<Path> configFile;

    @Option(names = "--validate", description = "Check the configuration, list every problem with its location, and exit.")
    boolean validate;

    @Option(names = "--migration-status", description = "Show the store's schema version and pending migrations.")
    boolean migrationStatus;

    @Option(names = "--check-migrations", description = "Exit 3 when migrations are pending, 0 when none (for upgrade scripts).")
    boolean checkMigrations;

    @Option(names = "--migrate", description = "Apply pending schema migrations to the store (daemon must be stopped).")
    boolean migrate;

    @Option(names = "--detach-classifier", description = "Detach the eBPF classifier from dataPlane.lanInterface and remove its pins "
            + "(uninstall; a restart never needs this: the classifier keeps running and is adopted).")
    boolean detachClassifier;

    @Option(names = "--reset-admin-password", description = "Set a new random password for user admin and print it (daemon must be stopped).")
    boolean resetAdminPassword;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    ApplianceMain(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv(), true);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs with the given streams; {@code serve} false returns after start-up (tests use the returned code only). */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, boolean serve) {
        ApplianceMain main = new ApplianceMain(out, err, env);
        main.serve = serve;
        CommandLine cl = new CommandLine(main);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    private boolean serve = true;

    @Override
    public Integer call() {
        if (validate) {
            if (configFile.isEmpty()) {
                err.println("--validate needs --config FILE");
                return 2;
            }
            List<ConfigProblem> problems = ConfigLoader.validate(configFile.get(), env);
            if (problems.isEmpty()) {
                out.println(configFile.get() + ": valid");
                return 0;
            }
            for (ConfigProblem p : problems) {
                out.println(p.location() + ": " + p.path() + ": " + p.message());
            }
            out.println(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " in " + configFile.get());
            return 1;
        }
        ApplianceConfig config;
        try {
            config = ConfigLoader.load(configFile, env);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p.location() + ": " + p.path() + ": " + p.message());
            }
            err.println("configuration is invalid; nothing was started");
            return 1;
        }
        try {
            if (migrationStatus || checkMigrations) {
                SchemaAdmin.Status s = SchemaAdmin.status(config.dataDir());
                out.print(s.describe());
                return checkMigrations && s.exists() && !s.pending().isEmpty() ? 3 : 0;
            }
            if (migrate) {
                out.print(SchemaAdmin.migrate(Appliance.storeOptions(config, Clock.systemUTC())).describe());
                return 0;
            }
            if (resetAdminPassword) {
                return resetAdmin(config);
            }
            if (detachClassifier) {
                return detachClassifier(config);
            }
            return runDaemon(config);
        } catch (StoreException e) {
            err.println("patronus-appliance: " + e.getMessage());
            return 1;
        }
    }

    private int detachClassifier(ApplianceConfig config) {
        var side = io.patronus.appliance.classify.PolicyClassifier.kernelSide(config, true);
        if (side.isEmpty()) {
            out.println("dataPlane.lanInterface is empty: there is no classifier to detach");
            return 0;
        }
        var classifier = new io.patronus.appliance.classify.PolicyClassifier(config.site().id(), config.links(),
                java.util.List::of, java.util.List::of, io.patronus.appliance.classify.SlotAssignments.inMemory(), side,
                Clock.systemUTC());
        try {
            classifier.uninstall();
        } catch (RuntimeException e) {
            err.println("patronus-appliance: detaching the classifier failed: " + e.getMessage());
            return 1;
        }
        out.println("classifier detached from " + side.get().lanInterface() + "; pins removed from " + side.get().pinDir());
        return 0;
    }

    private int resetAdmin(ApplianceConfig config) {
        StoreOptions options = Appliance.storeOptions(config, Clock.systemUTC());
        try (StateStore store = StateStore.open(options)) {
            String password = Appliance.randomPassword();
            User old = store.user("admin").orElse(null);
            store.putUser(new User("admin", Role.ADMIN, PasswordHasher.owaspDefaults().hash(password.toCharArray()),
                    old == null ? Clock.systemUTC().instant() : old.createdAt()), "reset-admin-password");
            out.println("new password for user admin: " + password);
            out.println("(shown once; only its hash is stored)");
            return 0;
        }
    }

    private int runDaemon(ApplianceConfig config) {
        Appliance appliance = Appliance.start(config, Clock.systemUTC(), (api, progress, password) -> {
            out.println();
            out.println("Patronus appliance " + Appliance.VERSION + " is enrolling with its controller (serial "
                    + progress.serial() + ", bootstrap file " + progress.bootstrapFile() + ")");
            out.println("  API        " + api + " serves login, /v1/health and /v1/federation until it has enrolled");
            password.ifPresent(pw -> out.println("  admin      user 'admin', password '" + pw
                    + "'  (generated now and shown once; only its hash is stored)"));
            out.println("  watch      bin/patronus --api " + api + " federation status");
            out.flush();
        });
        out.println();
        out.println("Patronus appliance " + Appliance.VERSION + " is running for site " + appliance.config().site().id());
        out.println("  API        " + appliance.apiUri() + "   (OpenAPI spec: docs/api/openapi.yaml)");
        out.println("  data dir   " + config.dataDir().toAbsolutePath());
        out.println("  federation " + appliance.federation().state() + appliance.federation().siteId()
                .map(id -> " as site " + id + "  (bin/patronus federation status)").orElse(""));
        out.println("  data plane " + appliance.monitor().probeKind()
                + (appliance.monitor().probeKind().equals("memory")
                ? "  (in-memory emulation: paths are modelled, no real tunnels yet)" : ""));
        appliance.generatedAdminPassword().ifPresentOrElse(
                pw -> out.println("  admin      user 'admin', password '" + pw + "'  (generated now and shown once; only its hash is stored)"),
                () -> out.println("  admin      password was shown at first start; to set a new one stop the daemon and run"
                        + " patronus-appliance --reset-admin-password"));
        out.println("  try        bin/patronus --api " + appliance.apiUri() + " login --user admin");
        out.println("             bin/patronus status; bin/patronus sites list; bin/patronus paths list --show-health");
        out.println("API listening on " + appliance.apiUri());
        out.flush();
        if (!serve) {
            appliance.close();
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("stopping: checkpointing the store");
            appliance.close();
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"patronus-appliance " + Appliance.VERSION};
        }
    }
}
