package io.patronus.appliance.wg;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request/answer exchange on a wireguard-go UAPI socket ({@code NAME.sock}); a new connection per request, as
 * {@code wg(8)} does. Thread-safe. A wedged wireguard-go must not wedge the reconciler, so every exchange has a
 * deadline: unix-domain channels have no socket timeout, so a watchdog closes the channel when it passes.
 */
final class UapiClient {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_ANSWER = 16 << 20;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("uapi-watchdog").unstarted(r));

    private UapiClient() {
    }

    /** Sends {@code request} and returns the answer up to and including the terminating blank line. */
    static String exchange(Path socket, String request) {
        return exchange(socket, request, DEFAULT_TIMEOUT);
    }

    /** As {@link #exchange(Path, String)}, failing when the whole exchange takes longer than {@code timeout}. */
    static String exchange(Path socket, String request, Duration timeout) {
        if (!Files.exists(socket)) {
            throw new WireGuardException("UAPI socket " + socket + " does not exist (is wireguard-go running?)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing is all we can do
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                return talk(ch, socket, request);
            } catch (AsynchronousCloseException e) {
                throw new WireGuardException("UAPI exchange with " + socket + " timed out after " + timeout.toMillis()
                        + " ms (wireguard-go is not answering)", e);
            } finally {
                watchdog.cancel(false);
            }
        } catch (IOException e) {
            throw new WireGuardException("UAPI exchange with " + socket + " failed: " + e.getMessage(), e);
        }
    }

    private static String talk(SocketChannel ch, Path socket, String request) throws IOException {
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
            // The answer ends with errno=N and a blank line; a get answer has no blank line before that.
            if (answer.indexOf("\n\n") >= 0) {
                break;
            }
        }
        return answer.toString();
    }
}
