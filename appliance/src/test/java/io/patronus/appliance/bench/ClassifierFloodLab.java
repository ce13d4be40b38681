package io.patronus.appliance.bench;

import io.patronus.appliance.bench.ClassifierBenchRules.Packet;
import io.patronus.appliance.bpf.AttachMode;
import io.patronus.appliance.bpf.BpfProgram;
import io.patronus.appliance.bpf.Bpffs;
import io.patronus.appliance.bpf.TcAttachment;
import io.patronus.appliance.bpf.TcDirection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.patronus.appliance.bench.Commands.run;
import static io.patronus.appliance.bench.Commands.output;

/**
 * Three network namespaces in a line, source - router - destination, joined by veth pairs, for measuring what a
 * packet classifier on the router costs in forwarded packets per second:
 *
 * <pre>
 *   pcb-src-X  pcbs0 198.51.100.2/24  ==veth==  pcbr0 198.51.100.1/24  pcb-rtr-X  pcbr1 203.0.113.1/24  ==veth==  pcbd0 203.0.113.2/24  pcb-dst-X
 * </pre>
 *
 * <p>Only the router forwards (ip_forward=1 in its namespace alone); neighbours are static, so no ARP runs during
 * a flood, and the destination has no route back, so the ICMP errors its stack generates go nowhere. The
 * classifier is attached at the ingress of {@code pcbr0} with tcx, the nftables table lives in the router's
 * namespace and goes with it. Delivered packets are counted at the destination's veth (its rx counter is the
 * router's successful transmissions), read from {@code /proc/thread-self/net/dev} by a thread inside that
 * namespace, so a sample costs microseconds and no process start.
 *
 * <p>{@link #close()} removes everything (namespaces, the tcx link and its pin) and is idempotent; the benchmark
 * also calls it from a shutdown hook. Not thread-safe: one benchmark thread drives it.
 */
final class ClassifierFloodLab implements AutoCloseable {
    static final String SRC_IF = "pcbs0";
    static final String RTR_IN = "pcbr0";
    static final String RTR_OUT = "pcbr1";
    static final String DST_IF = "pcbd0";
    static final byte[] SRC_MAC = mac("02:00:00:c1:00:01");
    static final byte[] RTR_IN_MAC = mac("02:00:00:c1:00:02");
    static final byte[] RTR_OUT_MAC = mac("02:00:00:c1:00:03");
    static final byte[] DST_MAC = mac("02:00:00:c1:00:04");
    /** No flood runs longer than this, whatever the caller asks. */
    static final long MAX_FLOOD_SECONDS = 10;
    private static final Pattern COUNTER = Pattern.compile("counter packets (\\d+) bytes \\d+ comment \"(\\w+)\"");

    /** How the source sends. */
    enum SenderKind {
        /** Prebuilt Ethernet frames on an AF_PACKET socket (no IP/UDP stack on the sender). */
        PACKET,
        /** A connected UDP socket. */
        UDP
    }

    /** Delivered-packet counter at one instant. */
    record Sample(long nanos, long delivered, long offered) {
    }

    private final String src;
    private final String rtr;
    private final String dst;
    private final Path pinDir;
    private final Path scratch;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<String> created = new ArrayList<>();
    private final boolean realtime;
    private volatile Optional<TcAttachment> attachment = Optional.empty();
    private volatile Optional<Flood> flood = Optional.empty();

    private ClassifierFloodLab(String suffix, boolean realtime) throws IOException {
        this.realtime = realtime;
        this.src = "pcb-src-" + suffix;
        this.rtr = "pcb-rtr-" + suffix;
        this.dst = "pcb-dst-" + suffix;
        this.pinDir = Bpffs.DEFAULT.resolve("patronus-bench-classifier-" + suffix);
        this.scratch = Files.createTempDirectory("patronus-bench-classifier");
    }

