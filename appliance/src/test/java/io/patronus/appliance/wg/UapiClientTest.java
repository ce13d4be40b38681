package io.patronus.appliance.wg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UAPI exchange against a fake wireguard-go on a real unix socket. */
class UapiClientTest {
    @Test
    void exchange_returnsTheAnswerUpToTheBlankLine(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("wg0.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = Thread.ofVirtual().start(() -> {
                try (SocketChannel c = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(1024);
                    StringBuilder req = new StringBuilder();
                    while (req.indexOf("\n\n") < 0 && c.read(in.clear()) > 0) {
                        req.append(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                    }
                    // written in two pieces, as a large get answer arrives
                    c.write(ByteBuffer.wrap("listen_port=51820\n".getBytes(StandardCharsets.US_ASCII)));
                    c.write(ByteBuffer.wrap("errno=0\n\n".getBytes(StandardCharsets.US_ASCII)));
                } catch (Exception ignored) {
                    // the test fails on the client side
                }
            });
            String answer = UapiClient.exchange(sock, "get=1\n\n");
            t.join();
            assertEquals(0, UapiCodec.errno(answer));
            assertEquals(51820, UapiCodec.parseGet("wg0", answer).listenPort());
        }
    }

    @Test
    void exchange_withASilentServer_timesOutNamingTheSocket(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("wg0.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            long start = System.nanoTime();
            WireGuardException e = assertThrows(WireGuardException.class,
                    () -> UapiClient.exchange(sock, "get=1\n\n", Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("wg0.sock"), e.getMessage());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void exchange_withoutSocket_saysWireGuardGoIsNotRunning(@TempDir Path dir) {
        WireGuardException e = assertThrows(WireGuardException.class, () -> UapiClient.exchange(dir.resolve("x.sock"), "get=1\n\n"));
        assertTrue(e.getMessage().contains("is wireguard-go running"), e.getMessage());
    }
}
