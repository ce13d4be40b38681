package io.patronus.controller.cli;

import io.patronus.controller.Controller;
import io.patronus.controller.ControllerException;
import io.patronus.controller.config.ConfigException;
import io.patronus.controller.config.ConfigLoader;
import io.patronus.controller.config.ControllerConfig;
import io.patronus.controller.config.ConfigProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code patronus-controller serve}: runs the controller until it is stopped (SIGTERM, Ctrl-C). */
@Command(name = "serve", description = "Run the controller (HTTPS on port 8443 by default) until stopped.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default: embedded defaults "
            + "and PATRONUS_CONTROLLER_* variables).")
    Optional<Path> config;

    @Option(names = "--validate", description = "Check the configuration, list every problem with its key, and exit.")
    boolean validate;

    @Override
    public Integer call() {
        ControllerCli root = (ControllerCli) spec.root().userObject();
        ControllerConfig c;
        try {
            c = ConfigLoader.load(config, root.env());
        } catch (ConfigException e) {
            root.err().println("patronus-controller: the configuration has " + e.problems().size() + " problem(s):");
            for (ConfigProblem p : e.problems()) {
                root.err().println("  " + p);
            }
            return 1;
        }
        if (validate) {
            root.out().println("configuration is valid:");
            c.describe().forEach((k, v) -> root.out().println("  " + k + ": " + v));
            return 0;
        }
        Controller controller;
        try {
            controller = Controller.start(c, Clock.systemUTC());
        } catch (ControllerException e) {
            root.err().println("patronus-controller: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            stopped.countDown();
        }, "controller-shutdown"));
        root.out().println("patronus-controller " + Controller.VERSION + " listening on port " + controller.port());
        root.out().println("  appliance URL:  " + controller.url());
        root.out().println("  CA fingerprint: " + controller.caFingerprint());
        root.out().println("  admin token:    " + c.secretsDir().resolve(Controller.ADMIN_TOKEN_FILE));
        root.out().println("  CA certificate: " + c.secretsDir().resolve("ca.pem"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            controller.close();
        }
        return 0;
    }
}