    /**
     * Creates the namespaces and links; on failure removes what it made and rethrows. With {@code realtime}, sender
     * threads run SCHED_FIFO (priority 1): on a shared machine other processes then cannot take the sender's CPU in
     * the middle of a window, and the router's work, done in the sender's softirq context, runs undisturbed too.
     */
    static ClassifierFloodLab create(boolean realtime) throws Exception {
        String suffix = HexFormat.of().toHexDigits((int) (System.nanoTime() ^ ProcessHandle.current().pid())).substring(4);
        ClassifierFloodLab lab = new ClassifierFloodLab(suffix, realtime);
        try {
            lab.build();
            return lab;
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
    }

    String router() {
        return rtr;
    }

    private void build() throws Exception {
        for (String ns : List.of(src, rtr, dst)) {
            run("ip", "netns", "add", ns);
            created.add(ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        run("ip", "link", "add", SRC_IF, "netns", src, "address", hex(SRC_MAC), "type", "veth",
                "peer", "name", RTR_IN, "netns", rtr, "address", hex(RTR_IN_MAC));
        run("ip", "link", "add", RTR_OUT, "netns", rtr, "address", hex(RTR_OUT_MAC), "type", "veth",
                "peer", "name", DST_IF, "netns", dst, "address", hex(DST_MAC));
        run("ip", "-n", src, "addr", "add", "198.51.100.2/24", "dev", SRC_IF);
        run("ip", "-n", rtr, "addr", "add", "198.51.100.1/24", "dev", RTR_IN);
        run("ip", "-n", rtr, "addr", "add", "203.0.113.1/24", "dev", RTR_OUT);
        run("ip", "-n", dst, "addr", "add", "203.0.113.2/24", "dev", DST_IF);
        run("ip", "-n", src, "link", "set", SRC_IF, "up");
        run("ip", "-n", rtr, "link", "set", RTR_IN, "up");
        run("ip", "-n", rtr, "link", "set", RTR_OUT, "up");
        run("ip", "-n", dst, "link", "set", DST_IF, "up");
        // Site 0 is routed to the destination; the other sites and TEST-NET-1 are not routed anywhere.
        run("ip", "-n", src, "route", "add", "203.0.113.0/24", "via", "198.51.100.1");
        run("ip", "-n", src, "neigh", "replace", "198.51.100.1", "lladdr", hex(RTR_IN_MAC), "dev", SRC_IF, "nud", "permanent");
        run("ip", "-n", rtr, "neigh", "replace", ClassifierBenchRules.DESTINATION, "lladdr", hex(DST_MAC), "dev", RTR_OUT,
                "nud", "permanent");
        run("ip", "netns", "exec", rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    /** Attaches {@code program} at the router's ingress with tcx. */
    void attach(BpfProgram program) throws Exception {
        if (attachment.isPresent()) {
            throw new IllegalStateException("a classifier is already attached in " + rtr);
        }
        Path pin = pinDir.resolve("rtr-ingress");
        attachment = Optional.of(ClassifierNative.inNamespace(rtr, 30,
                () -> TcAttachment.attach(program, ClassifierNative.ifindex(RTR_IN), TcDirection.INGRESS, pin, AttachMode.TCX)));
    }

    void detach() {
        attachment.ifPresent(TcAttachment::detach);
        attachment = Optional.empty();
    }

    /** Loads an nftables ruleset into the router's namespace. */
    void nft(String ruleset, String name) throws Exception {
        Path file = scratch.resolve(name + ".nft");
        Files.writeString(file, ruleset);
        run("ip", "netns", "exec", rtr, "nft", "-f", file.toString());
    }

    void nftDeleteTable(String table) throws Exception {
        run("ip", "netns", "exec", rtr, "nft", "delete", "table", "ip", table);
    }

    /**
     * Floods {@code packet} for a short while with a counting table at the router's forward hook and returns
     * {packets with {@code mark}, all packets}: proof that the marking stage under test saw the flood and marked it
     * as the classifier would.
     */
    long[] markCheck(Packet packet, int mark, SenderKind kind, int senders) throws Exception {
        nft("table ip pcb_check {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
                + String.format("    meta mark 0x%08x counter comment \"expected\"%n", mark)
                + "    counter comment \"all\"\n  }\n}\n", "check");
        try {
            floodFor(packet, kind, senders, 300);
            String listing = output("ip", "netns", "exec", rtr, "nft", "list", "table", "ip", "pcb_check");
            long expected = -1;
            long all = -1;
            Matcher m = COUNTER.matcher(listing);
            while (m.find()) {
                long v = Long.parseLong(m.group(1));
                if (m.group(2).equals("expected")) {
                    expected = v;
                } else {
                    all = v;
                }
            }
            if (expected < 0 || all < 0) {
                throw new IllegalStateException("cannot read the check counters from:\n" + listing);
            }
            return new long[] {expected, all};
        } finally {
            nftDeleteTable("pcb_check");
        }
    }

    /**
     * Starts {@code senders} threads flooding {@code packet} from the source namespace; they stop when the flood is
     * closed or after {@code maxSeconds} (at most {@link #MAX_FLOOD_SECONDS}).
     */
    Flood startFlood(Packet packet, SenderKind kind, int senders, long maxSeconds) throws InterruptedException {
        Flood f = new Flood(packet, kind, senders, Math.min(maxSeconds, MAX_FLOOD_SECONDS));
        flood = Optional.of(f);
        return f;
    }

    /** Floods {@code packet} for {@code millis} and stops; returns how many packets the senders handed over. */
    long floodFor(Packet packet, SenderKind kind, int senders, long millis) throws InterruptedException {
        Flood f = startFlood(packet, kind, senders, TimeUnit.MILLISECONDS.toSeconds(millis) + 2);
        try {
            Thread.sleep(millis);
        } finally {
            f.close();
        }
        return f.sent();
    }

    /** The delivered-packet count now (and the flood's offered count), read inside the destination namespace. */
    Sample sample(Flood f) throws Exception {
        return ClassifierNative.inNamespace(dst, 10, () -> {
            long t = System.nanoTime();
            long offered = f.sent();
            long rx = rxPackets(Files.readAllLines(Path.of("/proc/thread-self/net/dev")), DST_IF);
            return new Sample(t, rx, offered);
        });
    }

    private static long rxPackets(List<String> procNetDev, String ifname) {
        for (String line : procNetDev) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(ifname)) {
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                return Long.parseLong(f[1]);
            }
        }
        throw new IllegalStateException("no " + ifname + " in /proc/thread-self/net/dev: " + procNetDev);
    }

    /** Sender threads inside the source namespace. */
    final class Flood implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final LongAdder sent = new LongAdder();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final List<Thread> threads = new ArrayList<>();

        private Flood(Packet packet, SenderKind kind, int senders, long maxSeconds) throws InterruptedException {
            byte[] frame = ClassifierBenchRules.frame(packet, SRC_MAC, RTR_IN_MAC);
            byte[] payload = new byte[18];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
            CountDownLatch ready = new CountDownLatch(senders);
            for (int i = 0; i < senders; i++) {
                threads.add(Thread.ofPlatform().daemon().name("flood-" + i).start(() -> {
                    try {
                        ClassifierNative.joinNamespace(src);
                        if (realtime) {
                            int errno = ClassifierNative.realtime(1);
                            if (errno != 0) {
                                throw new IllegalStateException("sched_setscheduler(SCHED_FIFO) refused, errno " + errno
                                        + "; run as root or pass --realtime=false");
                            }
                        }
                        try (ClassifierNative.BatchSender s = kind == SenderKind.PACKET
                                ? ClassifierNative.BatchSender.packet(SRC_IF, frame, 64)
                                : ClassifierNative.BatchSender.udp(packet.destination, packet.destinationPort, ClassifierBenchRules.DSCP,
                                        payload, 64)) {
                            ready.countDown();
                            while (!stop.get() && System.nanoTime() < deadline) {
                                int n = s.sendBatch();
                                if (n > 0) {
                                    sent.add(n);
                                }
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        ready.countDown();
                    }
                }));
            }
            if (!ready.await(10, TimeUnit.SECONDS)) {
                close();
                throw new IllegalStateException("flood senders did not start in 10 s");
            }
            if (failure.get() != null) {
                close();
                throw new IllegalStateException("flood sender failed: " + failure.get(), failure.get());
            }
        }

        long sent() {
            return sent.sum();
        }

        @Override
        public void close() {
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(MAX_FLOOD_SECONDS + 5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failure.get() != null) {
                throw new IllegalStateException("flood sender failed: " + failure.get(), failure.get());
            }
        }
    }

    /** Stops any flood, detaches, unpins and deletes the namespaces (which takes their links and nftables along). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        flood.ifPresent(f -> {
            try {
                f.close();
            } catch (RuntimeException e) {
                System.err.println("bench-classifier: " + e.getMessage());
            }
        });
        try {
            detach();
        } catch (RuntimeException e) {
            System.err.println("bench-classifier: detach failed: " + e.getMessage());
        }
        for (String ns : created.reversed()) {
            try {
                run("ip", "netns", "del", ns);
            } catch (Exception e) {
                System.err.println("bench-classifier: " + e.getMessage());
            }
        }
        try {
            if (Files.isDirectory(pinDir)) {
                try (var s = Files.list(pinDir)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(pinDir);
            }
            try (var s = Files.list(scratch)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            System.err.println("bench-classifier: cleanup of " + pinDir + " / " + scratch + " failed: " + e);
        }
    }

    private static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    private static String hex(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
