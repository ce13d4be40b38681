package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three appliance processes, one per site namespace, with real wireguard-go tunnels over two colours, form a full
 * mesh: each site's LAN host reaches the other two (ping and a UDP stream). A fourth site joins without resetting the
 * existing tunnels' handshakes or counters, and an appliance killed with SIGKILL comes back with its tunnels.
 */
class LabMeshTest {
    @TempDir
    Path dir;

    private static void awaitPing(Lab lab, int from, int to) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        Lab.Result last = null;
        while (System.nanoTime() < deadline) {
            last = lab.exec(from + "-lan", "ping", "-c", "1", "-W", "1", "100.64." + to + ".10");
            if (last.exitCode() == 0) {
                return;
            }
        }
        fail("LAN host of site " + from + " never reached the LAN host of site " + to + ": " + (last == null ? "" : last.output()));
    }

    private static int udpStream(Lab lab, int from, int to, int packets) throws Exception {
        String receiver = "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('100.64.%d.10',5000))\n"
                .formatted(to) + "s.settimeout(3)\nn=0\ntry:\n    while True:\n        s.recv(2000); n+=1\nexcept Exception:\n    pass\nprint(n)\n";
        Process rx = new ProcessBuilder(Lab.scriptPath().toString(), "exec", lab.name(), to + "-lan", "python3", "-c", receiver)
                .redirectErrorStream(true).start();
        Thread.sleep(500);
        String sender = "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(%d):\n    s.sendto(b'x'*200,('100.64.%d.10',5000)); time.sleep(0.005)\n"
                .formatted(packets, to);
        assertEquals(0, lab.exec(from + "-lan", "python3", "-c", sender).exitCode());
        String out = new String(rx.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        rx.waitFor(10, TimeUnit.SECONDS);
        return Integer.parseInt(out.lines().reduce((a, b) -> b).orElse("0"));
    }

    /** Peer site id -> (latest handshake, rx bytes) on one appliance's interface. */
    private static Map<String, List<String>> peers(LabAppliance a, String iface) {
        Map<String, List<String>> out = new HashMap<>();
        for (JsonNode i : a.api("GET", "/v1/wg", null).get("interfaces")) {
            if (i.get("interface").asText().equals(iface)) {
                for (JsonNode p : i.get("peers")) {
                    out.put(p.get("site").asText(), List.of(p.path("latestHandshake").asText(""), p.get("rxBytes").asText()));
                }
            }
        }
        return out;
    }

    @Test
    void threeSites_formAFullMesh_aFourthJoinsWithoutResets_andAKilledApplianceRecovers() throws Exception {
        try (Lab lab = Lab.up(4, "fiber", "lte")) {
            List<LabAppliance> apps = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    apps.add(LabAppliance.start(lab, i, dir, null));
                }
                List<String> regs = apps.stream().map(LabAppliance::registration).toList();
                for (LabAppliance a : apps) {
                    for (String r : regs) {
                        a.api("POST", "/v1/sites", r);
                    }
                }
                for (int from = 1; from <= 3; from++) {
                    for (int to = 1; to <= 3; to++) {
                        if (from != to) {
                            awaitPing(lab, from, to);
                        }
                    }
                }
                int received = udpStream(lab, 1, 3, 300);
                assertTrue(received >= 295, "UDP stream site 1 -> site 3: " + received + " of 300 arrived");

                JsonNode paths = apps.get(0).api("GET", "/v1/paths?siteId=site2", null).get("items");
                JsonNode fiber = paths.get(0);
                assertEquals("site1:site2:fiber", fiber.get("id").asText());
                assertTrue(fiber.get("tunnel").get("rxBytes").asLong() > 0, fiber.toString());
                assertTrue(fiber.get("tunnel").has("handshakeAgeSeconds"), fiber.toString());

                // The WireGuard listen ports are kept out of the ephemeral range of the appliance's namespace.
                assertEquals("51820-51821", lab.exec("1", "sysctl", "-n", "net.ipv4.ip_local_reserved_ports").output().strip());

                Map<String, List<String>> before = peers(apps.get(0), "wg-fiber");
                assertEquals(2, before.size(), before.toString());

                // A fourth site joins.
                LabAppliance fourth = LabAppliance.start(lab, 4, dir, null);
                apps.add(fourth);
                String reg4 = fourth.registration();
                for (LabAppliance a : apps.subList(0, 3)) {
                    a.api("POST", "/v1/sites", reg4);
                }
                for (String r : regs) {
                    fourth.api("POST", "/v1/sites", r);
                }
                fourth.api("POST", "/v1/sites", reg4);
                awaitPing(lab, 4, 1);
                awaitPing(lab, 2, 4);
                Map<String, List<String>> after = peers(apps.get(0), "wg-fiber");
                assertEquals(3, after.size(), after.toString());
                for (String s : List.of("site2", "site3")) {
                    assertEquals(before.get(s).get(0), after.get(s).get(0), "handshake of " + s + " reset by the join");
                    assertTrue(Long.parseLong(after.get(s).get(1)) >= Long.parseLong(before.get(s).get(1)), "counters of " + s + " reset");
                }

                // SIGKILL one appliance; its tunnels keep running and the restarted appliance adopts them.
                LabAppliance second = apps.get(1);
                second.killAndRestart();
                awaitPing(lab, 1, 2);
                awaitPing(lab, 2, 3);
                assertEquals(3, peers(second, "wg-fiber").size());
            } finally {
                apps.forEach(LabAppliance::close);
            }
        }
    }
}
