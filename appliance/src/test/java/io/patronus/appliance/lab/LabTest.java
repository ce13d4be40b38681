package io.patronus.appliance.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lab builds what it promises, impairs links on demand, and leaves nothing behind. Delay is emulated by tc netem
 * where the kernel has it and by scripts/lab-delayline where it has not (the project's CI kernel): the delay tests
 * hold for both, and those about the delay line's process pass trivially under netem.
 */
class LabTest {
    private static final Pattern RTT = Pattern.compile("time=([0-9.]+) ms");

    @TempDir
    Path dir;

    private static List<String> namespaces() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "list").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().map(l -> l.split(" ")[0]).toList();
    }

    @Test
    void threeSitesTwoColours_reachEachOther_andImpairmentsApplyPerLink() throws Exception {
        String name;
        try (Lab lab = Lab.up(3, "fiber", "lte")) {
            name = lab.name();
            Map<String, String> s2 = lab.describe(2);
            assertEquals("192.0.2.2", s2.get("WAN_FIBER"));
            assertEquals("198.51.100.2", s2.get("WAN_LTE"));
            assertEquals("100.64.2.0/24", s2.get("LAN_PREFIX"));
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode());
            assertEquals(0, lab.exec("3", "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.51.100.2").exitCode());
            assertEquals(0, lab.exec("2-lan", "ping", "-c", "1", "-W", "1", "100.64.2.1").exitCode(), "LAN host reaches its appliance");
            assertTrue(namespaces().containsAll(List.of(name + "-inet", name + "-s1", name + "-s3-lan")));

            lab.impair(2, "fiber", "loss", "100");
            assertEquals(1, lab.exec("1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "fiber of site 2 blackholed");
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.51.100.2").exitCode(), "its lte still works");
            lab.impair(2, "fiber");
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "cleared");
            lab.impair(2, "fiber", "down");
            assertEquals(1, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "link down");
            lab.impair(2, "fiber", "up");
            assertEquals(0, lab.exec("1", "ping", "-c", "3", "-i", "0.3", "-W", "2", "192.0.2.2").exitCode(), "link up again");
        }
        List<String> left = namespaces().stream().filter(n -> n.startsWith(name + "-")).toList();
        assertEquals(List.of(), left, "namespaces left behind");
    }

    private static List<String> namespacesQuietly() {
        try {
            return namespaces();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badArguments_areRefusedWithAClearMessage() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Lab.script("up", "Bad_Name", "2", "fiber"));
        assertTrue(e.getMessage().contains("must be 2-12 characters"), e.getMessage());
        IllegalStateException colour = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Lab.script("up", "okname", "2", "carrierpigeon"));
        assertTrue(colour.getMessage().contains("unknown colour"), colour.getMessage());
        assertTrue(namespacesQuietly().stream().noneMatch(n -> n.startsWith("okname-")), "nothing half-built is left");
    }

    /** The round-trip times, in ms, of the replies in ping's output. */
    private static List<Double> rtts(Lab.Result ping) {
        List<Double> out = new ArrayList<>();
        Matcher m = RTT.matcher(ping.output());
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    private static Lab.Result ping(Lab lab, String from, int count, String to) {
        return lab.exec(from, "ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "2", to);
    }

    /** Command lines of the delay-line processes of one lab (none under netem). */
    private static List<String> delayLines(String lab) throws Exception {
        Process p = new ProcessBuilder("pgrep", "-af", "lab-delayline.*/" + lab + "\\.delay-")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void delay_addsItsValueToEachDirection_soTheRttGrowsByTwice() {
        try (Lab lab = Lab.up(2, "fiber", "lte")) {
            // Resolve the neighbours first: an ARP exchange through the delay would add its own round trip.
            assertEquals(0, ping(lab, "1", 1, "192.0.2.2").exitCode());
            assertEquals(0, ping(lab, "1", 1, "198.51.100.2").exitCode());
            lab.impair(2, "fiber", "delay", "300");

            List<Double> there = rtts(ping(lab, "1", 5, "192.0.2.2"));
            assertEquals(5, there.size(), "every reply arrives");
            assertTrue(Collections.min(there) >= 600 && Collections.max(there) < 700, "RTT 2 x 300 ms: " + there);
            List<Double> back = rtts(ping(lab, "2", 3, "192.0.2.1"));
            assertTrue(back.size() == 3 && Collections.min(back) >= 600 && Collections.max(back) < 700,
                    "the same from the impaired site's side: " + back);
            List<Double> lte = rtts(ping(lab, "1", 3, "198.51.100.2"));
            assertTrue(lte.size() == 3 && Collections.max(lte) < 50, "the site's other link is not delayed: " + lte);
        }
    }

    @Test
    void delay_changedWhileAPingRuns_losesNoReply() throws Exception {
        try (Lab lab = Lab.up(2, "fiber")) {
            assertEquals(0, ping(lab, "1", 1, "192.0.2.2").exitCode());
            lab.impair(2, "fiber", "delay", "300");
            CompletableFuture<Lab.Result> running = CompletableFuture.supplyAsync(
                    () -> lab.exec("1", "ping", "-c", "40", "-i", "0.1", "-W", "2", "192.0.2.2"));
            Thread.sleep(1500);
            lab.impair(2, "fiber", "delay", "100");
            Lab.Result r = running.get(60, TimeUnit.SECONDS);

            List<Double> t = rtts(r);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(40, t.size(), "no reply lost while the delay changed: " + t);
            assertTrue(t.get(0) >= 600 && t.get(0) < 700, "before: " + t);
            assertTrue(t.get(39) >= 200 && t.get(39) < 300, "after: " + t);
        }
    }

    @Test
    void delay_cleared_restoresTheDirectBridge() throws Exception {
        try (Lab lab = Lab.up(2, "fiber")) {
            lab.impair(2, "fiber", "delay", "300", "jitter", "10");
            assertTrue(Collections.min(rtts(ping(lab, "1", 2, "192.0.2.2"))) >= 580);
            lab.impair(2, "fiber");

            List<Double> t = rtts(ping(lab, "1", 5, "192.0.2.2"));
            assertTrue(t.size() == 5 && Collections.max(t) < 50, "undelayed: " + t);
            assertEquals(List.of(), delayLines(lab.name()), "the delay line has stopped");
            assertTrue(lab.exec("inet", "ip", "-o", "link", "show", "s2-fiber").output().contains("master br-fiber"),
                    "the port is back on its bridge");
            assertNotEquals(0, lab.exec("inet", "ip", "link", "show", "d2-fiber").exitCode(), "the tap is gone");
        }
    }

    @Test
    void delay_combinesWithLossAndRate() {
        try (Lab lab = Lab.up(2, "fiber")) {
            assertEquals(0, ping(lab, "1", 1, "192.0.2.2").exitCode());
            lab.impair(2, "fiber", "delay", "300", "loss", "100");
            assertEquals(1, ping(lab, "1", 3, "192.0.2.2").exitCode(), "blackholed");
            lab.impair(2, "fiber", "delay", "300");
            List<Double> t = rtts(ping(lab, "1", 2, "192.0.2.2"));
            assertTrue(t.size() == 2 && Collections.min(t) >= 600, "loss lifted, delay kept: " + t);

            lab.impair(2, "fiber", "delay", "50", "rate", "1000");
            String shaping = lab.exec("2", "tc", "qdisc", "show", "dev", "wan-fiber").output()
                    + lab.exec("inet", "tc", "qdisc", "show", "dev", "s2-fiber").output();
            assertTrue(shaping.matches("(?s).*(tbf|netem).*rate 1Mbit.*(tbf|netem).*rate 1Mbit.*"),
                    "both ends shaped: " + shaping);
            t = rtts(ping(lab, "1", 2, "192.0.2.2"));
            assertTrue(t.size() == 2 && Collections.min(t) >= 100 && Collections.max(t) < 200, "delay with rate: " + t);
        }
    }

    @Test
    void gc_withADelayLineRunning_keepsTheLab() throws Exception {
        try (Lab lab = Lab.up(2, "fiber")) {
            lab.impair(2, "fiber", "delay", "20");
            String gc = Lab.script("gc");
            assertFalse(gc.contains(lab.name()), "gc took the delay line's files for a lab: " + gc);
            List<Double> t = rtts(ping(lab, "1", 2, "192.0.2.2"));
            assertTrue(t.size() == 2 && Collections.min(t) >= 40, "still delayed: " + t);
        }
    }

    @Test
    void down_leavesNoDelayLineBehind() throws Exception {
        String name;
        boolean delayLine;
        try (Lab lab = Lab.up(2, "fiber", "lte")) {
            name = lab.name();
            lab.impair(1, "fiber", "delay", "10");
            lab.impair(2, "lte", "delay", "10", "jitter", "2");
            delayLine = !delayLines(name).isEmpty();
            if (delayLine) {
                assertEquals(2, delayLines(name).size(), "one delay line per delayed link");
            }
        }
        assertEquals(List.of(), delayLines(name), "delay lines left behind");
        try (var files = Files.list(Path.of("/run/patronus-lab"))) {
            assertEquals(List.of(),
                    files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(name + ".")).toList(),
                    "state files left behind");
        }
        System.out.printf("delay emulated by %s%n", delayLine ? "scripts/lab-delayline" : "tc netem");
    }

    /**
     * The numbers the failover tests rely on: one-way delay of a 1,000 packets/s flow (both ends stamp it with
     * CLOCK_MONOTONIC, shared by every namespace) and how many frames per second the delayed link carries.
     */
    @Test
    void delay_holdsFramesToTheMillisecond_andCarries20000FramesPerSecond() throws Exception {
        try (Lab lab = Lab.up(2, "fiber")) {
            assertEquals(0, ping(lab, "1", 1, "192.0.2.2").exitCode());
            lab.impair(2, "fiber", "delay", "300");
            Path udpflow = Lab.scriptPath().resolveSibling("udpflow");
            Path sent = dir.resolve("sent.log");
            Path received = dir.resolve("received.log");
            // The receiver runs SCHED_FIFO, as the delay line does: an ordinary process on a machine busy with
            // builds wakes up to tens of ms late, which would measure the machine rather than the link.
            CompletableFuture<Lab.Result> rx = CompletableFuture.supplyAsync(() -> lab.exec("2", "chrt", "-f", "5",
                    "python3", udpflow.toString(), "recv", "--bind", "192.0.2.2", "--port", "5000", "--duration", "10",
                    "--idle", "1.5", "--log", received.toString()));
            Thread.sleep(500);
            delayLineReport(lab, 2, "fiber"); // resets its lateness counters
            assertEquals(0, lab.exec("1", "python3", udpflow.toString(), "send", "--dst", "192.0.2.2", "--port", "5000",
                    "--rate", "1000", "--count", "2000", "--size", "1200", "--log", sent.toString()).exitCode());
            assertEquals(0, rx.get(30, TimeUnit.SECONDS).exitCode());
            List<Double> oneWay = oneWayMs(sent, received);
            assertTrue(oneWay.size() >= 1990, "received " + oneWay.size() + " of 2000");
            double p50 = oneWay.get(oneWay.size() / 2);
            double p99 = oneWay.get(oneWay.size() * 99 / 100);
            System.out.printf("one-way delay for \"delay 300\", 1000 packets/s: min %.3f p50 %.3f p90 %.3f p99 %.3f "
                    + "max %.3f ms%n", oneWay.get(0), p50, oneWay.get(oneWay.size() * 9 / 10), p99, oneWay.getLast());
            assertTrue(oneWay.get(0) >= 300.0, "never early: " + oneWay.get(0));
            assertTrue(p50 < 301.0, "median within 1 ms: " + p50);
            // The tail of the one-way delays is mostly the sender's, an ordinary process stamping a datagram and
            // then waiting for a CPU to send it; the delay line counts how late it sends against each due time.
            Optional<String> report = delayLineReport(lab, 2, "fiber");
            if (report.isPresent()) {
                Matcher m = Pattern.compile(
                        "d2-fiber->s2-fiber: received=(\\d+) .*late_over_1ms=(\\d+) late_max_ms=([0-9.]+)").matcher(report.get());
                assertTrue(m.find(), report.get());
                System.out.printf("delay line: %s frames, %s sent over 1 ms late, latest %s ms%n",
                        m.group(1), m.group(2), m.group(3));
                assertTrue(Integer.parseInt(m.group(2)) <= 20, "at most 1% of the frames over 1 ms late: " + report.get());
            }

            lab.impair(2, "fiber", "delay", "50");
            long[] paced = flood(lab, 20_000);
            System.out.printf("20,000 frames/s offered for 3 s: %d sent, %d received%n", paced[0], paced[1]);
            assertTrue(paced[0] >= 57_000,
                    "the sender kept up (the tap pushes back on it when the delay line lags): " + paced[0]);
            assertTrue(paced[1] >= paced[0] * 0.99, "at least 99% carried: " + paced[1] + " of " + paced[0]);
            long[] twice = flood(lab, 40_000);
            System.out.printf("40,000 frames/s offered for 3 s: %d sent, %d received in %d ms = %d frames/s%n",
                    twice[0], twice[1], twice[2], twice[1] * 1000 / Math.max(1, twice[2]));
        }
    }

    /**
     * Asks a link's delay line for its counters (SIGUSR2, which also restarts its lateness counts) and returns the
     * line it logs; empty where netem does the delay.
     */
    private static Optional<String> delayLineReport(Lab lab, int site, String colour) throws Exception {
        String base = "/run/patronus-lab/" + lab.name() + ".delay-s" + site + "-" + colour;
        Path pid = Path.of(base + ".pid");
        Path log = Path.of(base + ".log");
        if (!Files.exists(pid)) {
            return Optional.empty();
        }
        int before = Files.readAllLines(log).size();
        assertEquals(0, new ProcessBuilder("kill", "-USR2", Files.readString(pid).strip()).start().waitFor());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.readAllLines(log);
            for (String line : lines.subList(Math.min(before, lines.size()), lines.size())) {
                if (line.contains("late_max_ms")) {
                    return Optional.of(line);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the delay line did not report within 5 s: " + Files.readString(log));
    }

    /** Sorted one-way delays in ms from udpflow's send log ("seq ns") and receive log ("seq dscp ns bytes"). */
    private static List<Double> oneWayMs(Path sent, Path received) throws IOException {
        Map<Long, Long> sentNs = new HashMap<>();
        for (String line : Files.readAllLines(sent)) {
            String[] f = line.split(" ");
            sentNs.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
        }
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(received)) {
            String[] f = line.split(" ");
            out.add((Long.parseLong(f[2]) - sentNs.get(Long.parseLong(f[0]))) / 1e6);
        }
        Collections.sort(out);
        return out;
    }

    /**
     * 200-byte datagrams from site 1 to site 2 over fiber at {@code pps} for 3 s: {sent, received, ms from the
     * first to the last received}. Sender and receiver run SCHED_FIFO (below the delay line), so that a machine busy
     * with builds does not starve them and the flood measures the link; the sender sleeps between bursts rather
     * than spinning, which at that priority would take the CPU from everything else.
     */
    private static long[] flood(Lab lab, int pps) throws Exception {
        String receiver = """
                import socket, time
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
                s.bind(("192.0.2.2", 5001))
                s.settimeout(5)
                n = 0
                first = last = time.monotonic()
                try:
                    while True:
                        s.recv(2048)
                        last = time.monotonic()
                        if n == 0:
                            first = last
                        n += 1
                        s.settimeout(1)
                except socket.timeout:
                    pass
                print(n, int((last - first) * 1000))
                """;
        String sender = """
                import socket, sys, time
                pps = float(sys.argv[1])
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                payload = b"x" * 200
                start = time.monotonic()
                end = start + 3
                sent = 0
                while True:
                    now = time.monotonic()
                    if now >= end:
                        break
                    target = int((now - start) * pps)
                    if sent + 64 > target:
                        time.sleep(min((sent + 64 - target) / pps, end - now))
                        continue
                    burst = min(target - sent, 256)
                    for _ in range(burst):
                        s.sendto(payload, ("192.0.2.2", 5001))
                    sent += burst
                print(sent)
                """;
        List<String> rt = List.of("chrt", "-f", "5");
        CompletableFuture<Lab.Result> rx = CompletableFuture.supplyAsync(
                () -> lab.exec("2", concat(rt, List.of("python3", "-c", receiver))));
        Thread.sleep(500);
        Lab.Result tx = lab.exec("1", concat(rt, List.of("python3", "-c", sender, Integer.toString(pps))));
        assertEquals(0, tx.exitCode(), tx.output());
        Lab.Result r = rx.get(30, TimeUnit.SECONDS);
        String[] got = r.output().strip().split(" ");
        return new long[] {Long.parseLong(tx.output().strip()), Long.parseLong(got[0]), Long.parseLong(got[1])};
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out.toArray(String[]::new);
    }
}
