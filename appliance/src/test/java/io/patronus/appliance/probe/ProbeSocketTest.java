package io.patronus.appliance.probe;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Probe sockets on loopback: IPv4 and IPv6, SO_MARK, oversized datagrams, errors. */
class ProbeSocketTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @Test
    void sendAndReceive_ipv4Loopback() {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0);
             ProbeSocket b = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            assertNotEquals(0, a.localAddress().getPort());
            byte[] p = ProbePacket.request(1, 2, 3, "fiber").encode();
            assertEquals(-1, b.receive(new byte[64]), "nothing waiting: non-blocking");
            assertTrue(a.send(p, p.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            byte[] in = new byte[ProbeSocket.RECEIVE_BUFFER];
            byte[] from = new byte[SocketAddresses.MAX_SIZE];
            assertEquals(64, b.receive(in, from));
            assertEquals(ProbePacket.request(1, 2, 3, "fiber"), ProbePacket.decode(in, 0, 64));
            assertEquals(a.localAddress(), SocketAddresses.decode(from, b.lastSourceLength()));
        }
    }

    @Test
    void sendAndReceive_ipv6Loopback() throws Exception {
        InetSocketAddress any6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        ProbeSocket a;
        try {
            a = ProbeSocket.open(any6, 0);
        } catch (ProbeException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e.getMessage());
            return;
        }
        try (a; ProbeSocket b = ProbeSocket.open(any6, 0)) {
            byte[] p = ProbePacket.request(1, 2, 3, "lte").encode();
            assertTrue(a.send(p, p.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            byte[] in = new byte[100];
            assertEquals(64, b.receive(in));
            assertArrayEquals(p, java.util.Arrays.copyOf(in, 64));
        }
    }

    @Test
    void dualStackIpv6Socket_sendsToIpv4() throws Exception {
        ProbeSocket a;
        try {
            a = ProbeSocket.open(new InetSocketAddress(InetAddress.getByName("::"), 0), 0);
        } catch (ProbeException e) {
            assumeTrue(false, "no IPv6 here: " + e.getMessage());
            return;
        }
        try (a; ProbeSocket b = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            byte[] p = ProbePacket.request(1, 2, 3, "lte").encode();
            assertTrue(a.send(p, p.length, b.localAddress()), "errno " + a.lastSendErrno());
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            assertEquals(64, b.receive(new byte[64]));
        }
    }

    @Test
    void fwmark_setOnTheSocket() {
        assumeTrue(ROOT, "SO_MARK needs CAP_NET_ADMIN");
        try (ProbeSocket s = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0x1234);
             ProbeSocket plain = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            assertEquals(0x1234, s.kernelMark());
            assertEquals(0x1234, s.fwmark());
            assertEquals(0, plain.kernelMark());
        }
    }

    @Test
    void receive_oversizedDatagram_reportsItsRealLength() {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0);
             ProbeSocket b = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            byte[] big = new byte[ProbeSocket.RECEIVE_BUFFER];
            assertTrue(a.send(big, big.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            byte[] small = new byte[64];
            assertEquals(ProbeSocket.RECEIVE_BUFFER, b.receive(small));
        }
    }

    private static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Test
    void receive_withKernelTimestamps_arrivalTimeNotReadTime() throws Exception {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0);
             ProbeSocket b = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            assertTrue(b.enableReceiveTimestamps());
            awaitStampingOnArrival(a, b);
            byte[] p = ProbePacket.request(1, 2, 3, "fiber").encode();
            long sentAt = wallNanos();
            assertTrue(a.send(p, p.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            Thread.sleep(300); // the datagram waits in the socket, as behind a stalled reader
            long readAt = wallNanos();
            byte[] in = new byte[ProbeSocket.RECEIVE_BUFFER];
            assertEquals(64, b.receive(in));
            long arrived = b.lastReceiveRealtimeNanos();
            assertTrue(arrived - sentAt >= -1_000_000 && arrived - sentAt < 100_000_000,
                    "arrived " + (arrived - sentAt) / 1000 + " us after it was sent");
            assertTrue(readAt - arrived >= 290_000_000, "read " + (readAt - arrived) / 1000 + " us after it arrived");
            assertEquals(ProbePacket.request(1, 2, 3, "fiber"), ProbePacket.decode(in, 0, 64));

            // With the sender's address (the reflector's way of receiving), and an oversized datagram's real length.
            byte[] big = new byte[ProbeSocket.RECEIVE_BUFFER];
            assertTrue(a.send(big, big.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            byte[] from = new byte[SocketAddresses.MAX_SIZE];
            assertEquals(ProbeSocket.RECEIVE_BUFFER, b.receive(new byte[64], from));
            assertEquals(a.localAddress(), SocketAddresses.decode(from, b.lastSourceLength()));
            assertTrue(b.lastReceiveRealtimeNanos() - arrived >= 290_000_000);
            assertEquals(-1, b.receive(in), "nothing waiting: non-blocking");
        }
    }

    /**
     * Waits until the kernel stamps datagrams as they arrive. The first {@code SO_TIMESTAMPNS} on a machine where no
     * socket asked for timestamps before turns stamping on asynchronously (the kernel defers the switch to a work
     * queue), and a datagram that arrives before that is stamped only when it is read. A CI run met exactly that.
     */
    private static void awaitStampingOnArrival(ProbeSocket a, ProbeSocket b) throws Exception {
        byte[] warmUp = ProbePacket.request(9, 9, 9, "fiber").encode();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            assertTrue(a.send(warmUp, warmUp.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            Thread.sleep(30);
            long readAt = wallNanos();
            assertEquals(64, b.receive(new byte[ProbeSocket.RECEIVE_BUFFER]));
            if (readAt - b.lastReceiveRealtimeNanos() >= 20_000_000) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the kernel still stamps datagrams when they are read, not when they arrive, 5 s"
                        + " after SO_TIMESTAMPNS");
            }
        }
    }

    @Test
    void receive_withoutKernelTimestamps_noArrivalTime() {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0);
             ProbeSocket b = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            byte[] p = ProbePacket.request(1, 2, 3, "fiber").encode();
            assertTrue(a.send(p, p.length, b.localAddress()));
            assertTrue(b.awaitReadable(Duration.ofSeconds(2)));
            assertEquals(64, b.receive(new byte[64]));
            assertEquals(ProbeSocket.NO_TIMESTAMP, b.lastReceiveRealtimeNanos());
        }
    }

    @Test
    void open_addressInUse_namesTheSocketAndErrno() {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            ProbeException e = assertThrows(ProbeException.class, () -> ProbeSocket.open(a.localAddress(), 0));
            assertTrue(e.getMessage().startsWith("bind on probe socket 127.0.0.1:" + a.localAddress().getPort() + " failed: EADDRINUSE"),
                    e.getMessage());
            assertEquals(98, e.errno());
        }
    }

    @Test
    void send_afterClose_failsWithoutTouchingTheDescriptor() {
        ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0);
        a.close();
        a.close();
        assertFalse(a.send(new byte[64], 64, new InetSocketAddress("127.0.0.1", 9)));
        assertEquals(-1, a.receive(new byte[64]));
    }

    @Test
    void send_ipv6DestinationFromIpv4Socket_rejected() throws Exception {
        try (ProbeSocket a = ProbeSocket.open(new InetSocketAddress("127.0.0.1", 0), 0)) {
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 9);
            assertThrows(ProbeException.class, () -> a.send(new byte[64], 64, v6));
        }
    }
}
