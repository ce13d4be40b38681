package io.patronus.appliance.probe;

import jnr.ffi.Pointer;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Probes every path (local colour x remote site) through its tunnel and keeps its status, measurements and health
 * score current: the engine behind path health and failover.
 *
 * <h2>Design</h2>
 * One platform thread runs all paths. Each path is a {@link PathSession} in a priority queue ordered by when it next
 * needs attention (a probe due, a probe timing out, a reply becoming overdue); the thread sleeps in {@code poll(2)} on
 * all probe sockets until the earliest of those (at most 10 ms, so configuration changes and {@link #close()} are seen
 * promptly), notes the time, reads every reply waiting in every socket, then serves the paths that were due at the
 * time noted. There is one socket per (local address, fwmark) pair, shared by all paths of that colour; replies are
 * matched to paths by the session id the prober chose for each path, then to probes by sequence number and echoed
 * send time, so a stray or forged datagram changes nothing. Send times and receive times come from the same monotonic
 * clock.
 *
 * <h2>Stalls of our own</h2>
 * The loop thread can stop for longer than a probe's timeout (a GC pause, a starved CPU) while replies keep arriving.
 * Such a reply must not count as lost, nor its wait in the socket as round-trip time. So the time that decides which
 * probes have timed out is taken before the sockets are read, and every reply that had arrived by then is read first;
 * and the kernel stamps each reply as it arrives ({@code SO_TIMESTAMPNS}), so that the arrival time, not the moment
 * it was read, is its receive time (t4): a reply read late is on time with its true round trip if it arrived in time,
 * and late if it arrived after its probe's timeout (the probes that had timed out by its arrival are declared lost
 * first, see {@link PathSession#reply}). Without kernel timestamps (or with a clock that cannot place them, as in
 * tests) the moment of reading stands for the arrival.
 *
 * <p>Status changes go to the {@link PathReportListener} through a bounded queue (10,000 events) drained by a thread
 * of its own, so a slow listener never delays a probe; if the queue is full the event is dropped and counted
 * ({@link ProberStats#listenerDrops()}), but {@link #reports()} is always current.
 *
 * <h2>Bounds</h2>
 * Probing happens only between {@link #start()} and {@link #close()}. Every path's interval is at least 10 ms; extra
 * probes while a reply is overdue go at most every quarter interval and only while the path is UP or DEGRADED; all
 * paths together send at most {@link ProbeSettings#maxProbesPerSecond()} (a token bucket; a probe over the limit is
 * postponed by 1 ms and counted). At most 4,096 replies are read per socket per wake-up, all of them before any
 * probe is declared lost (see "Stalls of our own").
 *
 * <h2>Configuration</h2>
 * {@link #setTargets(List)} replaces the set of paths declaratively: calling it again with the same list changes
 * nothing, a path whose endpoint (colour, local address, reflector, fwmark) is unchanged keeps its measurements and
 * status (a new interval, detect multiplier or SLA applies from its next probe; a shorter interval brings that probe
 * forward), a path whose endpoint changed starts afresh as UNKNOWN, and a path no longer listed disappears from the
 * reports. Sockets are opened by {@code setTargets} itself, so a bind
 * or SO_MARK failure is thrown to the caller with nothing changed; sockets no longer needed are closed by the loop.
 * Settings, clock, listener and namespace are fixed when the prober is built. {@link #hold} can hold paths back.
 *
 * <p>Thread-safety: all public methods may be called from any thread.
 */
public final class Prober implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Prober.class.getName());
    private static final int EVENT_QUEUE = 10_000;
    private static final int MAX_POLL_MILLIS = 10;
    private static final int READ_BATCH = 4096;
    /**
     * A kernel arrival time more than this before the reply was read, or after it, is not believed: the wall clock
     * (which kernel timestamps follow) was stepped in between, and the moment of reading stands for the arrival.
     */
    private static final long MAX_QUEUED_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long HOLD_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ProbeSettings settings;
    private final ProbeClock clock;
    private final Optional<PathReportListener> listener;
    private final Optional<Path> namespace;

    private final Object configLock = new Object();
    private final Map<SocketKey, ProbeSocket> sockets = new HashMap<>();
    private Set<SocketKey> neededKeys = Set.of();
    private final ConcurrentLinkedQueue<Reconfigure> commands = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, PathReport> reports = new ConcurrentHashMap<>();
    private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(EVENT_QUEUE);
    private final Thread loopThread;
    private final Thread eventThread;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile Predicate<ProbeTarget> hold = t -> false;

    // Owned by the loop thread.
    private final Map<String, PathSession> sessions = new HashMap<>();
    private final Map<Integer, PathSession> bySession = new HashMap<>();
    private final PriorityQueue<PathSession> queue = new PriorityQueue<>();
    private List<ProbeSocket> pollList = List.of();
    private Pointer pollFds = ProbeSocket.allocatePollFds(16);
    private boolean[] readable = new boolean[16];
    private final SplittableRandom random = new SplittableRandom();
    private int nextSessionId = random.nextInt();
    private double tokens;
    private long refilledAt;

    // Written by the loop thread only; read by stats().
    private volatile long sent;
    private volatile long received;
    private volatile long late;
    private volatile long unknownReplies;
    private volatile long malformed;
    private volatile long sendErrors;
    private volatile long postponed;
    private volatile long listenerDrops;
    private volatile int pathCount;
    private volatile long maxLagNanos;

    private record SocketKey(InetSocketAddress local, int fwmark) {
        static SocketKey of(ProbeTarget t) {
            return new SocketKey(t.local(), t.fwmark());
        }
    }

    private record Reconfigure(List<ProbeTarget> targets, Map<SocketKey, ProbeSocket> sockets) {
    }

    private record Event(PathReport before, PathReport after) {
    }

    private Prober(Builder b) {
        this.settings = b.settings;
        this.clock = b.clock;
        this.listener = b.listener;
        this.namespace = b.namespace;
        this.tokens = Math.max(1, settings.maxProbesPerSecond() / 10.0);
        this.loopThread = Thread.ofPlatform().daemon().name("patronus-prober").unstarted(this::loop);
        this.eventThread = Thread.ofPlatform().daemon().name("patronus-prober-events").unstarted(this::deliverEvents);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link Prober}; everything here is fixed once built. */
    public static final class Builder {
        private ProbeSettings settings = ProbeSettings.defaults();
        private ProbeClock clock = ProbeClock.system();
        private Optional<PathReportListener> listener = Optional.empty();
        private Optional<Path> namespace = Optional.empty();

        private Builder() {
        }

        public Builder settings(ProbeSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public Builder clock(ProbeClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Told about every status change, on the prober's event thread. */
        public Builder listener(PathReportListener listener) {
            this.listener = Optional.of(listener);
            return this;
        }

        /** Opens the probe sockets in the network namespace of this file (e.g. {@code /var/run/netns/edge1}). */
        public Builder namespace(Path namespaceFile) {
            this.namespace = Optional.of(namespaceFile);
            return this;
        }

        public Prober build() {
            return new Prober(this);
        }
    }

    /** Starts probing (idempotent). Targets set before are applied first. */
    public Prober start() {
        synchronized (configLock) {
            if (closed) {
                throw new ProbeException("prober is closed; build a new one");
            }
            if (!started) {
                started = true;
                refilledAt = clock.nanos();
                eventThread.start();
                loopThread.start();
            }
        }
        return this;
    }

    /**
     * Replaces the paths to probe (see the class comment). Path ids must be unique. Throws {@link ProbeException},
     * changing nothing, when a socket cannot be opened.
     */
    public void setTargets(List<ProbeTarget> targets) {
        List<ProbeTarget> copy = List.copyOf(targets);
        Set<String> ids = new HashSet<>();
        for (ProbeTarget t : copy) {
            if (!ids.add(t.pathId())) {
                throw new ProbeException("probe targets: path id '" + t.pathId() + "' appears more than once");
            }
        }
        synchronized (configLock) {
            if (closed) {
                throw new ProbeException("prober is closed; cannot set targets");
            }
            Set<SocketKey> needed = new LinkedHashSet<>();
            copy.forEach(t -> needed.add(SocketKey.of(t)));
            List<SocketKey> opened = new ArrayList<>();
            try {
                for (SocketKey k : needed) {
                    if (!sockets.containsKey(k)) {
                        ProbeSocket socket = ProbeSocket.open(k.local(), k.fwmark(), namespace);
                        sockets.put(k, socket);
                        opened.add(k);
                        if (!socket.enableReceiveTimestamps()) {
                            LOG.log(Level.WARNING, socket + ": the kernel refused receive timestamps (SO_TIMESTAMPNS); "
                                    + "replies read after a stall of the prober will count their wait as round-trip time");
                        }
                    }
                }
            } catch (ProbeException e) {
                opened.forEach(k -> sockets.remove(k).close());
                throw new ProbeException("setting probe targets failed, nothing changed: " + e.getMessage(), e);
            }
            neededKeys = Set.copyOf(needed);
            Map<SocketKey, ProbeSocket> snapshot = new HashMap<>();
            needed.forEach(k -> snapshot.put(k, sockets.get(k)));
            commands.add(new Reconfigure(copy, snapshot));
        }
    }

    /**
     * Sends no probe on a path while {@code hold} is true for its target: asked on the loop thread whenever the path
     * has something to do and every 50 ms while it holds, so it must be cheap and never block. A held path keeps its
     * status (UNKNOWN before its first probe) and counts nothing as sent or lost; it probes as soon as the hold ends.
     * For new tunnels that have not completed their first handshake: a probe would make WireGuard initiate one (or
     * wait inside WireGuard for it, and count the wait as round-trip time).
     */
    public void hold(Predicate<ProbeTarget> hold) {
        this.hold = Objects.requireNonNull(hold, "hold");
    }

    /** The latest report of every path (an immutable snapshot). */
    public Map<String, PathReport> reports() {
        return Map.copyOf(reports);
    }

    public Optional<PathReport> report(String pathId) {
        return Optional.ofNullable(reports.get(pathId));
    }

    public ProberStats stats() {
        int socketCount;
        synchronized (configLock) {
            socketCount = sockets.size();
        }
        return new ProberStats(sent, received, late, unknownReplies, malformed, sendErrors, postponed, listenerDrops,
                pathCount, socketCount, maxLagNanos / 1000);
    }

    /** The local addresses of the probe sockets (with their kernel-chosen ports). */
    public List<InetSocketAddress> socketAddresses() {
        synchronized (configLock) {
            return sockets.values().stream().map(ProbeSocket::localAddress).toList();
        }
    }

    /** Stops probing and closes the sockets (idempotent); reports stay readable. */
    @Override
    public void close() {
        synchronized (configLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        join(loopThread);
        join(eventThread);
        synchronized (configLock) {
            sockets.values().forEach(ProbeSocket::close);
            sockets.clear();
        }
    }

    private static void join(Thread t) {
        if (t.getState() == Thread.State.NEW || t == Thread.currentThread()) {
            return;
        }
        try {
            if (!t.join(Duration.ofSeconds(5))) {
                LOG.log(Level.WARNING, t.getName() + " did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the loop thread ----

    private void loop() {
        byte[] buf = new byte[ProbeSocket.RECEIVE_BUFFER];
        try {
            while (!closed) {
                Reconfigure c;
                while ((c = commands.poll()) != null) {
                    apply(c);
                }
                int timeout = pollTimeout(clock.nanos());
                ProbeSocket.poll(pollList, pollFds, readable, timeout);
                // Every socket, not only those poll saw readable: this thread may have stalled since poll returned,
                // and every reply that arrived before `now` must be read before a probe is declared lost at `now`.
                long now = clock.nanos();
                long realtimeOffset = clock.realtimeOffset();
                for (ProbeSocket socket : pollList) {
                    drain(socket, buf, realtimeOffset);
                }
                serviceDue(now);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "prober loop stopped: " + e, e);
        }
    }

    private int pollTimeout(long now) {
        PathSession head = queue.peek();
        if (head == null) {
            return MAX_POLL_MILLIS;
        }
        long d = head.wakeAt - now;
        if (d <= 0) {
            return 0;
        }
        return (int) Math.min(MAX_POLL_MILLIS, (d + 999_999) / 1_000_000);
    }

    private void drain(ProbeSocket socket, byte[] buf, long realtimeOffset) {
        for (int i = 0; i < READ_BATCH; i++) {
            int n = socket.receive(buf);
            if (n < 0) {
                return;
            }
            long t4 = clock.nanos();
            boolean arrival = false;
            long stamped = socket.lastReceiveRealtimeNanos();
            if (stamped != ProbeSocket.NO_TIMESTAMP && realtimeOffset != ProbeClock.NO_REALTIME) {
                long at = stamped + realtimeOffset;
                if (at - t4 <= 0 && t4 - at <= MAX_QUEUED_NANOS) {
                    t4 = at;
                    arrival = true;
                }
            }
            if (!ProbePacket.problem(buf, 0, n).isEmpty() || ProbePacket.type(buf, 0) != ProbePacket.Type.REPLY.wire()) {
                malformed++;
                continue;
            }
            PathSession s = bySession.get(ProbePacket.session(buf, 0));
            if (s == null) {
                unknownReplies++;
                continue;
            }
            s.reflectorCount(ProbePacket.seq(buf, 0), ProbePacket.received(buf, 0));
            switch (s.reply(ProbePacket.seq(buf, 0), ProbePacket.t1(buf, 0), ProbePacket.t2(buf, 0), ProbePacket.t3(buf, 0), t4,
                    arrival)) {
                case ON_TIME -> received++;
                case LATE -> late++;
                case DUPLICATE, UNKNOWN -> unknownReplies++;
            }
        }
    }

    private void serviceDue(long now) {
        PathSession.Sender sender = this::send;
        while (!queue.isEmpty() && queue.peek().wakeAt - now <= 0) {
            PathSession s = queue.poll();
            if (s.removed) {
                continue;
            }
            if (now - s.wakeAt > maxLagNanos) {
                maxLagNanos = now - s.wakeAt;
            }
            if (held(s.target())) {
                s.wakeAt = now + HOLD_RECHECK_NANOS;
                queue.add(s);
                continue;
            }
            long wake = s.service(now, sender);
            s.wakeAt = wake - now > 0 ? wake : now + 1;
            queue.add(s);
        }
    }

    private boolean held(ProbeTarget t) {
        try {
            return hold.test(t);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "hold check failed on " + t.pathId() + ", probing it: " + e);
            return false;
        }
    }

    private PathSession.SendResult send(PathSession s, byte[] packet) {
        long now = clock.nanos();
        int rate = settings.maxProbesPerSecond();
        tokens = Math.min(Math.max(1, rate / 10.0), tokens + (now - refilledAt) * 1e-9 * rate);
        refilledAt = now;
        if (tokens < 1) {
            postponed++;
            return PathSession.SendResult.POSTPONED;
        }
        tokens -= 1;
        sent++;
        if (s.socket.send(packet, ProbePacket.SIZE, s.sockaddr, s.sockaddr.length)) {
            return PathSession.SendResult.SENT;
        }
        sendErrors++;
        return PathSession.SendResult.FAILED;
    }

    private void apply(Reconfigure c) {
        long now = clock.nanos();
        Map<String, ProbeTarget> wanted = new HashMap<>();
        c.targets().forEach(t -> wanted.put(t.pathId(), t));
        // Retire first, so that a replaced path's new report is not removed after it was published.
        for (var it = sessions.entrySet().iterator(); it.hasNext(); ) {
            PathSession old = it.next().getValue();
            ProbeTarget t = wanted.get(old.target().pathId());
            if (t == null || !old.target().sameEndpoint(t)) {
                old.removed = true;
                bySession.remove(old.session);
                reports.remove(old.target().pathId());
                it.remove();
            }
        }
        boolean rescheduled = false;
        for (ProbeTarget t : c.targets()) {
            ProbeSocket socket = c.sockets().get(SocketKey.of(t));
            PathSession existing = sessions.get(t.pathId());
            if (existing != null) {
                existing.socket = socket;
                if (!existing.target().equals(t) && existing.update(t)) {
                    // A shorter interval: the path waits in the queue for its old, later wake-up; bring it forward.
                    existing.wakeAt = now;
                    rescheduled = true;
                }
                continue;
            }
            int id = nextSessionId++;
            while (bySession.containsKey(id)) {
                id = nextSessionId++;
            }
            // Spread first probes over one interval so that a thousand paths do not probe in lockstep.
            long first = now + (long) (random.nextDouble() * t.interval().toNanos());
            PathSession s = new PathSession(id, t, settings, clock, first, sink(t.pathId()));
            s.socket = socket;
            s.sockaddr = socket.sockaddr(t.reflector());
            sessions.put(t.pathId(), s);
            bySession.put(id, s);
            queue.add(s);
        }
        if (rescheduled) {
            // One rebuild rather than a remove per path: an SLA class change can touch every path at once.
            queue.clear();
            queue.addAll(sessions.values());
        }
        pathCount = sessions.size();
        List<ProbeSocket> distinct = new ArrayList<>(new LinkedHashSet<>(c.sockets().values()));
        if (distinct.size() > readable.length) {
            pollFds = ProbeSocket.allocatePollFds(distinct.size());
            readable = new boolean[distinct.size()];
        }
        pollList = distinct;
        synchronized (configLock) {
            for (var it = sockets.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!neededKeys.contains(e.getKey())) {
                    e.getValue().close();
                    it.remove();
                }
            }
        }
    }

    private PathSession.Sink sink(String pathId) {
        return new PathSession.Sink() {
            @Override
            public void report(PathReport report) {
                reports.put(pathId, report);
            }

            @Override
            public void changed(PathReport before, PathReport after) {
                if (listener.isPresent() && !events.offer(new Event(before, after))) {
                    listenerDrops++;
                }
            }
        };
    }

    // ---- the event thread ----

    private void deliverEvents() {
        PathReportListener l = listener.orElse((before, after) -> {
        });
        while (true) {
            Event e;
            try {
                e = events.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (e == null) {
                if (closed && !loopThread.isAlive()) {
                    return;
                }
                continue;
            }
            try {
                l.pathChanged(e.before(), e.after());
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "path report listener failed on " + e.after().pathId() + ": " + ex, ex);
            }
        }
    }
}
