package io.patronus.appliance.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a benchmark reads from {@code /proc} about processes and the machine: memory (RSS, PSS), CPU time, threads,
 * the command name, and the machine's CPU counters. Every reader returns empty or zero for a process that is gone.
 */
final class ProcFs {
    /** Clock ticks per second of {@code /proc/PID/stat} (USER_HZ, 100 on every Linux we run). */
    static final int CLOCK_TICKS = 100;

    private ProcFs() {
    }

    /** One process's memory, threads and CPU time. */
    record Usage(long rssKib, long pssKib, int threads, double cpuSeconds) {
    }

    /** A process's usage now, or empty when it is gone. */
    static Optional<Usage> usage(long pid) {
        Path dir = Path.of("/proc", Long.toString(pid));
        try {
            long rss = 0;
            int threads = 0;
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).trim());
                }
            }
            long pss = 0;
            for (String line : Files.readAllLines(dir.resolve("smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    pss = kib(line);
                }
            }
            return Optional.of(new Usage(rss, pss, threads, cpuSeconds(pid)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** User plus system CPU time of a process (all its threads), in seconds; 0 when it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The command name ({@code /proc/PID/comm}), or empty when the process is gone. */
    static Optional<String> command(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The machine's CPU time so far, in ticks: busy (everything but idle and iowait) and total. */
    record CpuTicks(long busy, long total) {
        /** The busy fraction of all CPUs between {@code earlier} and this sample. */
        double busySince(CpuTicks earlier) {
            long t = total - earlier.total;
            return t <= 0 ? 0 : (busy - earlier.busy) / (double) t;
        }
    }

    static CpuTicks cpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new CpuTicks(total - idle, total);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat: " + e.getMessage(), e);
        }
    }

    /**
     * How often the machine-wide ARP table refused a new entry (it was full), summed over the CPUs' lines of
     * {@code /proc/net/stat/arp_cache} (hexadecimal counters; {@code table_fulls} is the last column).
     */
    static long arpTableFulls() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/stat/arp_cache"));
            long sum = 0;
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                sum += Long.parseLong(f[f.length - 1], 16);
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The 1-minute load average. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
