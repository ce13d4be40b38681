package io.patronus.appliance.bench;

import io.patronus.appliance.probe.PathReport;
import io.patronus.appliance.probe.ProbeReflector;
import io.patronus.appliance.probe.ProbeTarget;
import io.patronus.appliance.probe.Prober;
import io.patronus.appliance.probe.ProberStats;
import io.patronus.appliance.probe.ReflectorStats;
import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of probing: N paths (default 1,000) at one probe per interval (default 100 ms, so 10,000 probes/s) from
 * one {@link Prober} to a {@link ProbeReflector} in the same process, over loopback, measured for a window (default
 * 30 s) after a warm-up. Reports the process's CPU time as a fraction of one core and the share of the prober's loop
 * thread, the reflector's thread and the rest (JIT, GC, event thread), probes sent and received, and the paths'
 * status. Half the paths use colour "fiber", half "lte" (two shared sockets; with fwmarks 0x10/0x20 when run as root,
 * which change nothing on loopback without policy rules but exercise SO_MARK). Not a unit test: the name keeps it out
 * of surefire; {@code scripts/bench-probe} runs it.
 *
 * <p>Arguments: {@code [paths] [seconds] [intervalMs]}.
 */
public final class ProbeLoadBenchmark {
    private ProbeLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int paths = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int intervalMs = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        if (paths < 1 || paths > 100_000 || seconds < 1 || seconds > 3600 || intervalMs < 10) {
            throw new IllegalArgumentException("usage: ProbeLoadBenchmark [paths 1-100000] [seconds 1-3600] [intervalMs >= 10]");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        SlaClass sla = new SlaClass("default", 150, 2, 30);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        try (ProbeReflector reflector = ProbeReflector.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                     .colourMarks(root ? Map.of("fiber", 0x10, "lte", 0x20) : Map.of()).start();
             Prober prober = Prober.builder().build()) {
            List<ProbeTarget> targets = new ArrayList<>(paths);
            for (int i = 0; i < paths; i++) {
                String colour = i % 2 == 0 ? "fiber" : "lte";
                int mark = root ? (i % 2 == 0 ? 0x10 : 0x20) : 0;
                targets.add(new ProbeTarget(colour + ":site-" + (i / 2), colour, new InetSocketAddress("127.0.0.1", 0),
                        reflector.localAddress(), mark, Duration.ofMillis(intervalMs), sla));
            }
            prober.setTargets(targets);
            prober.start();
            System.out.printf(Locale.ROOT, "probe load: %d paths, one probe per %d ms each (%.0f probes/s), %d s measured after a"
                    + " 5 s warm-up, %d CPUs, SO_MARK %s%n", paths, intervalMs, paths * 1000.0 / intervalMs, seconds,
                    Runtime.getRuntime().availableProcessors(), root ? "on" : "off (not root)");
            Thread.sleep(5_000);

            long proberThread = threadId(threads, "patronus-prober", true);
            long reflectorThread = threadId(threads, "patronus-probe-reflector-", false);
            long wall0 = System.nanoTime();
            long cpu0 = os.getProcessCpuTime();
            long prober0 = threads.getThreadCpuTime(proberThread);
            long reflector0 = threads.getThreadCpuTime(reflectorThread);
            ProberStats p0 = prober.stats();
            ReflectorStats r0 = reflector.stats();

            Thread.sleep(seconds * 1000L);

            long wall = System.nanoTime() - wall0;
            long cpu = os.getProcessCpuTime() - cpu0;
            long proberCpu = threads.getThreadCpuTime(proberThread) - prober0;
            long reflectorCpu = threads.getThreadCpuTime(reflectorThread) - reflector0;
            ProberStats p1 = prober.stats();
            ReflectorStats r1 = reflector.stats();
            Map<String, PathReport> reports = prober.reports();

            double secs = wall / 1e9;
            long sent = p1.sent() - p0.sent();
            long received = p1.received() - p0.received();
            System.out.printf(Locale.ROOT, "process CPU: %.3f of one core (%.1f ms CPU per s)%n", cpu / (double) wall, cpu / secs / 1e6);
            System.out.printf(Locale.ROOT, "  prober loop thread: %.3f of one core (%.2f µs per probe sent and its reply)%n",
                    proberCpu / (double) wall, sent == 0 ? 0 : proberCpu / 1e3 / sent);
            System.out.printf(Locale.ROOT, "  reflector thread:   %.3f of one core (%.2f µs per reply)%n",
                    reflectorCpu / (double) wall, (r1.replied() - r0.replied()) == 0 ? 0 : reflectorCpu / 1e3 / (r1.replied() - r0.replied()));
            System.out.printf(Locale.ROOT, "  everything else:    %.3f of one core (JIT, GC, event thread, sleeping main)%n",
                    (cpu - proberCpu - reflectorCpu) / (double) wall);
            System.out.printf(Locale.ROOT, "probes: %d sent (%.0f/s), %d replies in time, %d late, %d send errors, %d postponed by the rate"
                            + " limit, %d unmatched%n", sent, sent / secs, received, p1.late() - p0.late(), p1.sendErrors() - p0.sendErrors(),
                    p1.postponed() - p0.postponed(), p1.unknownReplies() - p0.unknownReplies());
            System.out.printf(Locale.ROOT, "reflector: %d received, %d replied, %d malformed, %d rate-limited, %d send errors%n",
                    r1.received() - r0.received(), r1.replied() - r0.replied(), r1.malformed() - r0.malformed(),
                    r1.rateLimited() - r0.rateLimited(), r1.sendErrors() - r0.sendErrors());
            long up = reports.values().stream().filter(r -> r.status() == PathStatus.UP).count();
            Map<PathStatus, Long> byStatus = new java.util.TreeMap<>(reports.values().stream()
                    .collect(java.util.stream.Collectors.groupingBy(PathReport::status, java.util.stream.Collectors.counting())));
            System.out.printf(Locale.ROOT, "status: %s; longest wait of a due path for the loop thread %.1f ms%n", byStatus,
                    p1.maxLagMicros() / 1e3);
            reports.values().stream().filter(r -> r.status() != PathStatus.UP).limit(3)
                    .forEach(r -> System.out.println("  e.g. " + r.pathId() + " " + r.status() + ": " + r.reason()));
            double[] rtt = reports.values().stream().mapToDouble(PathReport::rttP50Ms).sorted().toArray();
            double[] p99 = reports.values().stream().mapToDouble(PathReport::rttP99Ms).sorted().toArray();
            System.out.printf(Locale.ROOT, "paths: %d UP of %d; RTT p50 across paths: median %.3f ms; RTT p99 across paths: median %.3f ms,"
                    + " worst %.3f ms; sockets %d%n", up, reports.size(), median(rtt), median(p99), p99.length == 0 ? 0 : p99[p99.length - 1],
                    p1.sockets());
        }
    }

    private static double median(double[] sorted) {
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    private static long threadId(ThreadMXBean threads, String name, boolean exact) {
        ThreadInfo[] infos = threads.getThreadInfo(threads.getAllThreadIds());
        return Arrays.stream(infos).filter(i -> i != null && (exact ? i.getThreadName().equals(name) : i.getThreadName().startsWith(name)))
                .mapToLong(ThreadInfo::getThreadId)
                .findFirst().orElseThrow(() -> new IllegalStateException("no thread named " + name));
    }
}
