package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.paths.PathHistory;
import io.patronus.appliance.paths.PathSample;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import io.patronus.model.Json;
import io.patronus.model.PathStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/paths/{id}/health} and {@code patronus paths history} against a real appliance whose history holds
 * hours and days recorded in the past, and the CLI's table against canned answers.
 */
class PathHistoryApiAndCliTest {
    /** A path whose site is gone: the monitor does not know it, its history is still served. */
    static final String GONE = "demo-site:gone-1:fiber";
    /** Three days, one sample a minute. */
    static final String LONG = "demo-site:gone-2:lte";

    @TempDir
    static Path dir;
    static RunningAppliance appliance;
    static ApiClient admin;
    static Map<String, String> env;
    static Instant hourStart;

    @BeforeAll
    static void start() {
        appliance = RunningAppliance.start(dir.resolve("data"));
        admin = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("hist-1", 81)).status());
        appliance.appliance().monitor().measureAll();

        PathHistory history = appliance.appliance().monitor().history();
        Instant now = Instant.now();
        // One hour, every 5 s, from 3 hours ago: 60 minutes of aggregates, raw long expired.
        hourStart = now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES);
        for (int s = 0; s < 3600; s += 5) {
            boolean down = s >= 600 && s < 630;
            history.record(GONE, new PathSample(hourStart.plusSeconds(s), down ? 400 : 20, down ? 60 : 0.5, 2,
                    down ? 5 : 95, down ? PathStatus.DOWN : PathStatus.UP));
        }
        // Starts a minute or two after "3d ago" so that a query since=3d holds every minute.
        Instant longStart = now.minus(Duration.ofDays(3)).plus(Duration.ofMinutes(2)).truncatedTo(ChronoUnit.MINUTES);
        for (int m = 0; m < 3 * 1440 - 10; m++) {
            history.record(LONG, new PathSample(longStart.plus(Duration.ofMinutes(m)), 30, 0, 1, 90, PathStatus.UP));
        }
        history.flush(now);

        env = Map.of("PATRONUS_TOKEN_FILE", dir.resolve("cli/token").toString(), "HOME", dir.toString());
        CliRun login = CliRun.run(env, appliance.adminPassword() + "\n", Clock.systemUTC(),
                "--api", appliance.baseUri().toString(), "login", "--user", "admin", "--password-stdin");
        assertEquals(0, login.code(), login.toString());
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    static CliRun cli(String... args) {
        return CliRun.run(env, "", Clock.systemUTC(), args);
    }

    static String encoded(Instant t) {
        return URLEncoder.encode(t.toString(), StandardCharsets.UTF_8);
    }

    // ---- API -----------------------------------------------------------------------------------------------------

    @Test
    void health_lastHourOfAProbedPath_isRaw_andKeepsTheFirstVersionsSamples() {
        JsonNode h = admin.get("/v1/paths/demo-site:hist-1:fiber/health").json();
        assertEquals("raw", h.path("resolution").asText(), h.toString());
        assertFalse(h.path("folded").asBoolean());
        assertEquals(2000, h.path("maxPoints").asInt());
        assertTrue(h.path("points").size() >= 1);
        assertEquals(h.path("points").size(), h.path("samples").size());
        JsonNode p = h.path("points").get(0);
        assertEquals("raw", p.path("resolution").asText());
        assertEquals(1, p.path("sampleCount").asInt());
        assertEquals(p.path("latencyMs").asDouble(), p.path("latencyMaxMs").asDouble());
        assertTrue(p.path("statusSeconds").isMissingNode(), "a raw sample has no duration: " + p);
        JsonNode s = h.path("samples").get(0);
        assertEquals(p.path("at").asText(), s.path("at").asText());
        assertTrue(s.has("packetLossPct") && s.has("healthScore"), s.toString());
    }

    @Test
    void health_pastTheRawHistory_answersMinutes_ofAPathWhoseSiteIsGone() {
        JsonNode h = admin.get("/v1/paths/" + GONE + "/health?since=4h").json();
        assertEquals("1m", h.path("resolution").asText(), h.toString());
        assertEquals(60, h.path("points").size());
        assertEquals(0, h.path("samples").size(), "samples are for raw answers only");
        JsonNode first = h.path("points").get(0);
        assertEquals(hourStart.toString(), first.path("at").asText());
        assertEquals("1m", first.path("resolution").asText());
        assertEquals(12, first.path("sampleCount").asInt());
        assertEquals(20, first.path("latencyMs").asDouble(), 0.01);
        assertEquals(60, first.path("statusSeconds").path("up").asDouble());
        JsonNode outage = h.path("points").get(10);
        assertEquals("down", outage.path("status").asText(), outage.toString());
        assertEquals(30, outage.path("statusSeconds").path("down").asDouble());
        assertEquals(30, outage.path("statusSeconds").path("up").asDouble());
        assertEquals(400, outage.path("latencyMaxMs").asDouble());
        assertEquals(60, outage.path("packetLossMaxPct").asDouble());
    }

    @Test
    void health_sinceAndUntil_acceptInstantsAndDurationsAgo() {
        Instant since = hourStart.plus(Duration.ofMinutes(10));
        Instant until = hourStart.plus(Duration.ofMinutes(19));
        JsonNode h = admin.get("/v1/paths/" + GONE + "/health?since=" + encoded(since) + "&until=" + encoded(until)).json();
        assertEquals(since.toString(), h.path("since").asText());
        assertEquals(10, h.path("points").size(), h.toString());
        for (String ago : List.of("90m", "7d", "3600s", "2h")) {
            assertEquals(200, admin.get("/v1/paths/" + GONE + "/health?since=" + ago).status(), ago);
        }
        assertEquals(0, admin.get("/v1/paths/" + GONE + "/health?since=90m").json().path("points").size(),
                "nothing recorded in the last 90 minutes");
    }

    @Test
    void health_threeDays_isFoldedUnderTheCap() {
        JsonNode h = admin.get("/v1/paths/" + LONG + "/health?since=3d").json();
        assertTrue(h.path("folded").asBoolean(), h.path("resolution").asText());
        assertEquals("5m", h.path("resolution").asText(), "4,320 minutes: 2m makes 2,161 buckets, 5m 865");
        assertTrue(h.path("points").size() <= 2000);
        int samples = 0;
        for (JsonNode p : h.path("points")) {
            samples += p.path("sampleCount").asInt();
        }
        assertEquals(3 * 1440 - 10, samples);
    }

    @Test
    void health_badSinceOrUntil_is400NamingTheParameter_andAnUnknownPathIs404() {
        ApiClient.Response r = admin.get("/v1/paths/" + GONE + "/health?since=yesterday");
        assertEquals(400, r.status());
        assertEquals("since", r.error().path("field").asText());
        assertTrue(r.error().path("message").asText().contains("24h"), r.body());
        r = admin.get("/v1/paths/" + GONE + "/health?until=soon");
        assertEquals(400, r.status());
        assertEquals("until", r.error().path("field").asText());
        r = admin.get("/v1/paths/" + GONE + "/health?since=1h&until=2h");
        assertEquals(400, r.status());
        assertEquals("until", r.error().path("field").asText());
        assertTrue(r.error().path("message").asText().contains("is before since"), r.body());
        assertEquals(404, admin.get("/v1/paths/demo-site:never:fiber/health").status());
        assertEquals(404, admin.get("/v1/paths/a%7Cb/health").status());
    }

    // ---- CLI against the appliance --------------------------------------------------------------------------------

    @Test
    void cliHistory_table_showsOneRowPerPoint() {
        CliRun r = cli("paths", "history", GONE, "--since", "4h");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.lines();
        assertTrue(lines.get(0).startsWith(GONE + " from "), lines.get(0));
        assertTrue(lines.get(0).endsWith(": 60 point(s) at 1m resolution"), lines.get(0));
        assertEquals(List.of("AT", "RES", "STATUS", "SCORE", "LATENCY", "LOSS", "JITTER", "SAMPLES"),
                List.of(lines.get(1).split("\\s+")));
        assertEquals(62, lines.size());
        assertTrue(lines.get(12).contains("down (30s)"), lines.get(12));
        assertTrue(lines.get(2).matches(hourStart + "\\s+1m\\s+up\\s+95\\s+20\\.0 ms\\s+0\\.50%\\s+2\\.0 ms\\s+12"), lines.get(2));
    }

    @Test
    void cliHistory_formatJson_printsTheApisAnswer_andIdsPrintsTheTimes() throws IOException {
        CliRun r = cli("paths", "history", GONE, "--since", "4h", "--format", "json");
        assertEquals(0, r.code(), r.toString());
        JsonNode h = Json.mapper().readTree(r.out());
        assertEquals(60, h.path("points").size());
        assertEquals("1m", h.path("resolution").asText());
        CliRun ids = cli("--format", "ids", "paths", "history", GONE, "--since", "4h");
        assertEquals(60, ids.lines().size());
        assertEquals(hourStart.toString(), ids.lines().getFirst());
    }

    @Test
    void cliHistory_badSince_isAUsageErrorBeforeAnyRequest() {
        CliRun r = cli("paths", "history", GONE, "--since", "yesterday");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--since must be an ISO-8601 instant"), r.err());
    }

    // ---- CLI table against canned answers -------------------------------------------------------------------------

    @Test
    void cliHistory_foldedAnswer_saysSo_andShowsTimeInTheWorstStatus(@TempDir Path home) throws IOException {
        try (FakeAppliance api = new FakeAppliance()) {
            Map<String, String> fakeEnv = Map.of("PATRONUS_TOKEN_FILE", home.resolve("token").toString(), "HOME", home.toString());
            TokenFile.save(home.resolve("token"), new TokenFile.Saved(api.uri().toString(), "t", "2026-11-23T21:00:00Z"));
            api.answer("GET", "/v1/paths/a:b:fiber/health?since=90d", """
                    {"pathId":"a:b:fiber","since":"2026-08-25T09:00:00Z","until":"2026-11-23T09:00:00Z","resolution":"2h",
                     "folded":true,"maxPoints":2000,"points":[
                     {"at":"2026-11-23T06:00:00Z","resolution":"2h","sampleCount":7200,"latencyMs":15.04,"latencyMinMs":9,
                      "latencyP95Ms":30,"latencyMaxMs":250,"packetLossPct":0.1,"packetLossMaxPct":20,"jitterMs":1.25,
                      "healthScore":93.6,"healthScoreMin":12,"status":"down",
                      "statusSeconds":{"up":7075,"degraded":0,"down":125,"unknown":0}},
                     {"at":"2026-11-23T08:00:00Z","resolution":"2h","sampleCount":3600,"latencyMs":14,"latencyMinMs":9,
                      "latencyP95Ms":20,"latencyMaxMs":22,"packetLossPct":0,"packetLossMaxPct":0,"jitterMs":1,
                      "healthScore":96,"healthScoreMin":95,"status":"up",
                      "statusSeconds":{"up":3600,"degraded":0,"down":0,"unknown":0}}],"samples":[]}""");
            CliRun r = CliRun.run(fakeEnv, "", Clock.fixed(Instant.parse("2026-11-23T09:00:00Z"), ZoneOffset.UTC),
                    "paths", "history", "a:b:fiber", "--since", "90d");
            assertEquals(List.of(
                    "a:b:fiber from 2026-08-25T09:00:00Z to 2026-11-23T09:00:00Z: 2 point(s) at 2h resolution, folded to at most 2000 points",
                    "AT                    RES  STATUS        SCORE  LATENCY  LOSS   JITTER  SAMPLES",
                    "2026-11-23T06:00:00Z  2h   down (2m 5s)  94     15.0 ms  0.10%  1.3 ms  7200",
                    "2026-11-23T08:00:00Z  2h   up            96     14.0 ms  0.00%  1.0 ms  3600"), r.lines(), r.toString());
        }
    }
}
