package io.patronus.appliance.probe;

import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prober's loop thread stalls (as in a GC pause or on a starved CPU) for far longer than a probe's timeout while
 * replies arrive on a real loopback socket: they must count as received, with their true round trip, not as lost and
 * not with the stall as round-trip time. A past defect: the loop declared probes lost before reading the replies
 * already waiting, and took the moment it read a reply for its arrival.
 */
class ProberStallTest {
    private static final Duration INTERVAL = Duration.ofMillis(10);
    private static final long DELAY_MS = 30;
    private static final Duration STALL = Duration.ofSeconds(1);

    /** The system clock, except that the loop thread's next reading, once armed, first waits {@link #STALL}. */
    private static final class StallingClock implements ProbeClock {
        private volatile boolean armed;
        private final CountDownLatch stalled = new CountDownLatch(1);

        @Override
        public long nanos() {
            if (armed && Thread.currentThread().getName().equals("patronus-prober")) {
                armed = false;
                try {
                    Thread.sleep(STALL);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stalled.countDown();
            }
            return System.nanoTime();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public long realtimeOffset() {
            return ProbeClock.system().realtimeOffset();
        }
    }

    /**
     * Passes probes on to the reflector at once and its replies back {@link #DELAY_MS} later: a 30 ms path on
     * loopback, so that at 10 ms a few probes are always in flight when the loop thread stalls.
     */
    private static final class DelayingRelay implements AutoCloseable {
        private final DatagramChannel channel;
        private final InetSocketAddress reflector;
        private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        private final Thread reader;
        private volatile SocketAddress prober;

        DelayingRelay(InetSocketAddress reflector) throws IOException {
            this.reflector = reflector;
            this.channel = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            this.reader = Thread.ofPlatform().daemon().name("delaying-relay").start(this::relay);
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) channel.getLocalAddress();
        }

        private void relay() {
            ByteBuffer buf = ByteBuffer.allocate(ProbeSocket.RECEIVE_BUFFER);
            try {
                while (true) {
                    buf.clear();
                    SocketAddress from = channel.receive(buf);
                    buf.flip();
                    if (from.equals(reflector)) {
                        ByteBuffer reply = ByteBuffer.allocate(buf.remaining()).put(buf).flip();
                        SocketAddress to = prober;
                        later.schedule(() -> send(reply, to), DELAY_MS, TimeUnit.MILLISECONDS);
                    } else {
                        prober = from;
                        channel.send(buf, reflector);
                    }
                }
            } catch (ClosedChannelException e) {
                // closed by the test
            } catch (IOException e) {
                throw new IllegalStateException("relay failed", e);
            }
        }

        private void send(ByteBuffer reply, SocketAddress to) {
            try {
                channel.send(reply, to);
            } catch (IOException e) {
                // closed by the test
            }
        }

        @Override
        public void close() throws Exception {
            later.shutdownNow();
            channel.close();
            reader.join(2_000);
        }
    }

    @Test
    void loopStalledLongerThanTheTimeout_repliesWaitingCountAsReceivedWithTheirTrueRtt() throws Exception {
        StallingClock clock = new StallingClock();
        List<String> changes = new CopyOnWriteArrayList<>();
        try (ProbeReflector reflector = ProbeReflector.start(new InetSocketAddress("127.0.0.1", 0), java.util.Map.of());
             DelayingRelay relay = new DelayingRelay(reflector.localAddress());
             Prober prober = Prober.builder().clock(clock)
                     .listener((before, after) -> changes.add(before.status() + "->" + after.status())).build()) {
            prober.setTargets(List.of(new ProbeTarget("fiber:b", "fiber", new InetSocketAddress("127.0.0.1", 0),
                    relay.address(), 0, INTERVAL, new SlaClass("default", 150, 10, 30))));
            prober.start();
            awaitReport(prober, r -> r.status() == PathStatus.UP && r.received() >= 150, "UP with 150 replies");
            PathReport before = prober.report("fiber:b").orElseThrow();
            assertTrue(before.rttP99Ms() >= DELAY_MS && before.rttP99Ms() < 500, before.toString());
            long lateBefore = prober.stats().late();

            clock.armed = true;
            assertTrue(clock.stalled.await(5, TimeUnit.SECONDS), "the loop thread stalled");
            // The three probes in flight at the stall were answered during it; the 100 samples of the RTT window are
            // those of the last second at 10 ms, so they include the replies read after the stall: counted with the
            // stall, two of them would be the window's p99.
            Thread.sleep(200);

            PathReport after = prober.report("fiber:b").orElseThrow();
            assertEquals(List.of("UNKNOWN->UP"), changes, "no DOWN: none of the replies waiting counted as lost");
            assertEquals(PathStatus.UP, after.status());
            assertEquals(0.0, after.lossPct(), after.toString());
            assertEquals(lateBefore, prober.stats().late(), "no reply counted late");
            assertTrue(after.sent() - after.received() <= 10, "only the probes of the last few interval pending: " + after);
            assertTrue(after.rttP99Ms() < 500, "the true round trip of " + DELAY_MS + " ms, not the stall of "
                    + STALL.toMillis() + " ms: " + after);
        }
    }

    private static void awaitReport(Prober p, java.util.function.Predicate<PathReport> ok, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.report("fiber:b").filter(ok).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what + "; " + p.report("fiber:b"));
            }
            Thread.sleep(10);
        }
    }
}
