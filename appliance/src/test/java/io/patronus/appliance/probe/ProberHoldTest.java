package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A held path (its tunnel's first handshake is left to the other end) sends nothing and so loses nothing: it stays
 * UNKNOWN, never DOWN, while the other paths probe as usual, and it comes up as soon as the hold ends. Real prober,
 * real reflector, loopback sockets.
 */
class ProberHoldTest {
    private static final SlaClass SLA = new SlaClass("default", 150, 10, 30);

    private static ProbeTarget target(String id, InetSocketAddress reflector) {
        return new ProbeTarget(id, "fiber", new InetSocketAddress(reflector.getAddress(), 0), reflector, 0,
                Duration.ofMillis(100), SLA);
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void heldPath_sendsNothing_staysUnknownWithoutLoss_andComesUpOnceReleased() throws Exception {
        AtomicBoolean holding = new AtomicBoolean(true);
        try (ProbeReflector reflector = ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), Map.of());
             Prober prober = Prober.builder().build()) {
            prober.hold(t -> holding.get() && t.pathId().equals("s1:s2:fiber"));
            prober.setTargets(List.of(target("s1:s2:fiber", reflector.localAddress()), target("s1:s3:fiber", reflector.localAddress())));
            prober.start();

            await(() -> prober.report("s1:s3:fiber").map(r -> r.status() == PathStatus.UP).orElse(false), Duration.ofSeconds(5),
                    "the path not held comes up");
            Thread.sleep(600); // six intervals: a probed path would have lost or answered six probes by now
            PathReport held = prober.report("s1:s2:fiber").orElseThrow();
            assertEquals(PathStatus.UNKNOWN, held.status(), held.toString());
            assertEquals(0, held.sent(), held.toString());
            assertEquals(0.0, held.lossPct(), held.toString());
            assertEquals(0, held.consecutiveLost(), held.toString());

            holding.set(false);
            await(() -> prober.report("s1:s2:fiber").map(r -> r.status() == PathStatus.UP).orElse(false), Duration.ofSeconds(2),
                    "the held path comes up once released");
            assertTrue(prober.report("s1:s2:fiber").orElseThrow().lossPct() == 0.0);
        }
    }

    @Test
    void failingHoldCheck_probesThePathRatherThanStoppingTheProber() throws Exception {
        try (ProbeReflector reflector = ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), Map.of());
             Prober prober = Prober.builder().build()) {
            prober.hold(t -> {
                throw new IllegalStateException("data plane closed");
            });
            prober.setTargets(List.of(target("s1:s2:fiber", reflector.localAddress())));
            prober.start();
            await(() -> prober.report("s1:s2:fiber").map(r -> r.status() == PathStatus.UP).orElse(false), Duration.ofSeconds(5),
                    "probed as if not held");
        }
    }
}
