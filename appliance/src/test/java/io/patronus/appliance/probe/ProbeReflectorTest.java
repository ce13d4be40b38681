package io.patronus.appliance.probe;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The reflector on loopback, driven by a plain probe socket. */
class ProbeReflectorTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Sends {@code request} and returns the reply with its source port in [1], or length -1 when none came. */
    private static byte[] exchange(ProbeSocket client, ProbeReflector r, byte[] request, int[] sourcePort) {
        assertTrue(client.send(request, request.length, r.localAddress()));
        if (!client.awaitReadable(Duration.ofMillis(500))) {
            return new byte[0];
        }
        byte[] in = new byte[ProbeSocket.RECEIVE_BUFFER];
        byte[] from = new byte[SocketAddresses.MAX_SIZE];
        int n = client.receive(in, from);
        sourcePort[0] = SocketAddresses.decode(from, client.lastSourceLength()).getPort();
        return java.util.Arrays.copyOf(in, n);
    }

    @Test
    void request_answeredWithReflectorTimestamps() throws Exception {
        try (ProbeReflector r = ProbeReflector.start(LOOPBACK, Map.of());
             ProbeSocket client = ProbeSocket.open(LOOPBACK, 0)) {
            int[] port = new int[1];
            ProbePacket request = ProbePacket.request(77, 5, 123_456_789L, "fiber");
            ProbePacket reply = ProbePacket.decode(exchange(client, r, request.encode(), port));
            assertEquals(ProbePacket.Type.REPLY, reply.type());
            assertEquals(77, reply.session());
            assertEquals(5, reply.seq());
            assertEquals(123_456_789L, reply.t1());
            assertEquals("fiber", reply.colour());
            assertTrue(reply.t2() != 0 && reply.t3() >= reply.t2(), reply.toString());
            assertTrue(reply.t3() - reply.t2() < Duration.ofMillis(100).toNanos(), "dwell " + (reply.t3() - reply.t2()));
            assertEquals(r.localAddress().getPort(), port[0], "an unmapped colour is answered from the listening socket");
            // The reply can reach the client before the reflector's thread counts it: wait for the count.
            await(() -> r.stats().replied() == 1, "the reply counted");
            assertEquals(new ReflectorStats(1, 1, 0, 0, 0, 0), r.stats());
        }
    }

    @Test
    void garbageAndReplies_droppedAndCounted_neverAnswered() throws Exception {
        try (ProbeReflector r = ProbeReflector.start(LOOPBACK, Map.of());
             ProbeSocket client = ProbeSocket.open(LOOPBACK, 0)) {
            int[] port = new int[1];
            assertEquals(0, exchange(client, r, new byte[] {1, 2, 3}, port).length);
            byte[] reply = ProbePacket.request(1, 1, 1, "x").reply(2, 3).encode();
            assertEquals(0, exchange(client, r, reply, port).length, "a REPLY is never reflected");
            byte[] junk = new byte[64];
            new java.util.Random(3).nextBytes(junk);
            assertEquals(0, exchange(client, r, junk, port).length);
            await(() -> r.stats().malformed() == 3, "3 malformed");
            assertEquals(0, r.stats().replied());
            // and it still works
            assertEquals(64, exchange(client, r, ProbePacket.request(1, 1, 1, "x").encode(), port).length);
        }
    }

    @Test
    void overTheReplyRate_dropsAndCounts() throws Exception {
        try (ProbeReflector r = ProbeReflector.builder().listen(LOOPBACK).maxRepliesPerSecond(20).start();
             ProbeSocket client = ProbeSocket.open(LOOPBACK, 0)) {
            byte[] p = ProbePacket.request(1, 1, 1, "x").encode();
            for (int i = 0; i < 200; i++) {
                assertTrue(client.send(p, p.length, r.localAddress()));
            }
            await(() -> r.stats().replied() + r.stats().rateLimited() == 200, "200 answered or rate-limited");
            ReflectorStats s = r.stats();
            // a bucket of 2 (a tenth of a second's worth) plus what refilled during the burst
            assertTrue(s.replied() >= 2 && s.replied() < 30, s.toString());
            assertEquals(200, s.replied() + s.rateLimited());
        }
    }

    @Test
    void mappedColour_answeredFromAMarkedSocket() throws Exception {
        assumeTrue(ROOT, "SO_MARK needs CAP_NET_ADMIN");
        try (ProbeReflector r = ProbeReflector.start(LOOPBACK, Map.of("lte", 0x20, "fiber", 0));
             ProbeSocket client = ProbeSocket.open(LOOPBACK, 0)) {
            int[] port = new int[1];
            assertEquals(64, exchange(client, r, ProbePacket.request(1, 1, 1, "lte").encode(), port).length);
            int ltePort = port[0];
            assertNotEquals(r.localAddress().getPort(), ltePort, "lte replies come from its marked socket");
            assertEquals(64, exchange(client, r, ProbePacket.request(1, 2, 1, "lte").encode(), port).length);
            assertEquals(ltePort, port[0], "the marked socket is kept");
            assertEquals(64, exchange(client, r, ProbePacket.request(1, 3, 1, "fiber").encode(), port).length);
            assertEquals(r.localAddress().getPort(), port[0], "mark 0 means unmarked");
            r.colourMarks(Map.of());
            assertEquals(64, exchange(client, r, ProbePacket.request(1, 4, 1, "lte").encode(), port).length);
            assertEquals(r.localAddress().getPort(), port[0], "after the map changed");
        }
    }

    @Test
    void close_stopsAnsweringAndFreesThePort() throws Exception {
        ProbeReflector r = ProbeReflector.start(LOOPBACK, Map.of());
        InetSocketAddress at = r.localAddress();
        r.close();
        try (ProbeSocket client = ProbeSocket.open(LOOPBACK, 0)) {
            byte[] p = ProbePacket.request(1, 1, 1, "x").encode();
            client.send(p, p.length, at);
            assertFalse(client.awaitReadable(Duration.ofMillis(200)));
        }
        try (ProbeReflector again = ProbeReflector.start(at, Map.of())) {
            assertEquals(at, again.localAddress());
        }
    }
}
