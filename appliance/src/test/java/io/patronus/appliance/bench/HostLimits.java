package io.patronus.appliance.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raises machine-wide kernel limits that a lab of many sites on one machine exceeds, although one appliance never
 * comes near them, and puts them back. Both are shared by every network namespace and set only from the initial one:
 *
 * <ul>
 *   <li>{@code net.ipv4.neigh.default.gc_thresh2/3} (512 and 1,024 by default), the size of the one IPv4 neighbour
 *   (ARP) table. Sites that share one L2 segment per colour need an entry per site pair and colour: 1,740 at 30
 *   sites with two colours, 19,800 at 100. Above {@code gc_thresh3} the kernel refuses new entries ("neighbor table
 *   overflow!"), sends fail with ENOBUFS (UdpSndbufErrors) and handshakes wait tens of seconds for the garbage
 *   collector. Real sites reach each other through their providers' gateways: one entry per link.</li>
 *   <li>{@code fs.inotify.max_user_instances} (128 by default), per user: every wireguard-go takes one inotify
 *   instance to watch its UAPI socket, so the 129th wireguard-go run by root exits at once ("Failed to listen on uapi
 *   socket: too many open files"). An appliance runs one per colour.</li>
 * </ul>
 *
 * <p>Values are only ever raised; {@link #restore} writes back exactly what was read, in reverse order. Must be called
 * from a thread in the initial network namespace ({@code /proc/sys/net} is the caller's).
 */
final class HostLimits {
    private static final Path SYS = Path.of("/proc/sys");
    /** Sysctl path (relative to /proc/sys) to its value before the first raise, in the order raised. */
    private final Map<String, Long> saved = new LinkedHashMap<>();

    /** Raises the sysctl {@code key} (e.g. {@code fs/inotify/max_user_instances}) to at least {@code value}. */
    synchronized void atLeast(String key, long value) throws IOException {
        long now = read(key);
        if (now < value) {
            saved.putIfAbsent(key, now);
            write(key, value);
            System.out.printf("host: raised %s from %d to %d for the run (machine-wide; put back at the end)%n",
                    key.replace('/', '.'), now, value);
        }
    }

    /** The current value of a sysctl. */
    long value(String key) throws IOException {
        return read(key);
    }

    /** Puts back what {@link #atLeast} changed, last raised first; safe to call more than once. */
    synchronized void restore() {
        List<String> keys = new ArrayList<>(saved.keySet());
        for (String key : keys.reversed()) {
            long old = saved.remove(key);
            try {
                write(key, old);
            } catch (IOException | RuntimeException e) {
                System.out.println("cleanup: could not put " + key.replace('/', '.') + " back to " + old + ": " + e);
            }
        }
    }

    /**
     * One sysctl value, read in a single {@code read(2)} at offset 0: integer sysctls answer only a read at offset 0
     * and report end of file to any later one, so a reader that fetches the first byte alone (as
     * {@code Files.readString} does on a file whose size is 0) gets "1" out of "1024".
     */
    private static long read(String key) throws IOException {
        byte[] buf = new byte[64];
        int n;
        try (InputStream in = Files.newInputStream(SYS.resolve(key))) {
            n = in.read(buf);
        }
        String v = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII).strip();
        if (!v.matches("[0-9]{1,10}")) {
            throw new IOException(key.replace('/', '.') + " reads '" + v + "', not a number");
        }
        return Long.parseLong(v);
    }

    /** Writes a value and reads it back, so that a write the kernel did not take is reported. */
    private static void write(String key, long value) throws IOException {
        Files.writeString(SYS.resolve(key), Long.toString(value));
        long back = read(key);
        if (back != value) {
            throw new IOException(key.replace('/', '.') + " reads " + back + " after writing " + value);
        }
    }
}
