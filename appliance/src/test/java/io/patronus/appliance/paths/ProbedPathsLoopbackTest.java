package io.patronus.appliance.paths;

import io.patronus.appliance.probe.PathReport;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.PathStatus;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The appliance's real prober wiring over loopback: a remote site whose LAN is 127.0.0.0/8 is probed at 127.0.0.1,
 * where this appliance's own reflector (on {@code lo}) answers. Proves that a change of the SLA class in effect
 * re-times the running paths without resetting them.
 */
@Timeout(60)
class ProbedPathsLoopbackTest {
    private static final String PATH = Path.id("hq", "loop", "fiber");

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Probes sent per second over {@code window}, from the path's own counters. */
    private static double probesPerSecond(ProbedPaths paths, Duration window) throws InterruptedException {
        long before = paths.report(PATH).orElseThrow().sent();
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        long sent = paths.report(PATH).orElseThrow().sent() - before;
        return sent / ((System.nanoTime() - t0) / 1e9);
    }

    @Test
    void slaClassChangedAtRunTime_pathProbedAtTheNewIntervalWithItsMeasurementsKept() throws Exception {
        Site loop = new Site("loop", "Loopback", "", Fixtures.randomKey(), Map.of("fiber", Endpoint.parse("127.0.0.1:51820")),
                List.of(IpPrefix.parse("127.0.0.0/8")), SiteStatus.ACTIVE, Instant.parse("2026-11-01T00:00:00Z"));
        SlaClass slow = new SlaClass("default", 150, 10, 30, OptionalInt.of(200), OptionalInt.empty());
        try (ProbedPaths paths = new ProbedPaths("hq", List.of(new Link("fiber", "lo", "fiber", 10, 1_000_000)),
                Map.of("fiber", 0), () -> List.of(loop), "lo", freeUdpPort(), Duration.ofMillis(100), 3, 10, slow).start()) {
            await(() -> paths.report(PATH).map(r -> r.status() == PathStatus.UP).orElse(false), Duration.ofSeconds(10),
                    "the loopback path UP");
            double atSlow = probesPerSecond(paths, Duration.ofSeconds(2));
            PathReport before = paths.report(PATH).orElseThrow();

            paths.sla(new SlaClass("default", 150, 10, 30, OptionalInt.of(50), OptionalInt.of(4)));
            double atFast = probesPerSecond(paths, Duration.ofSeconds(2));

            PathReport after = paths.report(PATH).orElseThrow();
            assertTrue(atSlow > 3 && atSlow < 7, "about 5 probes/s every 200 ms, was " + atSlow);
            assertTrue(atFast > 2.5 * atSlow, "about 20 probes/s every 50 ms, was " + atFast + " after " + atSlow);
            assertEquals(PathStatus.UP, after.status());
            assertEquals(before.since(), after.since(), "the same session: UP since the same moment");
            assertTrue(after.sent() > before.sent() && after.received() > before.received(), "counters carried on: " + after);
        }
    }
}
