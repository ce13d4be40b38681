package io.patronus.appliance.probe;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers probe requests: every appliance runs one so that its peers can measure the paths to it.
 *
 * <p>A request is answered in place: type set to REPLY, {@code t2} stamped right after the datagram was read and
 * {@code t3} just before the reply is sent (the reflector's own monotonic clock; only {@code t3 - t2} matters to the
 * sender). The reply goes back to the request's source address through a socket marked with the fwmark of the
 * request's colour, looked up in the colour map, so that it returns over the same colour's tunnel; a colour that is
 * not in the map (or maps to 0) is answered from the listening socket, unmarked. Marked sockets are bound to the
 * listening IP address with an ephemeral port, opened on first use and kept per mark.
 *
 * <p>Bounded: at most {@code maxRepliesPerSecond} replies per second (a token bucket holding a tenth of a second's
 * worth), beyond which requests are dropped and counted; at most 1,024 datagrams are handled per wake-up. Anything
 * that is not a valid request (malformed, or a REPLY) is dropped and counted, never answered, so that two
 * reflectors cannot be made to bounce packets at each other. A reply is exactly as large as its request: no
 * amplification.
 *
 * <p>One platform thread per reflector; {@link #close()} stops it within about 100 ms and closes the sockets.
 * Thread-safety: all public methods may be called from any thread.
 */
public final class ProbeReflector implements AutoCloseable {
    /** The port reflectors listen on unless configured otherwise. */
    public static final int DEFAULT_PORT = 51900;
    public static final int DEFAULT_MAX_REPLIES_PER_SECOND = 50_000;
    private static final System.Logger LOG = System.getLogger(ProbeReflector.class.getName());
    private static final int BATCH = 1024;
    private static final Duration WAKE = Duration.ofMillis(100);
    private static final long COLOUR_SOCKET_RETRY_NANOS = Duration.ofSeconds(10).toNanos();

    private final ProbeSocket listen;
    private final int maxRepliesPerSecond;
    private final Optional<Path> namespace;
    private final Thread thread;
    private volatile Map<String, Integer> colourMarks;
    private volatile boolean closed;

    // Written only by the reflector thread.
    private final Map<Integer, ProbeSocket> markSockets = new HashMap<>();
    private final Map<Integer, Long> markFailures = new HashMap<>();
    private volatile long received;
    private volatile long replied;
    private volatile long malformed;
    private volatile long rateLimited;
    private volatile long colourSocketFailures;
    private volatile long sendErrors;

    private ProbeReflector(Builder b) {
        this.maxRepliesPerSecond = b.maxRepliesPerSecond;
        this.namespace = b.namespace;
        this.colourMarks = Map.copyOf(b.colourMarks);
        this.listen = ProbeSocket.open(b.listen, 0, b.namespace);
        this.thread = Thread.ofPlatform().daemon().name("patronus-probe-reflector-" + ProbeSocket.format(listen.localAddress()))
                .unstarted(this::run);
    }

    /** A builder; {@link Builder#start()} binds the socket and starts the thread. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a reflector on {@code listen} with the default reply rate. */
    public static ProbeReflector start(InetSocketAddress listen, Map<String, Integer> colourMarks) {
        return builder().listen(listen).colourMarks(colourMarks).start();
    }

    /** Configures and starts a {@link ProbeReflector}. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress(DEFAULT_PORT);
        private Map<String, Integer> colourMarks = Map.of();
        private int maxRepliesPerSecond = DEFAULT_MAX_REPLIES_PER_SECOND;
        private Optional<Path> namespace = Optional.empty();

        private Builder() {
        }

        /** Where to listen; default the wildcard IPv4 address, port {@value #DEFAULT_PORT}. */
        public Builder listen(InetSocketAddress listen) {
            this.listen = Objects.requireNonNull(listen, "listen");
            return this;
        }

        /** The fwmark per local colour that replies are sent with. */
        public Builder colourMarks(Map<String, Integer> colourMarks) {
            this.colourMarks = Map.copyOf(colourMarks);
            return this;
        }

        /** The most replies per second, 1 to 1,000,000; requests beyond it are dropped and counted. */
        public Builder maxRepliesPerSecond(int maxRepliesPerSecond) {
            if (maxRepliesPerSecond < 1 || maxRepliesPerSecond > 1_000_000) {
                throw new ProbeException("maxRepliesPerSecond must be between 1 and 1000000, was " + maxRepliesPerSecond);
            }
            this.maxRepliesPerSecond = maxRepliesPerSecond;
            return this;
        }

        /** Opens the sockets in the network namespace of this file (e.g. {@code /var/run/netns/edge1}). */
        public Builder namespace(Path namespaceFile) {
            this.namespace = Optional.of(namespaceFile);
            return this;
        }

        public ProbeReflector start() {
            ProbeReflector r = new ProbeReflector(this);
            r.thread.start();
            return r;
        }
    }

    /** The address the reflector listens on (with the kernel-chosen port when asked for port 0). */
    public InetSocketAddress localAddress() {
        return listen.localAddress();
    }

    /** The colour-to-fwmark map replies are marked with. */
    public Map<String, Integer> colourMarks() {
        return colourMarks;
    }

    /** Replaces the colour-to-fwmark map; takes effect for the next request. */
    public void colourMarks(Map<String, Integer> colourMarks) {
        this.colourMarks = Map.copyOf(colourMarks);
    }

    public ReflectorStats stats() {
        return new ReflectorStats(received, replied, malformed, rateLimited, colourSocketFailures, sendErrors);
    }

    private void run() {
        byte[] buf = new byte[ProbeSocket.RECEIVE_BUFFER];
        byte[] from = new byte[SocketAddresses.MAX_SIZE];
        double tokens = Math.max(1, maxRepliesPerSecond / 10.0);
        double capacity = tokens;
        long refilledAt = System.nanoTime();
        Map<String, Integer> applied = colourMarks;
        try {
            while (!closed) {
                if (applied != colourMarks) {
                    applied = colourMarks;
                    closeUnusedMarkSockets(applied);
                }
                if (!listen.awaitReadable(WAKE)) {
                    continue;
                }
                for (int i = 0; i < BATCH && !closed; i++) {
                    int n = listen.receive(buf, from);
                    if (n < 0) {
                        break;
                    }
                    long t2 = System.nanoTime();
                    received++;
                    if (!ProbePacket.problem(buf, 0, n).isEmpty() || ProbePacket.type(buf, 0) != ProbePacket.Type.REQUEST.wire()) {
                        malformed++;
                        continue;
                    }
                    tokens = Math.min(capacity, tokens + (t2 - refilledAt) * 1e-9 * maxRepliesPerSecond);
                    refilledAt = t2;
                    if (tokens < 1) {
                        rateLimited++;
                        continue;
                    }
                    tokens -= 1;
                    Optional<ProbeSocket> out = socketFor(ProbePacket.colourAt(buf, 0), t2);
                    if (out.isEmpty()) {
                        colourSocketFailures++;
                        continue;
                    }
                    ProbePacket.toReply(buf, 0, t2);
                    ProbePacket.stampReceived(buf, 0, count(from, listen.lastSourceLength(), ProbePacket.session(buf, 0)));
                    ProbePacket.stampT3(buf, 0, System.nanoTime());
                    if (out.get().send(buf, ProbePacket.SIZE, from, listen.lastSourceLength())) {
                        replied++;
                    } else {
                        sendErrors++;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "probe reflector on " + ProbeSocket.format(listen.localAddress()) + " stopped: " + e, e);
        } finally {
            markSockets.values().forEach(ProbeSocket::close);
            markSockets.clear();
            listen.close();
        }
    }

    /**
     * Counts requests per (sender address, session) so that replies can tell the sender how many of its requests
     * arrived: forward loss. Bounded: beyond {@value #MAX_COUNTED} senders the table starts afresh (senders see their
     * count drop and re-baseline).
     */
    private long count(byte[] from, int fromLength, int session) {
        // Hashed in place: this runs for every request, so no copy of the address.
        int h = 1;
        for (int i = 0, n = Math.max(0, Math.min(fromLength, from.length)); i < n; i++) {
            h = 31 * h + from[i];
        }
        long key = ((long) h << 32) ^ Integer.toUnsignedLong(session);
        if (counts.size() >= MAX_COUNTED && !counts.containsKey(key)) {
            counts.clear();
        }
        long[] c = counts.computeIfAbsent(key, k -> new long[1]);
        c[0] = (c[0] + 1) & 0xffffffffL;
        return c[0] == 0 ? 1 : c[0];
    }

    private static final int MAX_COUNTED = 100_000;
    private final java.util.HashMap<Long, long[]> counts = new java.util.HashMap<>();

    private void closeUnusedMarkSockets(Map<String, Integer> marks) {
        markSockets.entrySet().removeIf(e -> {
            boolean unused = !marks.containsValue(e.getKey());
            if (unused) {
                e.getValue().close();
            }
            return unused;
        });
        markFailures.clear();
    }

    /** The socket to answer {@code colour} from: the listening one when unmarked, empty when its socket cannot be opened. */
    private Optional<ProbeSocket> socketFor(String colour, long now) {
        Integer mark = colourMarks.get(colour);
        if (mark == null || mark == 0) {
            return Optional.of(listen);
        }
        ProbeSocket s = markSockets.get(mark);
        if (s != null) {
            return Optional.of(s);
        }
        Long failedAt = markFailures.get(mark);
        if (failedAt != null && now - failedAt < COLOUR_SOCKET_RETRY_NANOS) {
            return Optional.empty();
        }
        try {
            s = ProbeSocket.open(new InetSocketAddress(listen.localAddress().getAddress(), 0), mark, namespace);
            markSockets.put(mark, s);
            markFailures.remove(mark);
            return Optional.of(s);
        } catch (ProbeException e) {
            // Dropping is the honest choice: an unmarked reply could return over another colour and measure the wrong path.
            markFailures.put(mark, now);
            LOG.log(Level.WARNING, "probe reflector: cannot open a reply socket for colour " + colour + ": " + e.getMessage()
                    + "; requests of that colour are dropped (retrying in 10 s)");
            return Optional.empty();
        }
    }

    /** Stops the thread (within about 100 ms) and closes the sockets; idempotent. */
    @Override
    public void close() {
        closed = true;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "probe reflector " + ProbeSocket.format(listen.localAddress());
    }
}
