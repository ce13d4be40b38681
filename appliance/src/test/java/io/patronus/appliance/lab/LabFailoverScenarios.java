package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.lab.LabFlow.Datagram;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The failover issue's lab scenarios, shared by {@link LabFailoverTest} (no controller at all) and
 * {@link LabFederationTest} (the same scenarios while the controller is stopped): a "voice" policy on site 1 with
 * fiber primary and lte backup towards site 2, a 1,000 packets/s UDP flow with sequence numbers from site 1's LAN to
 * site 2's LAN, and site 2 rewriting each packet's DSCP by the tunnel it arrived through ({@link #tagPaths}), so every
 * datagram's path is known. Outage = from the moment an impairment is applied to site 1's fiber until the flow's
 * packets arrive over lte; lost = datagrams that never arrived. Each scenario asserts its own limit and adds a line to
 * {@code report} (prefixed with {@code label}).
 */
final class LabFailoverScenarios {
    static final int VIA_FIBER = 10;
    static final int VIA_LTE = 20;

    private final Lab lab;
    private final Path dir;
    private final LabAppliance one;
    private final long holdSeconds;
    private final List<String> report;
    private final String label;

    LabFailoverScenarios(Lab lab, Path dir, LabAppliance one, long holdSeconds, List<String> report, String label) {
        this.lab = lab;
        this.dir = dir;
        this.one = one;
        this.holdSeconds = holdSeconds;
        this.report = report;
        this.label = label;
    }

    /** Makes site 2 mark each arriving packet's DSCP with the tunnel it came through. */
    static void tagPaths(Lab lab) {
        assertEquals(0, lab.exec("2", "nft", "add table ip pathtag; add chain ip pathtag tag { type filter hook forward priority 0; };"
                + " add rule ip pathtag tag iifname \"wg-fiber\" ip dscp set " + VIA_FIBER + ";"
                + " add rule ip pathtag tag iifname \"wg-lte\" ip dscp set " + VIA_LTE).exitCode());
    }

    record Outage(long outageMs, long lost, long sent, long viaLteBeforeImpairment) {
    }

    String voiceColour() {
        for (JsonNode i : one.api("GET", "/v1/failover", null).get("items")) {
            if ("voice".equals(i.path("policyId").asText()) && "site2".equals(i.path("siteId").asText())) {
                return i.get("colour").asText();
            }
        }
        return "";
    }

    long awaitVoiceOn(String colour, int seconds) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (voiceColour().equals(colour)) {
                return System.nanoTime() - start;
            }
            sleep(100);
        }
        fail(label + "voice never moved to " + colour + ": " + one.api("GET", "/v1/failover", null) + "\npaths "
                + one.api("GET", "/v1/paths", null));
        return -1;
    }

    void awaitPathStatus(String pathId, String status, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode p = null;
        while (System.nanoTime() < deadline) {
            p = one.api("GET", "/v1/paths/" + pathId, null);
            if (p.get("status").asText().equals(status)) {
                return;
            }
            sleep(200);
        }
        fail(label + pathId + " never became " + status + ": " + p);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs the flow for {@code seconds}, applies the impairment after 2 s, and measures the outage. */
    Outage measure(String name, int seconds, String... impairment) throws IOException, InterruptedException {
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
                .orElseThrow(() -> new AssertionError(label + name + ": no datagram ever arrived over lte; lost " + lost));
        Outage o = new Outage((firstBackup.receivedNs() - t0) / 1_000_000, lost, d.size(), early);
        report.add(String.format("%sfailover scenario %-22s outage %4d ms, %4d of %d datagrams lost", label, name, o.outageMs(),
                o.lost(), o.sent()));
        return o;
    }

    /** Clears the impairment and checks that voice goes back to fiber only after the failback hold. */
    void recoverAndCheckHold(String name) {
        long cleared = System.nanoTime();
        lab.impair(1, "fiber");
        long tookNs = awaitVoiceOn("fiber", 90);
        report.add(String.format("%sfailover scenario %-22s failback after %.1f s (hold %d s)", label, name + " recovery",
                tookNs / 1e9, holdSeconds));
        assertTrue(System.nanoTime() - cleared >= TimeUnit.SECONDS.toNanos(holdSeconds),
                label + name + ": voice went back to fiber before the failback hold of " + holdSeconds + " s; events: "
                        + one.api("GET", "/v1/events?since=40s&limit=30", null));
    }

    /** Failover decisions so far that moved traffic off fiber. */
    long awayFromFiber() {
        long n = 0;
        for (JsonNode e : one.api("GET", "/v1/events?type=failover&limit=10000", null).get("items")) {
            n += e.get("summary").asText().contains(": fiber -> ") ? 1 : 0;
        }
        return n;
    }

    /** Failover decisions so far for the voice flow's target (site 1's other targets move with it, and are not it). */
    private long voiceMoves() {
        long n = 0;
        for (JsonNode e : one.api("GET", "/v1/events?type=failover&limit=10000", null).get("items")) {
            n += e.get("summary").asText().startsWith("policy voice to site2:") ? 1 : 0;
        }
        return n;
    }

    /** Scenario 1 and its recovery. */
    Outage blackhole() throws IOException, InterruptedException {
        Outage o = measure("1 blackhole", 6, "loss", "100");
        assertEquals(0, o.viaLteBeforeImpairment(), label + "voice was on lte before the impairment");
        assertTrue(o.outageMs() < 1000, label + "blackhole outage " + o.outageMs() + " ms");
        JsonNode events = one.api("GET", "/v1/events?type=failover&since=1m", null).get("items");
        assertTrue(events.toString().contains("policy voice to site2: fiber -> lte"), events.toString());
        recoverAndCheckHold("1 blackhole");
        return o;
    }

    /** Scenario 2 and its recovery. */
    Outage linkDown() throws IOException, InterruptedException {
        Outage o = measure("2 link down", 6, "down");
        assertTrue(o.outageMs() < 1000, label + "link-down outage " + o.outageMs() + " ms");
        lab.impair(1, "fiber", "up");
        recoverAndCheckHold("2 link down");
        return o;
    }

    /** Scenario 3 and its recovery: loss is judged over a 20 s window so that 5% never looks like 10%. */
    Outage thirtyPercentLoss() throws IOException, InterruptedException {
        Outage o = measure("3 loss 30%", 25, "loss", "30");
        assertTrue(o.outageMs() < 20_000, label + "30% loss outage " + o.outageMs() + " ms");
        recoverAndCheckHold("3 loss 30%");
        return o;
    }

    /** Scenario 4 and its recovery: scripts/lab delays each direction, 150 ms each way is twice the 150 ms SLA. */
    Outage addedDelay() throws IOException, InterruptedException {
        Outage o = measure("4 delay +300 ms", 6, "delay", "150");
        assertTrue(o.outageMs() < 10_000, label + "delay outage " + o.outageMs() + " ms");
        recoverAndCheckHold("4 delay +300 ms");
        return o;
    }

    /**
     * Waits until voice is on fiber and both of site 1's paths to site 2 have been up for {@code seconds} in a row.
     * Right after the appliances start, a path can still go degraded on its first loss window: probes lost while two
     * JVMs start beside the tunnels (a 50 ms timeout at a 1 ms RTT) count there. A scenario about a settled path starts
     * from one.
     */
    void settle(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long upSince = System.nanoTime();
        while (System.nanoTime() - upSince < TimeUnit.SECONDS.toNanos(seconds)) {
            boolean up = voiceColour().equals("fiber")
                    && one.api("GET", "/v1/paths/site1:site2:fiber", null).path("status").asText().equals("up")
                    && one.api("GET", "/v1/paths/site1:site2:lte", null).path("status").asText().equals("up");
            if (!up) {
                upSince = System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                fail(label + "site 1's paths to site 2 never stayed up for " + seconds + " s: " + one.api("GET", "/v1/paths", null));
            }
            sleep(250);
        }
    }

    /** Scenario 6: 5% loss (each direction) on the primary for {@code seconds}, checked every second: no failover. */
    void fivePercentLossNeverFailsOver(int seconds) {
        settle(10);
        long before = awayFromFiber();
        lab.impair(1, "fiber", "loss", "5");
        try {
            for (int i = 0; i < seconds; i++) {
                sleep(1000);
                assertEquals("fiber", voiceColour(), label + "voice left fiber after " + i + " s of 5% loss: "
                        + one.api("GET", "/v1/events?limit=5", null));
            }
        } finally {
            lab.impair(1, "fiber");
        }
        long after = awayFromFiber();
        report.add(String.format("%sfailover scenario 6 loss 5%% for %d s     %d failovers", label, seconds, after - before));
        assertEquals(before, after, label + "traffic moved away from fiber under 5% loss: "
                + one.api("GET", "/v1/events?since=3m&limit=20", null));
    }

    /** Scenario 7: the primary link flaps every 2 s ten times; traffic moves at most twice and fiber ends held down. */
    void flappingEndsHeldDown() {
        awaitVoiceOn("fiber", 90);
        long before = voiceMoves();
        for (int i = 0; i < 10; i++) {
            lab.impair(1, "fiber", i % 2 == 0 ? "down" : "up");
            sleep(2000);
        }
        lab.impair(1, "fiber", "up");
        long moves = voiceMoves() - before;
        JsonNode fiber = one.api("GET", "/v1/paths/site1:site2:fiber", null);
        report.add(label + "failover scenario 7 flapping 2 s x10     " + moves + " failovers; fiber path afterwards: "
                + fiber.get("status"));
        assertTrue(moves <= 2, label + moves + " failovers while the link flapped: traffic was dragged back and forth");
        assertEquals("lte", voiceColour(), label + "voice stays on lte while fiber is held down");
        awaitVoiceOn("fiber", 120);
    }
}
