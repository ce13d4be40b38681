package io.patronus.appliance.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Failover on real tunnels, decided by the appliance alone (there is no controller in this lab at all): two sites with
 * fiber and lte, a "voice" policy on fiber with lte as backup, and a 1,000 packets/s UDP flow with sequence numbers
 * from site 1's LAN to site 2's LAN ({@link LabFailoverScenarios}, which {@link LabFederationTest} runs again with
 * the controller stopped). Site 2 rewrites each packet's DSCP by the tunnel it arrived through, so every datagram's
 * path is known. Outage = from the moment an impairment is applied to site 1's fiber until the flow's packets arrive
 * over lte; lost = datagrams that never arrived.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabFailoverTest {
    private static final long HOLD_SECONDS = 5;
    private static final String EXTRA = """
            failover: { failbackHold: %ds }
            slaClasses:
              - { name: default, maxLatencyMs: 150, maxLossPct: 10, maxJitterMs: 30 }
            """.formatted(HOLD_SECONDS);

    static Path dir;
    static Lab lab;
    static final List<LabAppliance> apps = new ArrayList<>();
    static final List<String> report = new ArrayList<>();
    static LabFailoverScenarios scenarios;

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
        LabAppliance one = apps.getFirst();
        one.api("POST", "/v1/policies", """
                {"id":"voice","name":"voice","priority":10,"match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478"]},
                 "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":50}}""");
        LabFailoverScenarios.tagPaths(lab);
        scenarios = new LabFailoverScenarios(lab, dir, one, HOLD_SECONDS, report, "");
        scenarios.awaitVoiceOn("fiber", 60);
        scenarios.awaitPathStatus("site1:site2:fiber", "up", 60);
        scenarios.awaitPathStatus("site1:site2:lte", "up", 60);
    }

    @AfterAll
    static void down() {
        report.forEach(System.out::println);
        apps.forEach(LabAppliance::close);
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(2)
    void blackhole_failsOverWithinHalfASecond_andFailbackWaitsForTheHold() throws Exception {
        scenarios.blackhole();
    }

    @Test
    @Order(3)
    void linkDown_failsOver_andRecovers() throws Exception {
        scenarios.linkDown();
    }

    @Test
    @Order(4)
    void thirtyPercentLoss_failsOver() throws Exception {
        scenarios.thirtyPercentLoss();
    }

    @Test
    @Order(1)
    void fivePercentLossForTwoMinutes_neverFailsOver() {
        scenarios.fivePercentLossNeverFailsOver(120);
    }

    @Test
    @Order(5)
    void addedDelayBeyondTheSla_failsOver() throws Exception {
        scenarios.addedDelay();
    }

    @Test
    @Order(6)
    void flappingEveryTwoSeconds_endsHeldDownNotOscillating() {
        scenarios.flappingEndsHeldDown();
    }
}
