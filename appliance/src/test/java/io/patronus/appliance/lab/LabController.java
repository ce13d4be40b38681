package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.ControllerMain;
import io.patronus.model.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The controller as a real process in the lab's controller namespace (LAB-ctl, reachable from every site at
 * 192.0.2.250 and 198.51.100.250), started from the test class path exactly as {@code bin/patronus-controller serve}
 * starts it. Admin calls go over HTTPS from inside that namespace with the controller's own CA and admin token.
 */
final class LabController implements AutoCloseable {
    static final String URL = "https://192.0.2.250:8443";

    private final Lab lab;
    private final Path dataDir;
    private final Path config;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process process;
    private String fingerprint;

    private LabController(Lab lab, Path dir) {
        this.lab = lab;
        this.dataDir = dir.resolve("controller");
        this.config = dir.resolve("controller.yaml");
    }

    static LabController start(Lab lab, Path dir) throws IOException {
        return start(lab, dir, "");
    }

    /** As above, with more top-level YAML appended to the controller's configuration (e.g. keyRotationGrace). */
    static LabController start(Lab lab, Path dir, String extraYaml) throws IOException {
        LabController c = new LabController(lab, dir);
        Files.writeString(c.config, """
                host: 0.0.0.0
                port: 8443
                dataDir: %s
                heartbeatInterval: 2s
                """.formatted(c.dataDir) + extraYaml);
        c.launch();
        return c;
    }

    /** Starts the process (again, on the same data directory after {@link #stop()}). */
    void launch() throws IOException {
        output.clear();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder("ip", "netns", "exec", lab.name() + "-ctl", java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), ControllerMain.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (output.stream().noneMatch(l -> l.contains("CA fingerprint:"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the controller did not start: " + String.join("\n", output));
            }
            sleep(100);
        }
        fingerprint = output.stream().filter(l -> l.contains("CA fingerprint:")).findFirst().orElseThrow()
                .replaceAll(".*CA fingerprint:\\s*", "").strip();
    }

    /** SIGTERM and wait, as an operator stopping the service. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    String caFingerprint() {
        return fingerprint;
    }

    /** Writes a bootstrap file as the factory would, for a token issued to the site. */
    Path bootstrap(Path dir, String siteId, String serial) throws IOException {
        String token = admin("POST", "/v1/admin/tokens", """
                {"siteId":"%s","serial":"%s","ttl":"1h"}""".formatted(siteId, serial)).get("token").asText();
        Path f = dir.resolve("bootstrap-" + siteId + ".json");
        Files.writeString(f, """
                {"controllerUrl":"%s","caFingerprint":"%s","token":"%s","serial":"%s"}""".formatted(URL, fingerprint, token, serial));
        return f;
    }

    /** An admin API call from inside the controller's namespace; the parsed answer, or an exception naming the status. */
    JsonNode admin(String method, String path, String body) {
        return call(method, path, body, true);
    }

    /** As {@link #admin} but answers {@code {"status": N, "body": ...}} instead of failing on an error status. */
    JsonNode adminRaw(String method, String path, String body) {
        return call(method, path, body, false);
    }

    private JsonNode call(String method, String path, String body, boolean failOnError) {
        String token;
        try {
            token = Files.readString(dataDir.resolve("secrets").resolve("admin.token")).strip();
        } catch (IOException e) {
            throw new IllegalStateException("no admin token in " + dataDir, e);
        }
        List<String> args = new ArrayList<>(List.of("curl", "-sS", "-m", "20", "-X", method, "-w", "\n%{http_code}",
                "--cacert", dataDir.resolve("secrets").resolve("ca.pem").toString(),
                "-H", "Content-Type: application/json", "-H", "Authorization: Bearer " + token));
        if (body != null) {
            args.addAll(List.of("--data-binary", body));
        }
        args.add("https://127.0.0.1:8443" + path);
        Lab.Result r = lab.exec("ctl", args.toArray(String[]::new));
        String out = r.output().strip();
        int nl = out.lastIndexOf('\n');
        String status = nl < 0 ? out : out.substring(nl + 1);
        String json = nl < 0 ? "" : out.substring(0, nl);
        try {
            JsonNode parsed = json.isEmpty() ? Json.mapper().nullNode() : Json.mapper().readTree(json);
            if (!failOnError) {
                return Json.mapper().createObjectNode().put("status", Integer.parseInt(status)).set("body", parsed);
            }
            if (r.exitCode() != 0 || !status.startsWith("2")) {
                throw new IllegalStateException("controller " + method + " " + path + " failed (" + status + "): " + json
                        + "\nlast controller log lines:\n" + tail(20));
            }
            return parsed;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("controller " + method + " " + path + ": unexpected answer " + out, e);
        }
    }

    String tail(int lines) {
        List<String> log = new ArrayList<>(output);
        return String.join("\n", log.subList(Math.max(0, log.size() - lines), log.size()));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
