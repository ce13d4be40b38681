package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.lab.LabFlow.Datagram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Failover on real tunnels, decided by the appliance alone (there is no controller in this lab at all): two sites with
 * fiber and lte, a "voice" policy on fiber with lte as backup, and a 1,000 packets/s UDP flow with sequence numbers
 * from site 1's LAN to site 2's LAN. Site 2 rewrites each packet's DSCP by the tunnel it arrived through, so every
 * datagram's path is known. Outage = from the moment an impairment is applied to site 1's fiber until the flow's
 * packets arrive over lte; lost = datagrams that never arrived.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabFailoverTest {
    private static final int VIA_FIBER = 10;
    private static final int VIA_LTE = 20;
    private static final long HOLD_SECONDS = 5;
    private static final String EXTRA = """
            failover: { failbackHold: %ds }
            slaClasses:
              - { name: default, maxLatencyMs: 150, maxLossPct: 10, maxJitterMs: 30 }
            """.formatted(HOLD_SECONDS);

    static Path dir;
    static Lab lab;
    static final List<LabAppliance> apps = new ArrayList<>();
    static LabAppliance one;
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory("lab-failover");
        lab = Lab.up(2, "fiber", "lte");
        apps.add(LabAppliance.start(lab, 1, dir, null, EXTRA));
        apps.add(LabAppliance.start(lab, 2, dir, null, EXTRA));
        List<String> regs = apps.stream().map(LabAppliance::registration).toList();
        for (LabAppliance a : apps) {
            for (String r : regs) {
                a.api("POST", "/v1/sites", r);
            }
        }
        one = apps.getFirst();
        one.api("POST", "/v1/policies", """
                {"id":"voice","name":"voice","priority":10,"match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478"]},
                 "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":50}}""");
        assertEquals(0, lab.exec("2", "nft", "add table ip pathtag; add chain ip pathtag tag { type filter hook forward priority 0; };"
                + " add rule ip pathtag tag iifname \"wg-fiber\" ip dscp set " + VIA_FIBER + ";"
                + " add rule ip pathtag tag iifname \"wg-lte\" ip dscp set " + VIA_LTE).exitCode());
        awaitVoiceOn("fiber", 60);
        awaitPathStatus("site1:site2:fiber", "up", 60);
        awaitPathStatus("site1:site2:lte", "up", 60);
    }

    @AfterAll
    static void down() {
        report.forEach(System.out::println);
        apps.forEach(LabAppliance::close);
        if (lab != null) {
            lab.close();
        }
    }

    static String voiceColour() {
        for (JsonNode i : one.api("GET", "/v1/failover", null).get("items")) {
            if ("voice".equals(i.path("policyId").asText()) && "site2".equals(i.path("siteId").asText())) {
                return i.get("colour").asText();
            }
        }
        return "";
    }

    static long awaitVoiceOn(String colour, int seconds) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (voiceColour().equals(colour)) {
                return System.nanoTime() - start;
            }
            sleep(100);
        }
        fail("voice never moved to " + colour + ": " + one.api("GET", "/v1/failover", null) + "\npaths " + one.api("GET", "/v1/paths", null));
        return -1;
    }

    static void awaitPathStatus(String pathId, String status, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode p = null;
        while (System.nanoTime() < deadline) {
            p = one.api("GET", "/v1/paths/" + pathId, null);
            if (p.get("status").asText().equals(status)) {
                return;
            }
            sleep(200);
        }
        fail(pathId + " never became " + status + ": " + p);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Outage(long outageMs, long lost, long sent, long viaLteBeforeImpairment) {
    }

    /** Runs the flow, applies the impairment after 2 s, and measures the outage. */
    static Outage measure(String name, String... impairment) throws IOException, InterruptedException {
        return measure(name, 6, impairment);
    }

    static Outage measure(String name, int seconds, String... impairment) throws IOException, InterruptedException {
        awaitVoiceOn("fiber", 90); // each scenario starts from a settled primary
        LabFlow flow = LabFlow.listen(lab, dir, 2, 3478, seconds + 30);
        Thread sender = flow.sendAsync(1, 2, 3478, 1000, seconds * 1000, 200, 46);
        sleep(2000);
        long t0 = System.nanoTime();
        lab.impair(1, "fiber", impairment);
        sender.join();
        List<Datagram> d = flow.finish();
        long lost = d.stream().filter(x -> !x.arrived()).count();
        long early = d.stream().filter(x -> x.arrived() && x.sentNs() < t0 && x.dscp() == VIA_LTE).count();
        Datagram firstBackup = d.stream().filter(x -> x.arrived() && x.sentNs() >= t0 && x.dscp() == VIA_LTE).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no datagram ever arrived over lte; lost " + lost));
        Outage o = new Outage((firstBackup.receivedNs() - t0) / 1_000_000, lost, d.size(), early);
        report.add(String.format("failover scenario %-22s outage %4d ms, %4d of %d datagrams lost", name, o.outageMs(), o.lost(), o.sent()));
        return o;
    }

    /** Clears the impairment and checks that voice goes back to fiber only after the failback hold. */
    static void recoverAndCheckHold(String name) {
        long cleared = System.nanoTime();
        lab.impair(1, "fiber");
        long tookNs = awaitVoiceOn("fiber", 90);
        report.add(String.format("failover scenario %-22s failback after %.1f s (hold %d s)", name + " recovery", tookNs / 1e9, HOLD_SECONDS));
        assertTrue(System.nanoTime() - cleared >= TimeUnit.SECONDS.toNanos(HOLD_SECONDS),
                name + ": voice went back to fiber before the failback hold of " + HOLD_SECONDS + " s; events: "
                        + one.api("GET", "/v1/events?since=40s&limit=30", null));
    }

    /** Failover decisions so far that moved traffic off fiber. */
    static long awayFromFiber() {
        long n = 0;
        for (JsonNode e : one.api("GET", "/v1/events?type=failover&limit=10000", null).get("items")) {
            n += e.get("summary").asText().contains(": fiber -> ") ? 1 : 0;
        }
        return n;
    }

    @Test
    @Order(2)
    void blackhole_failsOverWithinHalfASecond_andFailbackWaitsForTheHold() throws Exception {
        Outage o = measure("1 blackhole", "loss", "100");
        assertEquals(0, o.viaLteBeforeImpairment());
        assertTrue(o.outageMs() < 1000, "outage " + o.outageMs() + " ms");
        JsonNode events = one.api("GET", "/v1/events?type=failover&since=1m", null).get("items");
        assertTrue(events.toString().contains("policy voice to site2: fiber -> lte"), events.toString());
        recoverAndCheckHold("1 blackhole");
    }

    @Test
    @Order(3)
    void linkDown_failsOver_andRecovers() throws Exception {
        Outage o = measure("2 link down", "down");
        assertTrue(o.outageMs() < 1000, "outage " + o.outageMs() + " ms");
        lab.impair(1, "fiber", "up");
        recoverAndCheckHold("2 link down");
    }

    @Test
    @Order(4)
    void thirtyPercentLoss_failsOver() throws Exception {
        // Loss is judged over a 20 s window so that 5% never looks like 10%: 30% shows within about ten seconds.
        Outage o = measure("3 loss 30%", 25, "loss", "30");
        assertTrue(o.outageMs() < 20_000, "outage " + o.outageMs() + " ms");
        recoverAndCheckHold("3 loss 30%");
    }

    @Test
    @Order(1)
    void fivePercentLossForTwoMinutes_neverFailsOver() {
        long before = awayFromFiber();
        lab.impair(1, "fiber", "loss", "5");
        try {
            for (int i = 0; i < 120; i++) {
                sleep(1000);
                assertEquals("fiber", voiceColour(), "voice left fiber after " + i + " s of 5% loss: "
                        + one.api("GET", "/v1/events?limit=5", null));
            }
        } finally {
            lab.impair(1, "fiber");
        }
        long after = awayFromFiber();
        report.add("failover scenario 6 loss 5% for 120 s     " + (after - before) + " failovers");
        assertEquals(before, after, "traffic moved away from fiber under 5% loss: " + one.api("GET", "/v1/events?since=3m&limit=20", null));
    }

    @Test
    @Order(5)
    void addedDelayBeyondTheSla_failsOver() throws Exception {
        // scripts/lab delays each direction: 150 ms each way adds 300 ms to the round trip, twice the SLA.
        Outage o = measure("4 delay +300 ms", "delay", "150");
        assertTrue(o.outageMs() < 10_000, "outage " + o.outageMs() + " ms");
        recoverAndCheckHold("4 delay +300 ms");
    }

    @Test
    @Order(6)
    void flappingEveryTwoSeconds_endsHeldDownNotOscillating() {
        long before = one.api("GET", "/v1/events?type=failover&limit=10000", null).get("items").size();
        for (int i = 0; i < 10; i++) {
            lab.impair(1, "fiber", i % 2 == 0 ? "down" : "up");
            sleep(2000);
        }
        lab.impair(1, "fiber", "up");
        long moves = one.api("GET", "/v1/events?type=failover&limit=10000", null).get("items").size() - before;
        JsonNode fiber = one.api("GET", "/v1/paths/site1:site2:fiber", null);
        report.add("failover scenario 7 flapping 2 s x10     " + moves + " failovers; fiber path afterwards: " + fiber.get("status"));
        assertTrue(moves <= 2, moves + " failovers while the link flapped: traffic was dragged back and forth");
        assertEquals("lte", voiceColour(), "voice stays on lte while fiber is held down");
        awaitVoiceOn("fiber", 120);
    }
}
