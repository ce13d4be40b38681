package io.patronus.appliance.federation;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.Appliance;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.wal.RecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Federation end to end in one JVM: a real controller and real appliances (production wiring, memory data plane),
 * enrolling from nothing but a bootstrap file, over real HTTPS with mutual TLS.
 */
class FederationEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static List<String> siteIds(Appliance a) {
        return a.store().sites().stream().map(Site::id).toList();
    }

    private static JsonNode fed(Appliance a) {
        return io.patronus.model.Json.mapper().valueToTree(a.federation().status());
    }

    @Test
    void twoAppliances_enrolFromABootstrapFileOnly_andEachGetsTheOtherAsASite() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            String fp = lab.controller().caFingerprint();
            Path b1 = lab.bootstrap("a1", lab.stageSite("branch-1", 1), fp);
            Path b2 = lab.bootstrap("a2", lab.stageSite("branch-2", 2), fp);
            try (Appliance a1 = Appliance.start(lab.applianceConfig("a1", b1, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC());
                 Appliance a2 = Appliance.start(lab.applianceConfig("a2", b2, "PAT-2", Duration.ofSeconds(30)), Clock.systemUTC())) {
                assertEquals("branch-1", a1.config().site().id(), "the enrolled site id replaces site.id");
                assertEquals("Branch 1", a1.config().site().name());
                assertEquals("branch-2", a2.config().site().id());
                Path fed1 = dir.resolve("a1/federation");
                for (String f : List.of("device.key", "device.pem", "ca.pem", "identity.json")) {
                    assertTrue(Files.exists(fed1.resolve(f)), f);
                }
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fed1.resolve("device.key"))));

                ControllerLab.await(WAIT, () -> siteIds(a1).contains("branch-2") && siteIds(a2).contains("branch-1"),
                        () -> "a1 sites " + siteIds(a1) + ", a2 sites " + siteIds(a2));
                ControllerLab.await(WAIT, () -> !fed(a1).path("config").has("pendingVersion")
                        && fed(a1).path("config").path("appliedVersion").asLong() > 0, () -> "a1 " + fed(a1));
                Site peer = a1.store().site("branch-2").orElseThrow();
                assertEquals(a2.dataPlane().publicKey(), peer.publicKey(), "the peer's WireGuard key came from its enrolment");
                assertEquals("127.0.0.1:51820", peer.endpoints().get("fiber").toString());
                assertEquals("enrolled", fed(a1).path("state").asText());
                ControllerLab.await(WAIT, () -> lab.call("GET", "/v1/admin/appliances/branch-1", null).path("appliedVersion").asLong()
                        == fed(a1).path("config").path("appliedVersion").asLong(), () -> "controller view "
                        + lab.call("GET", "/v1/admin/appliances/branch-1", null));
                assertTrue(a1.monitor().paths().stream().anyMatch(p -> p.destinationSite().equals("branch-2")),
                        "a path to the other site exists");
                boolean[] committed = {false};
                a1.store().log().replay(a1.store().log().firstSequence() - 1, r -> committed[0] |= r.type() == RecordType.CONFIG_COMMIT);
                assertTrue(committed[0], "CONFIG_COMMIT is journalled");
            }
            // Restarted, an enrolled appliance needs no bootstrap file any more and keeps its identity.
            Files.delete(b1);
            try (Appliance again = Appliance.start(lab.applianceConfig("a1", b1, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                assertEquals("branch-1", again.config().site().id());
                assertTrue(siteIds(again).contains("branch-2"));
                ControllerLab.await(WAIT, () -> fed(again).has("lastContact"), () -> "a1 " + fed(again));
            }
        }
    }

    @Test
    void applianceStartedWhileTheControllerIsDown_servesItsEnrolmentProgress_thenTheFullApiOnceEnrolled() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            String controllerUrl = lab.url().toString();
            lab.stopController();
            java.util.concurrent.CompletableFuture<java.net.URI> reducedApi = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<String> password = new java.util.concurrent.CompletableFuture<>();
            var config = lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30));
            java.util.concurrent.CompletableFuture<Appliance> started = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Appliance.start(config, Clock.systemUTC(), (api, progress, pw) -> {
                        password.complete(pw.orElseThrow(() -> new AssertionError("a first start generates the admin password")));
                        reducedApi.complete(api);
                    }));
            try {
                ApiClient anonymous = new ApiClient(reducedApi.get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(401, anonymous.get("/v1/federation").status(), "the progress needs a login like the full API");
                ApiClient api = new ApiClient(reducedApi.get()).login("admin", password.get());
                ControllerLab.await(WAIT, () -> api.get("/v1/federation").json().path("enrolment").path("attempts").asInt() >= 2,
                        () -> api.get("/v1/federation").body());
                JsonNode f = api.get("/v1/federation").json();
                assertEquals("enrolling", f.path("state").asText(), f.toString());
                assertEquals("PAT-1", f.path("serial").asText());
                assertEquals(controllerUrl, f.path("controllerUrl").asText());
                assertTrue(f.path("lastError").asText().startsWith("controller_unreachable"), f.toString());
                assertTrue(f.path("enrolment").has("nextAttemptAt"), f.toString());
                JsonNode health = api.get("/v1/health").json();
                assertEquals("enrolling", health.path("status").asText(), health.toString());
                ApiClient.Response sites = api.get("/v1/sites");
                assertEquals(503, sites.status(), sites.body());
                assertEquals("enrolling", sites.error().path("code").asText());
                assertTrue(sites.error().path("message").asText().contains(controllerUrl), sites.body());
                java.util.Map<String, String> env = java.util.Map.of("PATRONUS_TOKEN_FILE", dir.resolve("cli/token").toString(),
                        "HOME", dir.toString());
                io.patronus.appliance.cli.CliRun login = io.patronus.appliance.cli.CliRun.run(env, password.get() + "\n",
                        Clock.systemUTC(), "--api", reducedApi.get().toString(), "login", "--user", "admin", "--password-stdin");
                assertEquals(0, login.code(), login.toString());
                io.patronus.appliance.cli.CliRun status = io.patronus.appliance.cli.CliRun.run(env, "", Clock.systemUTC(),
                        "federation", "status");
                assertEquals(0, status.code(), status.toString());
                assertTrue(status.out().contains("enrolling") && status.out().contains(controllerUrl)
                        && status.out().contains("attempt(s)") && status.out().contains("controller_unreachable"), status.out());
                io.patronus.appliance.cli.CliRun list = io.patronus.appliance.cli.CliRun.run(env, "", Clock.systemUTC(),
                        "sites", "list");
                assertTrue(list.code() != 0 && list.err().contains("enrolled with " + controllerUrl), list.toString());
                assertFalse(started.isDone(), "the start waits for the enrolment");

                lab.startController();
                try (Appliance a = started.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    assertEquals("branch-1", a.config().site().id());
                    ApiClient full = new ApiClient(a.apiUri()).login("admin", password.get());
                    assertEquals("enrolled", full.get("/v1/federation").json().path("state").asText());
                    assertEquals(200, full.get("/v1/sites").status());
                    assertTrue(a.generatedAdminPassword().isPresent(), "the password generated before the enrolment is the admin's");
                    if (!reducedApi.get().equals(a.apiUri())) {
                        // Port 0 in this test: the full API bound another port, and the reduced one is gone.
                        assertThrows(AssertionError.class, () -> anonymous.get("/v1/health"));
                    }
                }
            } finally {
                started.cancel(true);
            }
        }
    }

    @Test
    void wrongCaFingerprint_enrolsNothing() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            String token = lab.stageSite("branch-1", 1);
            Path b = lab.bootstrap("a1", token, "sha256:" + "ab".repeat(32));
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                JsonNode f = fed(a);
                assertEquals("disabled", f.path("state").asText());
                assertTrue(f.path("reason").asText().contains("ca_fingerprint_mismatch"), f.toString());
                assertEquals("local-a1", a.config().site().id(), "the configured site stays");
                assertFalse(Files.exists(dir.resolve("a1/federation/identity.json")));
                assertFalse(Files.exists(dir.resolve("a1/federation/device.key")));
                List<String> refusals = new ArrayList<>();
                a.store().log().replay(a.store().log().firstSequence() - 1, r -> {
                    if (r.type() == RecordType.AUDIT) {
                        String text = new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8);
                        if (text.contains("federation.enrol")) {
                            refusals.add(text);
                        }
                    }
                });
                assertEquals(1, refusals.size(), "one audit record of the refused enrolment: " + refusals);
                assertTrue(refusals.getFirst().contains("ca_fingerprint_mismatch") && refusals.getFirst().contains("refused"),
                        refusals.getFirst());
            }
            assertEquals(0, lab.call("GET", "/v1/admin/appliances", null).path("items").size());
            JsonNode tokens = lab.call("GET", "/v1/admin/tokens", null).path("items");
            assertEquals("active", tokens.get(0).path("state").asText(), "the token was never presented: " + tokens);
        }
    }

    @Test
    void configPush_isAppliedAndCommitted() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                ControllerLab.await(WAIT, () -> fed(a).path("config").path("appliedVersion").asLong() > 0, () -> "" + fed(a));
                long before = fed(a).path("config").path("appliedVersion").asLong();
                lab.call("PUT", "/v1/admin/groups/default/config", """
                        {"policies":[{"id":"voice","name":"Voice","priority":10,"match":{"dscp":[46],"protocol":"udp"},
                          "action":{"type":"drop"}}],
                         "slaClasses":[{"name":"default","maxLatencyMs":120,"maxLossPct":1,"maxJitterMs":25,
                           "probeIntervalMs":50,"detectMultiplier":4}]}""");
                ControllerLab.await(WAIT, () -> a.store().policies().stream().map(Policy::id).toList().contains("voice"),
                        () -> "policies " + a.store().policies() + ", " + fed(a));
                ControllerLab.await(WAIT, () -> fed(a).path("config").path("appliedVersion").asLong() > before
                        && !fed(a).path("config").has("pendingVersion"), () -> "" + fed(a));
                long applied = fed(a).path("config").path("appliedVersion").asLong();
                ControllerLab.await(WAIT, () -> lab.call("GET", "/v1/admin/appliances/branch-1", null).path("appliedVersion").asLong()
                        == applied, () -> "" + lab.call("GET", "/v1/admin/appliances/branch-1", null));
                assertEquals("voice", a.store().policies().getFirst().id());
                assertEquals(120.0, a.monitor().sla().maxLatencyMs(), "the committed bundle's SLA class judges paths at once");
                JsonNode sla = new ApiClient(a.apiUri()).login("admin", a.generatedAdminPassword().orElseThrow())
                        .get("/v1/sla-classes").json().path("items").get(0);
                assertEquals(50, sla.path("effectiveProbeIntervalMs").asInt(), "its probe interval is in effect: " + sla);
                assertEquals(4, sla.path("effectiveDetectMultiplier").asInt(), sla.toString());
            }
            // ... and from the next start on.
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                assertEquals(120.0, a.config().slaClasses().getFirst().maxLatencyMs());
                assertEquals(java.util.OptionalInt.of(50), a.config().slaClasses().getFirst().probeIntervalMs());
            }
        }
    }

    @Test
    void telemetry_isDeliveredOnceAcrossAnApplianceRestart() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            Set<Long> audits = new TreeSet<>();
            String password;
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                password = a.generatedAdminPassword().orElseThrow();
                for (int i = 0; i < 3; i++) {
                    new ApiClient(a.apiUri()).login("admin", password);
                }
                ControllerLab.await(WAIT, () -> controllerSequences(lab).size() >= 3, () -> "controller has " + controllerSequences(lab));
                for (int i = 0; i < 3; i++) {
                    new ApiClient(a.apiUri()).login("admin", password); // closed at once: these go after the restart
                }
                audits.addAll(auditSequences(a));
            }
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                new ApiClient(a.apiUri()).login("admin", password);
                audits.addAll(auditSequences(a));
                assertEquals(7, audits.size(), "seven logins were audited: " + audits);
                ControllerLab.await(WAIT, () -> controllerSequences(lab).containsAll(audits),
                        () -> "controller has " + controllerSequences(lab) + ", appliance audited " + audits);
                ControllerLab.await(WAIT, () -> fed(a).path("outbox").path("acknowledged").asLong() >= ((TreeSet<Long>) audits).last(),
                        () -> "" + fed(a));
            }
            JsonNode events = lab.call("GET", "/v1/admin/events?site=branch-1&limit=1000", null);
            List<Long> all = new ArrayList<>();
            events.path("items").forEach(e -> all.add(e.path("sequence").asLong()));
            assertEquals(new HashSet<>(all).size(), all.size(), "each sequence is stored once: " + all);
            assertEquals(all.size(), events.path("total").asInt());
        }
    }

    @Test
    void controllerDown_changesNothingLocal_andAnEnrolledApplianceStillStarts() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            String password;
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                password = a.generatedAdminPassword().orElseThrow();
                ControllerLab.await(WAIT, () -> fed(a).path("config").path("appliedVersion").asLong() > 0, () -> "" + fed(a));
            }
            lab.stopController();
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                ApiClient api = new ApiClient(a.apiUri()).login("admin", password);
                assertEquals(201, api.post("/v1/sites", Fixtures.siteJson("local-7", 7)).status());
                assertEquals(200, api.get("/v1/health").status());
                ControllerLab.await(WAIT, () -> fed(a).path("config").path("localChanges").asInt() == 1
                        && fed(a).has("lastError"), () -> "" + fed(a));
                JsonNode f = api.get("/v1/federation").json();
                assertEquals("enrolled", f.path("state").asText());
                assertEquals("branch-1", f.path("siteId").asText());
            }
        }
    }

    @Test
    void heartbeats_carryTheObservedConfigurationOnlyWhenItChanged_andALocalChangeStillShowsAsDrift() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir)) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                ControllerLab.await(WAIT, () -> lab.call("GET", "/v1/admin/appliances/branch-1", null).has("observedAt")
                        && fed(a).path("config").path("appliedVersion").asLong() > 0
                        && !fed(a).path("config").has("pendingVersion"), () -> "" + fed(a));
                // Settled: after the commit's own report, heartbeats (every second here) stop carrying the configuration.
                Thread.sleep(2_500);
                JsonNode settled = lab.call("GET", "/v1/admin/appliances/branch-1", null);
                String observedAt = settled.path("observedAt").asText();
                String seen = settled.path("lastSeen").asText();
                ControllerLab.await(WAIT, () -> !lab.call("GET", "/v1/admin/appliances/branch-1", null).path("lastSeen").asText()
                        .equals(seen), () -> "heartbeats keep coming");
                ControllerLab.await(Duration.ofSeconds(3), () -> java.time.Instant.parse(lab.call("GET", "/v1/admin/appliances/branch-1",
                        null).path("lastSeen").asText()).isAfter(java.time.Instant.parse(seen).plusSeconds(2)), () -> "two more heartbeats");
                assertEquals(observedAt, lab.call("GET", "/v1/admin/appliances/branch-1", null).path("observedAt").asText(),
                        "unchanged, the observed configuration was not sent again");

                a.store().createSite(new Site("local-7", "Local 7", "", io.patronus.appliance.testing.Fixtures.randomKey(),
                        java.util.Map.of("fiber", io.patronus.model.Endpoint.parse("192.0.2.7:51820")),
                        List.of(io.patronus.model.IpPrefix.parse("10.7.0.0/16")), io.patronus.model.SiteStatus.ACTIVE,
                        java.time.Instant.now()), "admin");
                ControllerLab.await(WAIT, () -> !lab.call("GET", "/v1/admin/appliances/branch-1", null).path("observedAt").asText()
                        .equals(observedAt), () -> "the changed configuration is sent");
                JsonNode drift = lab.call("GET", "/v1/admin/appliances/branch-1/drift", null);
                assertTrue(drift.toString().contains("local-7"), drift.toString());
            }
        }
    }

    @Test
    void deviceCertificate_isRenewedOnceRenewAfterIsPast_andTheNewOneIsUsed() throws Exception {
        try (ControllerLab lab = new ControllerLab(dir, Duration.ofMinutes(3))) {
            Path b = lab.bootstrap("a1", lab.stageSite("branch-1", 1), lab.controller().caFingerprint());
            String firstCertificate;
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), Clock.systemUTC())) {
                firstCertificate = Files.readString(dir.resolve("a1/federation/device.pem"));
                assertFalse(a.federation().status().get("renewAfter").toString().isEmpty());
            }
            String firstKey = Files.readString(dir.resolve("a1/federation/device.key"));
            // Renewal falls due two thirds into the three minutes: start with a clock already past it.
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(150));
            try (Appliance a = Appliance.start(lab.applianceConfig("a1", b, "PAT-1", Duration.ofSeconds(30)), later)) {
                ControllerLab.await(WAIT, () -> {
                    try {
                        return !Files.readString(dir.resolve("a1/federation/device.pem")).equals(firstCertificate);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }, () -> "" + fed(a));
                assertFalse(Files.readString(dir.resolve("a1/federation/device.key")).equals(firstKey), "a fresh key");
                java.time.Instant renewed = java.time.Instant.now();
                ControllerLab.await(WAIT, () -> fed(a).has("lastContact")
                        && java.time.Instant.parse(fed(a).path("lastContact").asText()).isAfter(renewed.plusSeconds(150)),
                        () -> "contact over the new certificate: " + fed(a));
                JsonNode detail = lab.call("GET", "/v1/admin/appliances/branch-1", null);
                assertTrue(detail.has("previousCertificateSerial"), detail.toString());
            }
        }
    }

    private static List<Long> controllerSequences(ControllerLab lab) {
        List<Long> out = new ArrayList<>();
        lab.call("GET", "/v1/admin/events?site=branch-1&kind=audit&limit=1000", null).path("items")
                .forEach(e -> out.add(e.path("sequence").asLong()));
        return out;
    }

    private static Set<Long> auditSequences(Appliance a) {
        Set<Long> out = new TreeSet<>();
        a.store().log().replay(a.store().log().firstSequence() - 1, r -> {
            if (r.type() == RecordType.AUDIT && new String(r.payload()).contains("\"action\":\"login\"")) {
                out.add(r.sequence());
            }
        });
        return out;
    }
}
