package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real prober and a real reflector over loopback sockets. */
class ProberLoopbackTest {
    private static final SlaClass SLA = new SlaClass("default", 150, 10, 30);
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private static long await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(5);
        }
        return System.nanoTime() - start;
    }

    private static ProbeTarget target(String id, String colour, InetSocketAddress reflector, SlaClass sla) {
        return new ProbeTarget(id, colour, new InetSocketAddress(reflector.getAddress(), 0), reflector, 0, INTERVAL, sla);
    }

    private static boolean all(Prober p, PathStatus status) {
        Map<String, PathReport> r = p.reports();
        return !r.isEmpty() && r.values().stream().allMatch(x -> x.status() == status);
    }

    @Test
    void twoPaths_upThenDownWhenReflectorStops_upAgainWhenItReturns() throws Exception {
        ProbeReflector reflector = ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), Map.of());
        InetSocketAddress at = reflector.localAddress();
        List<String> eventThreads = new CopyOnWriteArrayList<>();
        List<String> events = new CopyOnWriteArrayList<>();
        Prober prober = opened(Prober.builder().listener((before, after) -> {
            eventThreads.add(Thread.currentThread().getName());
            events.add(after.pathId() + " " + before.status() + "->" + after.status());
        }).build());
        prober.setTargets(List.of(target("fiber:b", "fiber", at, SLA), target("lte:b", "lte", at, SLA)));
        prober.start();

        await(() -> all(prober, PathStatus.UP), Duration.ofSeconds(5), "both paths UP");
        await(() -> prober.reports().values().stream().allMatch(r -> r.received() >= 20), Duration.ofSeconds(5), "20 replies each");
        for (PathReport r : prober.reports().values()) {
            assertTrue(r.rttMs() > 0 && r.rttMs() < 50, r.toString());
            assertTrue(r.rttP99Ms() >= r.rttP50Ms() && r.rttP50Ms() > 0, r.toString());
            assertEquals(0.0, r.lossPct(), r.toString());
            assertTrue(r.score() >= 90, r.toString());
            assertTrue(r.reason().startsWith("3 replies in a row"), r.reason());
        }
        assertEquals(1, prober.stats().sockets(), "both paths share the socket of (127.0.0.1, no mark)");

        reflector.close();
        long downAfter = await(() -> all(prober, PathStatus.DOWN), Duration.ofSeconds(2), "both paths DOWN within 2 s");
        System.out.printf("loopback: reflector closed -> both paths DOWN after %d ms%n", downAfter / 1_000_000);
        assertTrue(prober.report("fiber:b").orElseThrow().reason().contains("probes lost in a row"));

        reflector = ProbeReflector.start(at, Map.of());
        try {
            long upAfter = await(() -> all(prober, PathStatus.UP), Duration.ofSeconds(5), "both paths UP again");
            System.out.printf("loopback: reflector back -> both paths UP after %d ms%n", upAfter / 1_000_000);
            assertTrue(upAfter >= 900_000_000L, "recovery needs 10 good probes and the 1 s hold-down: " + upAfter);
            assertTrue(prober.report("lte:b").orElseThrow().reason().contains("good probes in a row"));
        } finally {
            reflector.close();
        }
        await(() -> events.size() >= 6, Duration.ofSeconds(2), "6 events");
        assertTrue(eventThreads.stream().allMatch("patronus-prober-events"::equals), eventThreads.toString());
        assertTrue(events.containsAll(List.of("fiber:b UNKNOWN->UP", "fiber:b UP->DOWN", "fiber:b DOWN->UP",
                "lte:b UNKNOWN->UP", "lte:b UP->DOWN", "lte:b DOWN->UP")), events.toString());
    }

    @Test
    void setTargets_unchangedPathKeepsItsState_removedPathDisappears() throws Exception {
        ProbeReflector reflector = opened(ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), Map.of()));
        InetSocketAddress at = reflector.localAddress();
        Prober prober = opened(Prober.builder().build().start());
        List<ProbeTarget> two = List.of(target("a", "fiber", at, SLA), target("b", "lte", at, SLA));
        prober.setTargets(two);
        await(() -> all(prober, PathStatus.UP) && prober.reports().size() == 2, Duration.ofSeconds(5), "UP");
        PathReport before = prober.report("a").orElseThrow();

        prober.setTargets(two);
        SlaClass tighter = new SlaClass("tight", 100, 1, 10);
        prober.setTargets(List.of(target("a", "fiber", at, tighter)));
        await(() -> prober.report("b").isEmpty() && prober.stats().paths() == 1, Duration.ofSeconds(2), "b removed");
        await(() -> prober.report("a").orElseThrow().sent() > before.sent() + 5, Duration.ofSeconds(2), "a keeps probing");
        PathReport after = prober.report("a").orElseThrow();
        assertEquals(PathStatus.UP, after.status());
        assertEquals(before.since(), after.since(), "same session, same status since");
        assertEquals(1, prober.stats().paths());

        // a changed endpoint starts afresh
        prober.setTargets(List.of(new ProbeTarget("a", "fiber", new InetSocketAddress("127.0.0.1", 0), at, 0, Duration.ofMillis(50), tighter),
                target("c", "other", at, SLA)));
        prober.setTargets(List.of(new ProbeTarget("a", "broadband", new InetSocketAddress("127.0.0.1", 0), at, 0, Duration.ofMillis(50), tighter)));
        await(() -> prober.report("a").orElseThrow().colour().equals("broadband"), Duration.ofSeconds(2), "a replaced");
        assertTrue(prober.report("c").isEmpty());
        PathReport fresh = prober.report("a").orElseThrow();
        assertEquals("broadband", fresh.colour());
        assertTrue(fresh.sent() < after.sent(), "new session: " + fresh);
    }

    /** Regression: a shorter interval used to wait in the queue until the old, later wake-up of the path. */
    @Test
    void setTargets_intervalShortenedFrom5sTo50ms_fasterProbingStartsAtOnceWithTheSameMeasurements() throws Exception {
        ProbeReflector reflector = opened(ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), Map.of()));
        InetSocketAddress at = reflector.localAddress();
        Prober prober = opened(Prober.builder().build().start());
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0);
        prober.setTargets(List.of(new ProbeTarget("a", "fiber", local, at, 0, Duration.ofSeconds(5), 3, SLA)));
        await(() -> prober.report("a").map(PathReport::received).orElse(0L) == 1, Duration.ofSeconds(10), "first reply");
        PathReport before = prober.report("a").orElseThrow();

        SlaClass voice = new SlaClass("voice", 150, 10, 30, java.util.OptionalInt.of(50), java.util.OptionalInt.of(4));
        prober.setTargets(List.of(new ProbeTarget("a", "fiber", local, at, 0, Duration.ofMillis(50), 4, voice)));
        long took = await(() -> prober.report("a").orElseThrow().received() >= before.received() + 5, Duration.ofSeconds(3),
                "5 more replies");

        assertTrue(took < 2_000_000_000L, "5 probes at 50 ms, not a wait for the old 5 s cadence: " + took / 1_000_000 + " ms");
        assertEquals(1, prober.stats().paths(), "the same session");
        assertTrue(prober.report("a").orElseThrow().sent() > before.sent(), "counters carried on, not restarted");
    }

    @Test
    void setTargets_duplicateIdsOrClosed_rejected() {
        Prober prober = opened(Prober.builder().build());
        InetSocketAddress r = new InetSocketAddress("127.0.0.1", 51900);
        ProbeTarget t = target("a", "fiber", r, SLA);
        ProbeException dup = assertThrows(ProbeException.class, () -> prober.setTargets(List.of(t, t)));
        assertTrue(dup.getMessage().contains("'a' appears more than once"), dup.getMessage());
        prober.close();
        assertThrows(ProbeException.class, () -> prober.setTargets(List.of(t)));
        assertThrows(ProbeException.class, prober::start);
    }

    @Test
    void setTargets_unbindableAddress_throwsAndChangesNothing() throws Exception {
        Prober prober = opened(Prober.builder().build());
        InetSocketAddress r = new InetSocketAddress("127.0.0.1", 51900);
        // TEST-NET-1 is not configured on this machine: bind fails with EADDRNOTAVAIL
        ProbeTarget bad = new ProbeTarget("x", "fiber", new InetSocketAddress("192.0.2.77", 0), r, 0, INTERVAL, SLA);
        ProbeException e = assertThrows(ProbeException.class,
                () -> prober.setTargets(List.of(target("ok", "lte", r, SLA), bad)));
        assertTrue(e.getMessage().contains("EADDRNOTAVAIL"), e.getMessage());
        assertEquals(0, prober.stats().sockets());
    }

    @Test
    void ipv6Path_upOverLoopback() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        ProbeReflector reflector;
        try {
            reflector = opened(ProbeReflector.start(v6, Map.of()));
        } catch (ProbeException e) {
            assumeTrue(false, "no IPv6 loopback: " + e.getMessage());
            return;
        }
        Prober prober = opened(Prober.builder().build().start());
        prober.setTargets(List.of(target("v6", "fiber", reflector.localAddress(), SLA)));
        await(() -> all(prober, PathStatus.UP), Duration.ofSeconds(5), "IPv6 path UP");
        assertTrue(prober.report("v6").orElseThrow().rttMs() > 0);
    }

    @Test
    void probeTarget_intervalBelow10ms_rejected() {
        InetSocketAddress r = new InetSocketAddress("127.0.0.1", 51900);
        ProbeException e = assertThrows(ProbeException.class, () -> new ProbeTarget("a", "fiber",
                new InetSocketAddress("127.0.0.1", 0), r, 0, Duration.ofMillis(9), SLA));
        assertTrue(e.getMessage().contains("between 10 ms and 1 hour"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
