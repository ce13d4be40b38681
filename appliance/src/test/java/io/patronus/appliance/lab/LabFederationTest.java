package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.Json;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.EnrolmentRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The federation acceptance run on real processes and real tunnels: the controller in its own namespace and three
 * appliances that start with nothing but a bootstrap file (no site registered by hand, no policy created locally)
 * enrol, receive their config, build the full mesh over wireguard-go and pass LAN traffic. Then a config that cuts
 * the appliances off from the controller is rolled back by each of them on its own, and the controller is stopped
 * for five minutes while site 1's primary link goes through every scenario of the failover issue (blackhole, link
 * down, 30% loss, added delay, flapping, 5% loss; {@link LabFailoverScenarios}): each has the result it has without a
 * controller, and every
 * event of the outage reaches the controller exactly once after it returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabFederationTest {
    private static final int SITES = 3;
    private static final long HOLD_SECONDS = 5;
    private static final long CONFIRM_SECONDS = 30;
    /** The outage is five minutes; -Dpatronus.lab.controllerOutageSeconds shortens it for a quick local run. */
    private static final long OUTAGE_SECONDS = Long.getLong("patronus.lab.controllerOutageSeconds", 300);

    static Path dir;
    static Lab lab;
    static LabController controller;
    static final List<LabAppliance> apps = new ArrayList<>();
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory("lab-federation");
        lab = Lab.up(SITES, "fiber", "lte");
        controller = LabController.start(lab, dir);
        // The fleet as an operator stages it at the controller: the group's policy, then each site and its token.
        controller.admin("PUT", "/v1/admin/groups/default/config", """
                {"policies":[{"id":"voice","name":"voice","priority":10,
                  "match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478"]},
                  "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":50}}],
                 "slaClasses":[{"name":"default","maxLatencyMs":150,"maxLossPct":10,"maxJitterMs":30}],
                 "rollout":{"waves":["100%"]}}""");
        long t0 = System.nanoTime();
        for (int i = 1; i <= SITES; i++) {
            controller.admin("POST", "/v1/admin/sites", """
                    {"id":"site%d","name":"Lab site %d","lanPrefixes":["100.64.%d.0/24"]}""".formatted(i, i, i));
            Path bootstrap = controller.bootstrap(dir, "site" + i, "LAB-000" + i);
            apps.add(LabAppliance.start(lab, i, dir, null, """
                    federation: { bootstrapFile: %s, serial: LAB-000%d, heartbeatInterval: 2s, confirmTimeout: %ds }
                    failover: { failbackHold: %ds }
                    slaClasses:
                      - { name: default, maxLatencyMs: 150, maxLossPct: 10, maxJitterMs: 30 }
                    """.formatted(bootstrap, i, CONFIRM_SECONDS, HOLD_SECONDS)));
        }
        report.add(String.format("federation: 3 appliances started and enrolled in %.1f s", (System.nanoTime() - t0) / 1e9));
        LabFailoverScenarios.tagPaths(lab);
    }

    @AfterAll
    static void down() throws Exception {
        report.forEach(System.out::println);
        apps.forEach(LabAppliance::close);
        if (controller != null) {
            controller.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void appliancesWithOnlyABootstrapFile_enrolBuildTheFullMeshAndPassLanTraffic() throws Exception {
        long t0 = System.nanoTime();
        for (LabAppliance a : apps) {
            JsonNode fed = a.api("GET", "/v1/federation", null);
            assertEquals("enrolled", fed.path("state").asText(), fed.toString());
            assertEquals("site" + a.site(), fed.path("siteId").asText());
            await(60, () -> sites(a).size() == SITES - 1, () -> "site" + a.site() + " knows " + sites(a));
            await(60, () -> a.api("GET", "/v1/policies", null).path("items").toString().contains("\"voice\""),
                    () -> "site" + a.site() + " never got the group's voice policy");
        }
        for (int i = 1; i <= SITES; i++) {
            for (int j = 1; j <= SITES; j++) {
                if (i != j) {
                    int from = i;
                    int to = j;
                    await(60, () -> lab.exec(from + "-lan", "ping", "-c", "1", "-W", "1", "100.64." + to + ".10").exitCode() == 0,
                            () -> "LAN host of site " + from + " never reached site " + to);
                }
            }
        }
        report.add(String.format("federation: full mesh (6 LAN pings answered) %.1f s after enrolment", (System.nanoTime() - t0) / 1e9));
        LabFlow flow = LabFlow.listen(lab, dir, 3, 5000, 20);
        flow.send(1, 3, 5000, 200, 400, 200, 0);
        long lost = flow.finish().stream().filter(d -> !d.arrived()).count();
        report.add("federation: UDP stream site1 LAN -> site3 LAN: " + lost + " of 400 datagrams lost");
        assertTrue(lost <= 4, lost + " of 400 datagrams lost on a clean mesh");
        await(60, () -> {
            JsonNode items = controller.admin("GET", "/v1/admin/appliances", null).path("items");
            if (items.size() != SITES) {
                return false;
            }
            for (JsonNode a : items) {
                if (!a.path("online").asBoolean() || a.path("appliedVersion").asLong() != a.path("desiredVersion").asLong()
                        || a.path("paths").path("up").asInt() != 2 * (SITES - 1)) {
                    return false;
                }
            }
            return true;
        }, () -> "controller's view: " + controller.admin("GET", "/v1/admin/appliances", null));
    }

    @Test
    @Order(2)
    void configThatCutsTheAppliancesOffTheController_isRolledBackByEachWithinTheConfirmTimeout() throws Exception {
        Map<Integer, Long> before = new java.util.HashMap<>();
        for (LabAppliance a : apps) {
            await(60, () -> !a.api("GET", "/v1/federation", null).path("config").has("pendingVersion"), () -> "pending on site" + a.site());
            before.put(a.site(), a.api("GET", "/v1/federation", null).path("config").path("appliedVersion").asLong());
        }
        // A data centre whose announced prefixes cover the controller's addresses: every appliance would route its
        // controller traffic into a tunnel to it. Enrolled with a real CSR, as its own appliance would.
        controller.admin("POST", "/v1/admin/sites", """
                {"id":"dc1","name":"Rogue DC","lanPrefixes":["100.64.200.0/24","192.0.2.250/32","198.51.100.250/32"]}""");
        String token = controller.admin("POST", "/v1/admin/tokens", """
                {"siteId":"dc1","serial":"DC-0001","ttl":"1h"}""").get("token").asText();
        KeyPair device = DeviceKeys.generate();
        EnrolmentRequest enrol = new EnrolmentRequest(token, "DC-0001", DeviceKeys.csr(device, "DC-0001"),
                WgKeyPair.generate().publicBase64(), Map.of("fiber", "192.0.2.200:51820"), "lab");
        JsonNode answer = controller.adminRaw("POST", "/v1/enrol", Json.mapper().writeValueAsString(enrol));
        assertEquals(200, answer.path("status").asInt(), answer.toString());
        long applied = System.nanoTime();
        for (LabAppliance a : apps) {
            long v = before.get(a.site());
            await(CONFIRM_SECONDS + 30, () -> a.api("GET", "/v1/federation", null).path("config").path("rejectedVersion").asLong() > v,
                    () -> "site" + a.site() + " did not roll back: " + a.api("GET", "/v1/federation", null));
            JsonNode cfg = a.api("GET", "/v1/federation", null).path("config");
            assertEquals(v, cfg.path("appliedVersion").asLong(), "site" + a.site() + " runs its previous version again: " + cfg);
            assertTrue(cfg.path("reason").asText().contains("controller"), cfg.toString());
            assertFalse(sites(a).contains("dc1"), "the rogue site is gone again from site" + a.site());
            long rejected = cfg.path("rejectedVersion").asLong();
            await(60, () -> controller.admin("GET", "/v1/admin/appliances/site" + a.site(), null).path("rejectedVersion").asLong() == rejected,
                    () -> "controller never learnt of the rollback: " + controller.admin("GET", "/v1/admin/appliances/site" + a.site(), null));
            JsonNode view = controller.admin("GET", "/v1/admin/appliances/site" + a.site(), null);
            assertTrue(view.path("rejectReason").asText().contains("not confirmed"), view.toString());
        }
        report.add(String.format("federation: cut-off config rolled back by all 3 appliances and reported %.1f s after it was published"
                + " (confirm timeout %d s)", (System.nanoTime() - applied) / 1e9, CONFIRM_SECONDS));
        // The operator removes the rogue site: a newer version, applied and committed everywhere.
        controller.admin("DELETE", "/v1/admin/sites/dc1", null);
        for (LabAppliance a : apps) {
            long rejected = a.api("GET", "/v1/federation", null).path("config").path("rejectedVersion").asLong();
            // The waiting long-poll answers at once (0.1-0.5 s measured); then the confirm. A CI run once waited more
            // than 60 s here: a PMTU exception cached in a colour table was listed as a route that could not be
            // deleted, so every reconcile failed (RouteNetlinkNamespaceTest's regression test).
            await(60, () -> {
                JsonNode cfg = a.api("GET", "/v1/federation", null).path("config");
                return cfg.path("appliedVersion").asLong() > rejected && !cfg.has("pendingVersion");
            }, () -> "site" + a.site() + ": " + a.api("GET", "/v1/federation", null) + "\nlast appliance log lines:\n"
                    + a.logTail(40) + "\nroutes and rules of its namespace:\n"
                    + lab.exec(Integer.toString(a.site()), "ip", "route", "show", "table", "all").output()
                    + lab.exec(Integer.toString(a.site()), "ip", "rule").output());
        }
    }

    @Test
    @Order(3)
    void controllerStoppedForFiveMinutes_everyFailoverScenarioAsWithoutAController_andEveryEventArrivesOnce() throws Exception {
        LabAppliance one = apps.getFirst();
        LabFailoverScenarios scenarios = new LabFailoverScenarios(lab, dir, one, HOLD_SECONDS, report, "controller stopped: ");
        scenarios.awaitVoiceOn("fiber", 90);
        Instant stoppedAt = Instant.now();
        long stopped = System.nanoTime();
        controller.stop();

        // The failover issue's scenarios, each with the limits LabFailoverTest holds the appliance to without a controller.
        scenarios.blackhole();
        scenarios.linkDown();
        scenarios.thirtyPercentLoss();
        scenarios.addedDelay();
        scenarios.flappingEndsHeldDown();
        scenarios.fivePercentLossNeverFailsOver(120);
        JsonNode fed = one.api("GET", "/v1/federation", null);
        assertTrue(fed.has("lastError"), "the appliance notices the controller is gone: " + fed);
        long left = TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS) - (System.nanoTime() - stopped);
        if (left > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
        }
        controller.launch();
        long back = System.nanoTime();
        long outageSeconds = TimeUnit.NANOSECONDS.toSeconds(back - stopped);

        int outageEvents = 0;
        for (LabAppliance a : apps) {
            List<Long> local = new ArrayList<>();
            for (JsonNode e : a.api("GET", "/v1/events?since=" + stoppedAt + "&limit=10000", null).path("items")) {
                local.add(e.path("sequence").asLong());
            }
            if (a.site() == 1) {
                assertTrue(local.size() >= 4, "site 1 logged its failovers and path changes: " + local);
            }
            outageEvents += local.size();
            long last = local.stream().mapToLong(Long::longValue).max().orElse(0);
            await(120, () -> a.api("GET", "/v1/federation", null).path("outbox").path("acknowledged").asLong() >= last,
                    () -> "site" + a.site() + " outbox: " + a.api("GET", "/v1/federation", null));
            List<Long> stored = new ArrayList<>();
            JsonNode atController = controller.admin("GET", "/v1/admin/events?site=site" + a.site() + "&since=" + stoppedAt + "&limit=1000", null);
            assertTrue(atController.path("total").asInt() <= 1000, "more events than one page: " + atController.path("total"));
            for (JsonNode e : atController.path("items")) {
                stored.add(e.path("sequence").asLong());
            }
            Set<Long> distinct = new HashSet<>(stored);
            assertEquals(distinct.size(), stored.size(), "site" + a.site() + ": an event is stored twice");
            Set<Long> missing = new TreeSet<>(local);
            missing.removeAll(distinct);
            assertTrue(missing.isEmpty(), "site" + a.site() + ": events of the outage never reached the controller: " + missing);
        }
        report.add(String.format("federation: controller back after %d s: %d outage events of 3 appliances delivered, each once,"
                + " %.1f s after it returned", outageSeconds, outageEvents, (System.nanoTime() - back) / 1e9));
    }

    private static List<String> sites(LabAppliance a) {
        List<String> ids = new ArrayList<>();
        a.api("GET", "/v1/sites", null).path("items").forEach(s -> ids.add(s.path("id").asText()));
        ids.remove("site" + a.site());
        return ids;
    }

    private static void await(long seconds, BooleanSupplier done, Supplier<String> why) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(why.get());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
