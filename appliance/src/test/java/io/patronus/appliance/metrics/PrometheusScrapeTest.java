package io.patronus.appliance.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Prometheus (Debian's package, installed by scripts/test) scrapes the appliance's metrics endpoint with a
 * bearer token, and the values it stores match the appliance's state: the export is what a fleet's Prometheus sees.
 */
class PrometheusScrapeTest {
    static Path prometheusBinary() {
        for (String p : new String[]{"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        fail("prometheus is not installed: scripts/test installs it (apt-get install prometheus)");
        throw new AssertionError();
    }

    @Test
    void realPrometheus_scrapesTheExport_andSeesSitesAndPaths(@TempDir Path dir) throws Exception {
        Path binary = prometheusBinary();
        try (RunningAppliance a = RunningAppliance.start(dir.resolve("data"))) {
            ApiClient admin = new ApiClient(a.baseUri()).login("admin", a.adminPassword());
            assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("prom-1", 61)).status());
            assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("prom-2", 62)).status());
            a.appliance().monitor().measureAll();
            String token = Json.mapper().readTree(admin.post("/v1/auth/login",
                    "{\"username\":\"admin\",\"password\":\"" + a.adminPassword() + "\"}").body()).get("token").asText();
            Path tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, token);
            int port = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: patronus
                        metrics_path: /v1/metrics/export
                        params: { format: [prometheus] }
                        authorization: { type: Bearer, credentials_file: %s }
                        static_configs: [ { targets: ['127.0.0.1:%d'] } ]
                    """.formatted(tokenFile, a.appliance().port()));
            Process prom = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                assertEquals("1", awaitValue(base, "up{job=\"patronus\"}", "1", dir), "Prometheus could not scrape the appliance");
                assertEquals("2", awaitValue(base, "patronus_sites", "2", dir));
                assertEquals("0", awaitValue(base, "patronus_dataplane_reconcile_consecutive_failures", "0", dir));
                String lastReconcile = awaitValue(base, "patronus_dataplane_reconcile_last_success_seconds", null, dir);
                assertTrue(Math.abs(Double.parseDouble(lastReconcile) - System.currentTimeMillis() / 1000.0) < 600, lastReconcile);
                assertEquals("4", awaitValue(base, "count(patronus_path_health_score)", "4", dir), "one score per path");
                String score = awaitValue(base, "patronus_path_health_score{path=\"demo-site:prom-1:fiber\"}", null, dir);
                assertTrue(Double.parseDouble(score) > 0, score);
            } finally {
                prom.destroy();
                if (!prom.waitFor(10, TimeUnit.SECONDS)) {
                    prom.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Polls an instant query for up to 30 s until it has a value (equal to {@code expected} when given). */
    private static String awaitValue(URI base, String query, String expected, Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Optional<String> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/query?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode result = Json.mapper().readTree(r.body()).path("data").path("result");
                if (result.size() > 0) {
                    last = Optional.of(result.get(0).path("value").get(1).asText());
                    if (expected == null || expected.equals(last.get())) {
                        return last.get();
                    }
                }
            } catch (IOException e) {
                // Prometheus is still starting
            }
            Thread.sleep(250);
        }
        fail("Prometheus query " + query + " never returned " + (expected == null ? "a value" : expected) + "; last "
                + last.orElse("none") + "; log:\n" + Files.readString(dir.resolve("prometheus.log")));
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
