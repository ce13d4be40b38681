package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.lab.LabFlow.Datagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The eBPF classifier on real traffic: two appliances in the lab with wireguard-go tunnels over fiber (the default
 * colour) and lte. Site 2 rewrites the DSCP of every forwarded packet by the tunnel it came through (10 = fiber,
 * 20 = lte), so the receiver knows each datagram's path.
 */
class LabClassifierTest {
    private static final int VIA_FIBER = 10;
    private static final int VIA_LTE = 20;

    @TempDir
    Path dir;

    private static final String VOICE = """
            {"id":"voice","name":"voice","priority":10,"match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478"]},
             "action":{"type":"route","primary":"%s","backup":"%s","failoverThreshold":50}}""";

    private static long tx(LabAppliance a, String iface) {
        long sum = 0;
        for (JsonNode i : a.api("GET", "/v1/wg", null).get("interfaces")) {
            if (i.get("interface").asText().equals(iface)) {
                for (JsonNode p : i.get("peers")) {
                    sum += p.get("txBytes").asLong();
                }
            }
        }
        return sum;
    }

    private static void awaitAttached(LabAppliance a) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode s = null;
        while (System.nanoTime() < deadline) {
            s = a.api("GET", "/v1/classifier", null);
            if (s.get("state").asText().equals("attached")) {
                return;
            }
        }
        fail("classifier never attached: " + s);
    }

    private static void awaitPing(Lab lab, int from, int to) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            if (lab.exec(from + "-lan", "ping", "-c", "1", "-W", "1", "100.64." + to + ".10").exitCode() == 0) {
                return;
            }
        }
        fail("site " + from + " never reached site " + to);
    }

    private static long count(List<Datagram> ds, int dscp) {
        return ds.stream().filter(d -> d.arrived() && d.dscp() == dscp).count();
    }

    @Test
    void policiesSteerDropAndRateLimitRealTraffic_flipMovesTheFlow_sigkillKeepsClassifying() throws Exception {
        try (Lab lab = Lab.up(2, "fiber", "lte")) {
            List<LabAppliance> apps = new ArrayList<>();
            try {
                apps.add(LabAppliance.start(lab, 1, dir, null));
                apps.add(LabAppliance.start(lab, 2, dir, null));
                List<String> regs = apps.stream().map(LabAppliance::registration).toList();
                for (LabAppliance a : apps) {
                    for (String r : regs) {
                        a.api("POST", "/v1/sites", r);
                    }
                }
                LabAppliance one = apps.getFirst();
                assertEquals(0, lab.exec("2", "nft", "add table ip pathtag; add chain ip pathtag tag { type filter hook forward priority 0; };"
                        + " add rule ip pathtag tag iifname \"wg-fiber\" ip dscp set " + VIA_FIBER + ";"
                        + " add rule ip pathtag tag iifname \"wg-lte\" ip dscp set " + VIA_LTE).exitCode());
                awaitPing(lab, 1, 2);
                one.api("POST", "/v1/policies", VOICE.formatted("lte", "fiber"));
                awaitAttached(one);

                // 1. Voice (DSCP 46 to 3478) leaves on lte, other traffic on the default colour fiber.
                long fiberBefore = tx(one, "wg-fiber");
                long lteBefore = tx(one, "wg-lte");
                LabFlow voice = LabFlow.listen(lab, dir, 2, 3478, 20);
                voice.send(1, 2, 3478, 200, 400, 200, 46);
                List<Datagram> v = voice.finish();
                long lteDelta = tx(one, "wg-lte") - lteBefore;
                long fiberDelta = tx(one, "wg-fiber") - fiberBefore;
                assertTrue(count(v, VIA_LTE) >= 390, "voice datagrams via lte: " + count(v, VIA_LTE) + " of 400");
                assertEquals(0, count(v, VIA_FIBER), "voice datagrams via fiber");
                assertTrue(lteDelta >= 400L * 200, "lte tunnel sent " + lteDelta + " bytes");
                assertTrue(fiberDelta < lteDelta / 5, "fiber tunnel sent " + fiberDelta + " bytes during the voice flow");
                LabFlow other = LabFlow.listen(lab, dir, 2, 5000, 20);
                other.send(1, 2, 5000, 200, 200, 200, 0);
                List<Datagram> o = other.finish();
                assertTrue(count(o, VIA_FIBER) >= 195, "other datagrams via fiber: " + count(o, VIA_FIBER));
                assertEquals(0, count(o, VIA_LTE));
                JsonNode stats = one.api("GET", "/v1/policies/voice/stats", null);
                assertTrue(stats.get("live").asBoolean(), stats.toString());
                assertEquals(400, stats.get("packets").asLong(), stats.toString());

                // 2. Flipping the policy's colour moves the flow: every datagram sent after the change is on fiber.
                LabFlow flip = LabFlow.listen(lab, dir, 2, 3478, 30);
                Thread sender = flip.sendAsync(1, 2, 3478, 100, 500, 200, 46);
                Thread.sleep(2000);
                long t0 = System.nanoTime();
                one.api("PUT", "/v1/policies/voice", VOICE.formatted("fiber", "lte"));
                long t1 = System.nanoTime();
                sender.join();
                List<Datagram> f = flip.finish();
                long intervalNs = 10_000_000;
                List<Datagram> late = f.stream().filter(d -> d.arrived() && d.sentNs() > t1 + intervalNs && d.dscp() != VIA_FIBER).toList();
                List<Datagram> early = f.stream().filter(d -> d.arrived() && d.sentNs() < t0 && d.dscp() != VIA_LTE).toList();
                assertTrue(late.isEmpty(), "after the change (" + (t1 - t0) / 1000 + " us) still not on fiber: " + late);
                assertTrue(early.isEmpty(), "before the change not on lte: " + early);
                System.out.printf("classifier flip: API call %.1f ms; datagrams sent during it: %d%n", (t1 - t0) / 1e6,
                        f.stream().filter(d -> d.sentNs() >= t0 && d.sentNs() <= t1).count());

                // 3. A drop policy drops, and counts what it dropped.
                one.api("POST", "/v1/policies", """
                        {"id":"block","name":"block","priority":5,"match":{"protocol":"udp","destinationPorts":["6000"]},
                         "action":{"type":"drop"}}""");
                LabFlow dropped = LabFlow.listen(lab, dir, 2, 6000, 6);
                dropped.send(1, 2, 6000, 200, 200, 200, 0);
                assertEquals(0, dropped.finish().stream().filter(Datagram::arrived).count());
                assertEquals(200, one.api("GET", "/v1/policies/block/stats", null).get("droppedPackets").asLong());

                // 4. A rate limit holds a flow sent at twice the rate to the rate, within 10%.
                one.api("POST", "/v1/policies", """
                        {"id":"bulk","name":"bulk","priority":6,"match":{"protocol":"udp","destinationPorts":["7000"]},
                         "action":{"type":"rate_limit","kbps":800}}""");
                int frame = 14 + 20 + 8 + 1000;
                LabFlow bulk = LabFlow.listen(lab, dir, 2, 7000, 30);
                bulk.send(1, 2, 7000, 192, 960, 1000, 0); // 5 s at 1.6 Mbit/s of frames
                List<Datagram> b = bulk.finish();
                long sentNs = b.getLast().sentNs() - b.getFirst().sentNs();
                long passed = b.stream().filter(Datagram::arrived).count();
                double kbps = passed * frame * 8 / (sentNs / 1e9) / 1000;
                System.out.printf("rate limit 800 kbit/s: %d of %d datagrams passed = %.0f kbit/s of frames%n", passed, b.size(), kbps);
                assertTrue(Math.abs(kbps - 800) <= 80, "rate-limited flow ran at " + kbps + " kbit/s, wanted 800 +- 10%");

                // 5. SIGKILL while voice runs: classification continues from the pins; the restart adopts them.
                long packetsBefore = one.api("GET", "/v1/policies/voice/stats", null).get("packets").asLong();
                one.api("PUT", "/v1/policies/voice", VOICE.formatted("lte", "fiber"));
                LabFlow crash = LabFlow.listen(lab, dir, 2, 3478, 60);
                Thread s2 = crash.sendAsync(1, 2, 3478, 100, 1000, 200, 46);
                Thread.sleep(2000);
                long killedAt = System.nanoTime();
                one.killAndRestart();
                long upAt = System.nanoTime();
                s2.join();
                List<Datagram> c = crash.finish();
                List<Datagram> wrong = c.stream().filter(d -> d.arrived() && d.dscp() != VIA_LTE).toList();
                long whileDown = c.stream().filter(d -> d.arrived() && d.sentNs() > killedAt && d.sentNs() < upAt).count();
                System.out.printf("SIGKILL: appliance down %.1f s, %d datagrams classified meanwhile, %d of %d lost%n",
                        (upAt - killedAt) / 1e9, whileDown, c.stream().filter(d -> !d.arrived()).count(), c.size());
                assertTrue(wrong.isEmpty(), "datagrams that left on the wrong colour around the restart: " + wrong.size());
                assertTrue(whileDown > 0, "no datagram was sent and delivered while the appliance was down");
                JsonNode after = one.api("GET", "/v1/classifier", null);
                assertEquals("attached", after.get("state").asText(), after.toString());
                long packetsAfter = one.api("GET", "/v1/policies/voice/stats", null).get("packets").asLong();
                assertTrue(packetsAfter >= packetsBefore + 990, "counters kept across the restart: " + packetsBefore + " -> " + packetsAfter);

                // 6. Without policies, voice takes the site's default colour (the classifier stays for default steering).
                for (String id : List.of("voice", "block", "bulk")) {
                    one.api("DELETE", "/v1/policies/" + id, null);
                }
                assertEquals(0, one.api("GET", "/v1/classifier", null).get("rules").asInt());
                LabFlow plain = LabFlow.listen(lab, dir, 2, 3478, 10);
                plain.send(1, 2, 3478, 200, 100, 200, 46);
                List<Datagram> p = plain.finish();
                assertTrue(count(p, VIA_FIBER) >= 98, "without policies, voice via fiber: " + count(p, VIA_FIBER) + ", via lte: "
                        + count(p, VIA_LTE) + "; failover " + one.api("GET", "/v1/failover", null) + "; paths "
                        + one.api("GET", "/v1/paths", null) + "; classifier " + one.api("GET", "/v1/classifier", null));

                // 7. TCP across the mesh: each appliance lowers the MSS its LAN host announces (SYN at site 1, SYN-ACK
                //    at site 2) to what the tunnel carries, so neither end sends segments that rely on ICMP
                //    "fragmentation needed" to get through. Without it both ends would use 1448 (1500 - 40 - 12).
                long synsBefore = one.api("GET", "/v1/classifier", null).path("tcpMssClamped").asLong();
                TcpTransfer t = TcpTransfer.run(lab, 1, 2, 8443, 200_000);
                System.out.printf("TCP across the mesh: MSS %d (client) / %d (server), %d bytes%n", t.clientMss(), t.serverMss(), t.bytes());
                assertEquals(200_000, t.bytes(), "every byte arrived");
                assertTrue(t.clientMss() > 0 && t.clientMss() <= 1380, "site 1's host sends with MSS " + t.clientMss());
                assertTrue(t.serverMss() > 0 && t.serverMss() <= 1380, "site 2's host sends with MSS " + t.serverMss());
                assertTrue(one.api("GET", "/v1/classifier", null).path("tcpMssClamped").asLong() > synsBefore,
                        "site 1 counted the SYN it clamped: " + one.api("GET", "/v1/classifier", null));
                assertTrue(apps.get(1).api("GET", "/v1/classifier", null).path("tcpMssClamped").asLong() > 0,
                        "site 2 counted the SYN-ACK it clamped: " + apps.get(1).api("GET", "/v1/classifier", null));
            } finally {
                apps.forEach(LabAppliance::close);
            }
        }
    }
}
