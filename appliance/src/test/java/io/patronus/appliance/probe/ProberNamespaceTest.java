package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Probes steered by fwmark, for real: two namespaces the test creates (and always deletes) joined by two veth links,
 * "red" and "blue". Both sides route the far appliance address only by mark (fwmark 0x10 -> table 10 -> red, 0x20 ->
 * table 20 -> blue; the main tables have no route to it), and both paths use the same local address, so a path is up
 * only if the prober's SO_MARK sends its probes over its colour and the reflector's per-colour mark sends the replies
 * back the same way. Addresses from 198.18.0.0/15 (benchmarking), inside the namespaces only.
 */
class ProberNamespaceTest {
    private static final SlaClass SLA = new SlaClass("default", 150, 10, 30);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("198.18.0.1", 0);
    private static final InetSocketAddress REFLECTOR = new InetSocketAddress("198.19.0.1", 51900);
    private String a;
    private String b;
    private final List<AutoCloseable> open = new ArrayList<>();

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void ip(String ns, String args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args.split(" ")));
        run(cmd.toArray(String[]::new));
    }

    @BeforeEach
    void createNamespaces() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")), "needs iproute2");
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        a = "ptrp-a-" + id;
        run("ip", "netns", "add", a);
        b = "ptrp-b-" + id;
        run("ip", "netns", "add", b);
        for (String ns : List.of(a, b)) {
            ip(ns, "link set lo up");
            run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        }
        run("ip", "link", "add", "a-red", "netns", a, "type", "veth", "peer", "name", "b-red", "netns", b);
        run("ip", "link", "add", "a-blue", "netns", a, "type", "veth", "peer", "name", "b-blue", "netns", b);
        ip(a, "addr add 198.18.1.1/24 dev a-red");
        ip(b, "addr add 198.18.1.2/24 dev b-red");
        ip(a, "addr add 198.18.2.1/24 dev a-blue");
        ip(b, "addr add 198.18.2.2/24 dev b-blue");
        ip(a, "addr add 198.18.0.1/32 dev lo");
        ip(b, "addr add 198.19.0.1/32 dev lo");
        for (String l : List.of("a-red", "a-blue")) {
            ip(a, "link set " + l + " up");
        }
        for (String l : List.of("b-red", "b-blue")) {
            ip(b, "link set " + l + " up");
        }
        ip(a, "route add 198.19.0.1/32 via 198.18.1.2 table 10");
        ip(a, "route add 198.19.0.1/32 via 198.18.2.2 table 20");
        ip(b, "route add 198.18.0.1/32 via 198.18.1.1 table 10");
        ip(b, "route add 198.18.0.1/32 via 198.18.2.1 table 20");
        for (String ns : List.of(a, b)) {
            ip(ns, "rule add fwmark 0x10 table 10 priority 100");
            ip(ns, "rule add fwmark 0x20 table 20 priority 101");
        }
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        try {
            for (AutoCloseable c : open.reversed()) {
                c.close();
            }
        } finally {
            for (String ns : new String[] {a, b}) {
                if (ns != null) {
                    run("ip", "netns", "delete", ns);
                }
            }
        }
    }

    private long txPackets(String ns, String dev) throws IOException, InterruptedException {
        return Long.parseLong(run("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + dev + "/statistics/tx_packets").trim());
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    private static PathStatus status(Prober p, String id) {
        return p.report(id).map(PathReport::status).orElse(PathStatus.UNKNOWN);
    }

    @Test
    void fwmark_steersProbesAndRepliesOverTheirColour_downLinkTakesOnlyItsPath() throws Exception {
        ProbeReflector reflector = ProbeReflector.builder().listen(REFLECTOR).colourMarks(Map.of("red", 0x10, "blue", 0x20))
                .namespace(Path.of("/var/run/netns", b)).start();
        open.add(reflector);
        Prober prober = Prober.builder().namespace(Path.of("/var/run/netns", a)).build();
        open.add(prober);
        Duration interval = Duration.ofMillis(50);
        prober.setTargets(List.of(
                new ProbeTarget("red", "red", LOCAL, REFLECTOR, 0x10, interval, SLA),
                new ProbeTarget("blue", "blue", LOCAL, REFLECTOR, 0x20, interval, SLA),
                new ProbeTarget("unmarked", "red", LOCAL, REFLECTOR, 0, interval, SLA)));
        prober.start();

        await(() -> status(prober, "red") == PathStatus.UP && status(prober, "blue") == PathStatus.UP, Duration.ofSeconds(5),
                "red and blue UP: " + prober.reports());
        await(() -> status(prober, "unmarked") == PathStatus.DOWN, Duration.ofSeconds(5), "the unmarked path has no route");
        assertTrue(prober.stats().sendErrors() > 0, "ENETUNREACH for the unmarked probes");
        assertEquals(3, prober.stats().sockets());

        long redTx = txPackets(a, "a-red");
        long blueTx = txPackets(a, "a-blue");
        long redBackTx = txPackets(b, "b-red");
        long blueBackTx = txPackets(b, "b-blue");
        Thread.sleep(500);
        assertTrue(txPackets(a, "a-red") - redTx >= 8, "red probes leave over a-red");
        assertTrue(txPackets(a, "a-blue") - blueTx >= 8, "blue probes leave over a-blue");
        assertTrue(txPackets(b, "b-red") - redBackTx >= 8, "red replies come back over red");
        assertTrue(txPackets(b, "b-blue") - blueBackTx >= 8, "blue replies come back over blue");

        ip(a, "link set a-red down");
        await(() -> status(prober, "red") == PathStatus.DOWN, Duration.ofSeconds(2), "red DOWN after its link went down");
        Thread.sleep(500);
        assertEquals(PathStatus.UP, status(prober, "blue"));
        assertEquals(0, prober.report("blue").orElseThrow().consecutiveLost());

        ip(a, "link set a-red up");
        ip(a, "route replace 198.19.0.1/32 via 198.18.1.2 table 10"); // IPv4 flushed it with the link going down
        await(() -> status(prober, "red") == PathStatus.UP, Duration.ofSeconds(10), "red UP again");
    }
}
