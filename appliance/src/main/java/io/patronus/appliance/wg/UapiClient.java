package io.patronus.appliance.wg;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One request/answer exchange on a wireguard-go UAPI socket ({@code NAME.sock}); a new connection per request. */
final class UapiClient {
    private static final int MAX_ANSWER = 16 << 20;

    private UapiClient() {
    }

    /** Sends {@code request} and returns the answer up to and including the terminating blank line. */
    static String exchange(Path socket, String request) {
        if (!Files.exists(socket)) {
            throw new WireGuardException("UAPI socket " + socket + " does not exist (is wireguard-go running?)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            StringBuilder answer = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (true) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                answer.append(new String(in.array(), 0, n, StandardCharsets.US_ASCII));
                if (answer.length() > MAX_ANSWER) {
                    throw new WireGuardException("UAPI answer from " + socket + " exceeds " + MAX_ANSWER + " bytes");
                }
                if (answer.indexOf("\n\n") >= 0) {
                    break;
                }
            }
            return answer.toString();
        } catch (IOException e) {
            throw new WireGuardException("UAPI exchange with " + socket + " failed: " + e.getMessage(), e);
        }
    }
}
