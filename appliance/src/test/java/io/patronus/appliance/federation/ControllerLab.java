package io.patronus.appliance.federation;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.Appliance;
import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.controller.Controller;
import io.patronus.controller.config.ControllerConfig;
import io.patronus.model.Json;
import io.patronus.provisioning.TlsContexts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real controller ({@link Controller#start}, HTTPS on a free port of 127.0.0.1) with an admin client, and real
 * appliances ({@link Appliance#start}, memory data plane, one link on {@code lo}) that enrol with it from a bootstrap
 * file only, as in production.
 */
final class ControllerLab implements AutoCloseable {
    private final Path dir;
    private Controller controller;
    private final int port;
    private final Duration deviceCertificateValidity;
    private final java.util.function.UnaryOperator<ControllerConfig.Builder> tweak;
    private HttpClient admin;

    ControllerLab(Path dir) throws IOException {
        this(dir, Duration.ofDays(7));
    }

    ControllerLab(Path dir, Duration deviceCertificateValidity) throws IOException {
        this(dir, deviceCertificateValidity, b -> b);
    }

    /** With more controller settings ({@code b -> b.keyRotationGrace(...)}). */
    ControllerLab(Path dir, Duration deviceCertificateValidity, java.util.function.UnaryOperator<ControllerConfig.Builder> tweak)
            throws IOException {
        this.dir = dir;
        this.deviceCertificateValidity = deviceCertificateValidity;
        this.tweak = tweak;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // fixed across a controller restart, so the appliances' URL stays right
        }
        startController();
    }

    void startController() {
        controller = Controller.start(tweak.apply(ControllerConfig.builder().host("127.0.0.1").port(port).dataDir(dir.resolve("controller"))
                .tlsNames(List.of("localhost", "127.0.0.1")).heartbeatInterval(Duration.ofSeconds(1))
                .rolloutWaves(List.of("100%")).deviceCertificateValidity(deviceCertificateValidity)).build(), Clock.systemUTC());
        admin = HttpClient.newBuilder().sslContext(TlsContexts.client(controller.caCertificate())).build();
    }

    void stopController() {
        controller.close();
    }

    Controller controller() {
        return controller;
    }

    URI url() {
        return controller.localUrl();
    }

    /** An admin call; fails the test unless 2xx. */
    JsonNode call(String method, String path, String json) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path))
                    .header("Authorization", "Bearer " + controller.adminToken()).timeout(Duration.ofSeconds(30));
            b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                    : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
            HttpResponse<String> r = admin.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
            }
            return r.body().isEmpty() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Stages a site and returns a one-time enrolment token for it. */
    String stageSite(String id, int n) {
        call("POST", "/v1/admin/sites", """
                {"id":"%s","name":"Branch %d","lanPrefixes":["10.%d.0.0/16"]}""".formatted(id, n, n));
        return call("POST", "/v1/admin/tokens", "{\"siteId\":\"" + id + "\"}").path("token").asText();
    }

    /** Writes a bootstrap file pinning {@code fingerprint}. */
    Path bootstrap(String name, String token, String fingerprint) throws IOException {
        Path f = dir.resolve(name + "-bootstrap.json");
        Files.writeString(f, """
                {"controllerUrl":"%s","caFingerprint":"%s","token":"%s"}""".formatted(url(), fingerprint, token));
        return f;
    }

    /** The configuration of a lab appliance: its own data directory, fast federation timings. */
    ApplianceConfig applianceConfig(String name, Path bootstrap, String serial, Duration confirmTimeout) throws IOException {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                site: { id: %s, name: Not enrolled }
                api: { host: 127.0.0.1, port: 0 }
                dataDir: %s
                dataPlane: { mode: memory, lanInterface: "" }
                federation: { bootstrapFile: %s, serial: %s, confirmTimeout: %ds, heartbeatInterval: 1s, longPollWait: 2s }
                links:
                  - { name: fiber, iface: lo, colour: fiber, priority: 10, bandwidthKbps: 1000000 }
                """.formatted("local-" + name, data, bootstrap, serial, confirmTimeout.toSeconds()));
        return ConfigLoader.load(Optional.of(file), Map.of());
    }

    static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what.get());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        try {
            controller.close();
        } catch (RuntimeException ignored) {
            // already stopped by the test
        }
    }
}
