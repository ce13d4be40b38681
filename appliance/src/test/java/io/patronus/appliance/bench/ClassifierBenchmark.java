package io.patronus.appliance.bench;

import io.patronus.appliance.bench.ClassifierBenchRules.Packet;
import io.patronus.appliance.bench.ClassifierFloodLab.Flood;
import io.patronus.appliance.bench.ClassifierFloodLab.Sample;
import io.patronus.appliance.bench.ClassifierFloodLab.SenderKind;
import io.patronus.appliance.bpf.BpfProgram;
import io.patronus.appliance.bpf.TestRunResult;
import io.patronus.appliance.classify.ClassifierModel;
import io.patronus.appliance.classify.ClassifierRules;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.appliance.classify.KernelClassifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Benchmark runner (not a test) for the eBPF classifier, in three parts:
 *
 * <ol>
 *   <li>Per-packet cost with 1, 16, 64 and 256 rules: BPF_PROG_TEST_RUN with a large repeat count on a packet that
 *   matches the last rule, one that matches none, one to a non-site address and a non-IP frame; the kernel's
 *   average nanoseconds per run, median of several runs.</li>
 *   <li>Latency of one steering-map update from Java ({@link KernelClassifier#steer}), timed call by call.</li>
 *   <li>Forwarding rate of a UDP flood through a router namespace with nothing, with the classifier attached at
 *   tcx ingress, and with the same rules as nftables at prerouting, once as one flat chain (one rule per policy, in
 *   order) and once split into a chain per destination site behind a verdict map (see {@link ClassifierBenchRules}),
 *   for 1, 64 and 256 rules, in rounds that rotate the order, so every side sees the same machine. Then the
 *   classifier's own run time per packet inside the flood, by the kernel's BPF run-time statistics.</li>
 * </ol>
 *
 * <p>Usage: {@code scripts/bench-classifier [--option=value ...]}; options: {@code repeat} (test-run iterations,
 * 1000000), {@code runs} (7), {@code rules} (1,16,64,256), {@code steers} (100000), {@code flood-rules}
 * (1,64,256), {@code rounds} (5), {@code seconds} (flood window, 3), {@code senders} (threads, 1), {@code sender}
 * (packet, udp or auto), {@code realtime} (senders at SCHED_FIFO, true), {@code no-match} (also flood the packet
 * no rule matches, true), {@code nft-by-site} (also the per-site nftables layout, true), {@code flood} (false skips
 * part 3), {@code budget} (seconds for the whole run, 540). Needs root, nftables and iproute2.
 */
public final class ClassifierBenchmark {
    /** The router's marking stages: the classifier, the flat nftables chain, the nftables chain per site. */
    private static final List<String> CONFIGS = List.of("ebpf", "nft", "nft-site");
    private static final Set<String> OPTIONS = Set.of("repeat", "runs", "rules", "steers", "flood-rules", "rounds", "seconds",
            "senders", "sender", "realtime", "no-match", "nft-by-site", "flood", "budget");
    private final Map<String, String> options;
    private final long deadline;

    private ClassifierBenchmark(Map<String, String> options) {
        this.options = options;
        this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(intOption("budget", 540));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("options look like --name=value, got '" + a + "'");
            }
            int eq = a.indexOf('=');
            String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; the options are " + new java.util.TreeSet<>(OPTIONS));
            }
            options.put(name, eq < 0 ? "true" : a.substring(eq + 1));
        }
        new ClassifierBenchmark(options).run();
    }

    private void run() throws Exception {
        System.out.printf("bench-classifier %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS));
        System.out.printf("machine: %d CPUs (%s), kernel %s, JDK %s%n", Runtime.getRuntime().availableProcessors(), cpuModel(),
                System.getProperty("os.version"), System.getProperty("java.runtime.version"));
        System.out.printf("load average before: %s%n", loadAverage());
        try (KernelClassifier classifier = KernelClassifier.load(Optional.empty())) {
            perPacketCost(classifier);
            steerLatency(classifier);
            if (boolOption("flood", true)) {
                flood(classifier);
            }
        }
        System.out.printf("%nload average after: %s%n", loadAverage());
    }

    // ---- part 1 ------------------------------------------------------------------------------------------------

    private void perPacketCost(KernelClassifier classifier) {
        int repeat = intOption("repeat", 1_000_000);
        int runs = intOption("runs", 7);
        BpfProgram program = classifier.program();
        byte[] ctx = new byte[0];
        byte[] mac1 = {2, 0, 0, 0, 0, 1};
        byte[] mac2 = {2, 0, 0, 0, 0, 2};
        System.out.printf("%n== 1. per-packet cost: BPF_PROG_TEST_RUN, repeat %,d, median of %d runs (min-max), ns/packet%n", repeat, runs);
        System.out.printf("%6s %10s  %-18s %-18s %-18s %-18s %-18s%n", "rules", "apply ms", "match-last", "no-match", "non-site",
                "non-IP (ARP)", "TCP SYN (MSS)");
        classifier.tcpMss(1380, 1360); // as PolicyClassifier sets it: the SYN column pays for the option scan
        for (int n : intList("rules", "1,16,64,256")) {
            ClassifierBenchRules br = ClassifierBenchRules.of(n);
            long t0 = System.nanoTime();
            classifier.apply(br.rules(), slots(br.rules()));
            double applyMs = (System.nanoTime() - t0) / 1e6;
            List<byte[]> frames = new ArrayList<>();
            for (Packet p : Packet.values()) {
                byte[] f = ClassifierBenchRules.frame(p, mac1, mac2);
                verify(program, br, p, f);
                frames.add(f);
            }
            frames.add(ClassifierBenchRules.arpFrame());
            byte[] syn = ClassifierBenchRules.synFrame(mac1, mac2);
            byte[] clamped = program.testRun(syn, ctx, 1).packetOut();
            int mssAt = 14 + 20 + 20 + 2; // Ethernet, IPv4, TCP header, then the MSS option's kind and length
            int mss = (clamped[mssAt] & 0xff) << 8 | (clamped[mssAt + 1] & 0xff);
            if (mss != 1380) {
                throw new IllegalStateException("the classifier left the SYN's MSS at " + mss + ", not 1380");
            }
            frames.add(syn);
            long[][] ns = new long[frames.size()][runs];
            for (int r = 0; r < runs; r++) {
                for (int c = 0; c < frames.size(); c++) {
                    ns[c][r] = program.testRun(frames.get(c), ctx, repeat).durationNs();
                }
            }
            StringBuilder line = new StringBuilder(String.format("%6d %10.1f ", n, applyMs));
            for (long[] c : ns) {
                Arrays.sort(c);
                line.append(String.format(" %-18s", c[runs / 2] + " (" + c[0] + "-" + c[runs - 1] + ")"));
            }
            System.out.println(line);
        }
    }

    /** The packet gets the mark the specification (ClassifierModel) and the benchmark's own expectation give it. */
    private static void verify(BpfProgram program, ClassifierBenchRules br, Packet p, byte[] frame) {
        int expected = br.expectedMark(p);
        int model = new ClassifierModel(br.rules()).classify(frame, 0, 0).markOut();
        TestRunResult r = program.testRun(frame, new byte[0], 1);
        if (r.retval() != 0 || r.mark() != expected || model != expected) {
            throw new IllegalStateException(String.format("%d rules, packet %s: kernel returned %d with mark 0x%x, the model gives "
                    + "0x%x, expected 0x%x", br.count(), p.label(), r.retval(), r.mark(), model, expected));
        }
    }

    private static Set<Integer> slots(ClassifierRules rules) {
        Set<Integer> s = new HashSet<>();
        rules.rules().forEach(r -> s.add(r.slot()));
        return s;
    }

    // ---- part 2 ------------------------------------------------------------------------------------------------

    private void steerLatency(KernelClassifier classifier) {
        int count = intOption("steers", 100_000);
        ClassifierBenchRules br = ClassifierBenchRules.of(64);
        classifier.apply(br.rules(), slots(br.rules()));
        Steer[] colours = {new Steer("a", 0x0500, 0xff00), new Steer("b", 0x0600, 0xff00)};
        int warmup = Math.max(1_000, count / 5);
        for (int i = 0; i < warmup; i++) {
            classifier.steer(new SteerKey(i % ClassifierBenchRules.SITES, i % 64), colours[i & 1]);
        }
        long[] ns = new long[count];
        long total0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            SteerKey key = new SteerKey(i % ClassifierBenchRules.SITES, i % 64);
            long t = System.nanoTime();
            classifier.steer(key, colours[i & 1]);
            ns[i] = System.nanoTime() - t;
        }
        double totalMs = (System.nanoTime() - total0) / 1e6;
        // The next packet sees the update: point the last rule's colour at site 0 and classify.
        classifier.steer(new SteerKey(0, 63), new Steer("probe", 0x2a00, 0xff00));
        int mark = classifier.program().testRun(ClassifierBenchRules.frame(Packet.MATCH_LAST, new byte[6], new byte[6]), new byte[0], 1).mark();
        if (mark != 0x2a00) {
            throw new IllegalStateException(String.format("after steer() the next packet got mark 0x%x, not 0x2a00", mark));
        }
        Arrays.sort(ns);
        double mean = Arrays.stream(ns).average().orElse(0);
        System.out.printf("%n== 2. steering update from Java: KernelClassifier.steer(), %,d calls after %,d warm-up, 64 rules x %d sites "
                + "in the map%n", count, warmup, ClassifierBenchRules.SITES);
        System.out.printf("p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us  mean %.2f us  (%,.0f updates/s in the loop)%n",
                pct(ns, 50) / 1e3, pct(ns, 90) / 1e3, pct(ns, 99) / 1e3, pct(ns, 99.9) / 1e3, ns[count - 1] / 1e3, mean / 1e3,
                count / (totalMs / 1e3));
        System.out.println("the next packet after an update carries the new mark: yes (checked with a test run)");
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    // ---- part 3 ------------------------------------------------------------------------------------------------

    /** One flood measurement. */
    private record Run(String config, int rules, Packet packet, int round, double pps, double offeredPps) {
    }

    private void flood(KernelClassifier classifier) throws Exception {
        List<Integer> ruleCounts = intList("flood-rules", "1,64,256");
        int rounds = intOption("rounds", 5);
        int seconds = intOption("seconds", 3);
        int senders = intOption("senders", 1);
        boolean noMatch = boolOption("no-match", true);
        List<String> configs = boolOption("nft-by-site", true) ? CONFIGS : CONFIGS.subList(0, 2);
        List<Packet> packets = noMatch ? List.of(Packet.MATCH_LAST, Packet.NO_MATCH) : List.of(Packet.MATCH_LAST);
        boolean realtime = boolOption("realtime", true);
        ClassifierFloodLab lab = ClassifierFloodLab.create(realtime);
        Thread hook = new Thread(lab::close, "bench-classifier-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            System.out.printf("%n== 3. UDP flood through a router namespace (%s), %d sender thread(s)%s, %d s windows after 0.3 s warm-up%n",
                    lab.router(), senders, realtime ? " at SCHED_FIFO 1" : "", seconds);
            SenderKind kind = chooseSender(lab, senders);
            List<String> nft = ClassifierBenchRules.of(ruleCounts.getLast()).nftRuleset().lines().toList();
            System.out.printf("nftables equivalent of %d rules (%d lines), beginning and end:%n", ruleCounts.getLast(), nft.size());
            for (int i = 0; i < nft.size(); i++) {
                if (i < 7 || i >= nft.size() - 4) {
                    System.out.println("  " + nft.get(i));
                } else if (i == 7) {
                    System.out.println("    ...");
                }
            }
            for (int n : ruleCounts) {
                System.out.printf("%d rules: the by-site nftables layout walks %d of them for site 0%n", n,
                        ClassifierBenchRules.of(n).rulesInSiteZero());
            }
            checkMarks(lab, classifier, kind, senders, ruleCounts, packets, configs);
            List<Run> results = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                if (!enoughTime(seconds)) {
                    System.out.printf("time budget reached: round %d and later skipped%n", round);
                    break;
                }
                results.add(measure(lab, "none", 0, Packet.MATCH_LAST, round, kind, senders, seconds));
                for (int n : ruleCounts) {
                    ClassifierBenchRules br = ClassifierBenchRules.of(n);
                    classifier.apply(br.rules(), slots(br.rules()));
                    for (String config : rotate(configs, round)) {
                        if (!enoughTime(seconds * packets.size())) {
                            break;
                        }
                        install(lab, classifier, br, config);
                        try {
                            for (Packet p : packets) {
                                results.add(measure(lab, config, n, p, round, kind, senders, seconds));
                            }
                        } finally {
                            uninstall(lab, config);
                        }
                    }
                }
            }
            if (enoughTime(2 * ruleCounts.size() * packets.size() + 5)) {
                runTimeInPath(lab, classifier, kind, senders, ruleCounts, packets);
            }
            report(results, ruleCounts, packets, configs);
        } finally {
            lab.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs (and finds the lab closed)
            }
        }
    }

    private boolean enoughTime(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 5) < deadline;
    }

    private SenderKind chooseSender(ClassifierFloodLab lab, int senders) throws Exception {
        String choice = options.getOrDefault("sender", "packet");
        if (!choice.equals("auto")) {
            return SenderKind.valueOf(choice.toUpperCase(Locale.ROOT));
        }
        SenderKind best = SenderKind.PACKET;
        double bestPps = 0;
        for (SenderKind k : SenderKind.values()) {
            Run r = measure(lab, "none", 0, Packet.MATCH_LAST, 0, k, senders, 2);
            System.out.printf("sender %-6s: %,.0f packets/s delivered (%,.0f offered)%n", k.name().toLowerCase(Locale.ROOT), r.pps(), r.offeredPps());
            if (r.pps() > bestPps) {
                bestPps = r.pps();
                best = k;
            }
        }
        System.out.printf("using the %s sender%n", best.name().toLowerCase(Locale.ROOT));
        return best;
    }

    /** Before timing anything: each configuration marks the flood as the classifier's specification says. */
    private void checkMarks(ClassifierFloodLab lab, KernelClassifier classifier, SenderKind kind, int senders,
                            List<Integer> ruleCounts, List<Packet> packets, List<String> configs) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int n : ruleCounts) {
            ClassifierBenchRules br = ClassifierBenchRules.of(n);
            classifier.apply(br.rules(), slots(br.rules()));
            for (String config : configs) {
                install(lab, classifier, br, config);
                try {
                    for (Packet p : packets) {
                        long[] c = lab.markCheck(p, br.expectedMark(p), kind, senders);
                        if (c[1] < 1000 || c[0] != c[1]) {
                            throw new IllegalStateException(String.format("%s with %d rules, packet %s: %,d of %,d forwarded packets carry "
                                    + "the expected mark 0x%x", config, n, p.label(), c[0], c[1], br.expectedMark(p)));
                        }
                        lines.add(String.format("%s/%d/%s 0x%x x %,d", config, n, p.label(), br.expectedMark(p), c[1]));
                    }
                } finally {
                    uninstall(lab, config);
                }
            }
        }
        System.out.println("marks checked at the router's forward hook (config/rules/packet mark x packets): " + String.join(", ", lines));
    }

    /**
     * The classifier's own cost per packet in the forwarding path, by the kernel's run-time statistics (which are on
     * only here, as they add two clock reads per run): unlike a test run, the packet arrives with caches shared with
     * the rest of the stack.
     */
    private static void runTimeInPath(ClassifierFloodLab lab, KernelClassifier classifier, SenderKind kind, int senders,
                                      List<Integer> ruleCounts, List<Packet> packets) throws Exception {
        System.out.printf("%nclassifier run time per packet (kernel BPF run-time stats; on only here, as they add two clock reads "
                + "per run): in a test run and inside a 2 s flood%n");
        BpfProgram program = classifier.program();
        AutoCloseable stats = ClassifierNative.enableRunTimeStats();
        try {
            for (int n : ruleCounts) {
                ClassifierBenchRules br = ClassifierBenchRules.of(n);
                classifier.apply(br.rules(), slots(br.rules()));
                for (Packet p : packets) {
                    byte[] frame = ClassifierBenchRules.frame(p, ClassifierFloodLab.SRC_MAC, ClassifierFloodLab.RTR_IN_MAC);
                    long[] a = ClassifierNative.runTimeStats(program.fd());
                    long testRunNs = program.testRun(frame, new byte[0], 1_000_000).durationNs();
                    long[] b = ClassifierNative.runTimeStats(program.fd());
                    System.out.printf("%3d rules  %-10s test run: %5.1f ns per run by the stats (%d ns by the test run's own clock)%n",
                            n, p.label(), perRun(a, b), testRunNs);
                }
                lab.attach(program);
                try {
                    for (Packet p : packets) {
                        long[] a = ClassifierNative.runTimeStats(program.fd());
                        lab.floodFor(p, kind, senders, 2000);
                        long[] b = ClassifierNative.runTimeStats(program.fd());
                        System.out.printf("%3d rules  %-10s in the flood: %5.1f ns per packet over %,d packets%n", n, p.label(),
                                perRun(a, b), b[1] - a[1]);
                    }
                } finally {
                    lab.detach();
                }
            }
        } finally {
            stats.close();
        }
    }

    private static double perRun(long[] before, long[] after) {
        long runs = after[1] - before[1];
        return runs == 0 ? Double.NaN : (double) (after[0] - before[0]) / runs;
    }

    private static void install(ClassifierFloodLab lab, KernelClassifier classifier, ClassifierBenchRules br, String config) throws Exception {
        switch (config) {
            case "ebpf" -> lab.attach(classifier.program());
            case "nft" -> lab.nft(br.nftRuleset(), "rules-" + br.count());
            case "nft-site" -> lab.nft(br.nftRulesetBySite(), "rules-by-site-" + br.count());
            default -> throw new IllegalArgumentException("unknown configuration " + config);
        }
    }

    private static void uninstall(ClassifierFloodLab lab, String config) throws Exception {
        if (config.equals("ebpf")) {
            lab.detach();
        } else {
            lab.nftDeleteTable("pcb_classify");
        }
    }

    private static Run measure(ClassifierFloodLab lab, String config, int rules, Packet packet, int round, SenderKind kind,
                               int senders, int seconds) throws Exception {
        Sample a;
        Sample b;
        Flood f = lab.startFlood(packet, kind, senders, seconds + 2);
        try {
            Thread.sleep(300);
            a = lab.sample(f);
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            b = lab.sample(f);
        } finally {
            f.close();
        }
        double dt = (b.nanos() - a.nanos()) / 1e9;
        Run r = new Run(config, rules, packet, round, (b.delivered() - a.delivered()) / dt, (b.offered() - a.offered()) / dt);
        if (round > 0) {
            System.out.printf("round %d  %-8s %3d rules  %-10s %,12.0f pps delivered  (%,.0f offered)%n", round, config, rules,
                    packet.label(), r.pps(), r.offeredPps());
        }
        return r;
    }

    private static void report(List<Run> runs, List<Integer> ruleCounts, List<Packet> packets, List<String> configs) {
        System.out.printf("%nmedian (min-max) over rounds, packets/s forwarded by the router; ratio = eBPF / nftables from the "
                + "medians (per round in brackets); added = ns per packet over no classifier, from the medians:%n");
        List<Double> none = runs.stream().filter(r -> r.config().equals("none")).map(Run::pps).toList();
        System.out.printf("no classifier: %s%n", stats(none));
        for (Packet p : packets) {
            for (int n : ruleCounts) {
                Map<Integer, Run> ebpf = byRound(runs, "ebpf", n, p);
                List<Double> e = ebpf.values().stream().map(Run::pps).toList();
                StringBuilder line = new StringBuilder(String.format("%-10s %3d rules  ebpf %s added %s", p.label(), n, stats(e),
                        addedText(e, none)));
                for (String config : configs.subList(1, configs.size())) {
                    Map<Integer, Run> other = byRound(runs, config, n, p);
                    List<Double> o = other.values().stream().map(Run::pps).toList();
                    String perRound = ebpf.keySet().stream().filter(other::containsKey)
                            .map(k -> String.format("%.2f", ebpf.get(k).pps() / other.get(k).pps())).collect(Collectors.joining(" "));
                    line.append(String.format(" | %s %s added %s ratio %s [%s]", config, stats(o), addedText(o, none),
                            e.isEmpty() || o.isEmpty() ? "-" : String.format("%.2fx", median(e) / median(o)), perRound));
                }
                System.out.println(line);
            }
        }
    }

    private static String addedText(List<Double> config, List<Double> none) {
        return config.isEmpty() || none.isEmpty() ? "-" : String.format("%.0f ns", added(config, none));
    }

    private static List<String> rotate(List<String> list, int by) {
        List<String> out = new ArrayList<>(list);
        java.util.Collections.rotate(out, by % list.size());
        return out;
    }

    /** Nanoseconds a configuration adds to each forwarded packet, from the median rates. */
    private static double added(List<Double> config, List<Double> none) {
        return 1e9 / median(config) - 1e9 / median(none);
    }

    private static Map<Integer, Run> byRound(List<Run> runs, String config, int n, Packet p) {
        Map<Integer, Run> m = new LinkedHashMap<>();
        runs.stream().filter(r -> r.config().equals(config) && r.rules() == n && r.packet() == p).forEach(r -> m.put(r.round(), r));
        return m;
    }

    private static String stats(List<Double> v) {
        if (v.isEmpty()) {
            return "-";
        }
        List<Double> s = v.stream().sorted().toList();
        return String.format("%,.0f (%,.0f-%,.0f)", median(v), s.getFirst(), s.getLast());
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    // ---- options and machine -----------------------------------------------------------------------------------

    private int intOption(String name, int fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + v + "'", e);
        }
    }

    private boolean boolOption(String name, boolean fallback) {
        String v = options.get(name);
        return v == null ? fallback : Boolean.parseBoolean(v);
    }

    private List<Integer> intList(String name, String fallback) {
        String v = options.getOrDefault(name, fallback);
        try {
            return Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a comma-separated list of numbers, was '" + v + "'", e);
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (java.io.IOException e) {
            return "unknown CPU";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
