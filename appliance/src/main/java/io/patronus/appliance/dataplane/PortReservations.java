package io.patronus.appliance.dataplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's reserved local ports ({@code net.ipv4.ip_local_reserved_ports}, per network namespace), which it never
 * hands to a socket bound to port 0. WireGuard's listen ports (51820 and up) lie inside the default ephemeral range
 * (32768-60999): any UDP socket of the appliance bound without a port (a probe socket, a resolver query, a wireguard-go
 * that has just started and not yet been configured) can draw one, and the device configured with that port a moment
 * later fails with EADDRINUSE, until the socket goes away. Reserving the ports closes that window; binding them
 * explicitly, as the WireGuard devices do, is unaffected.
 *
 * <p>The value is a comma-separated list of ports and ranges ({@code 8080,51820-51822}); ports are only ever added,
 * so an operator's own reservations stay. Not thread-safe: its owner ({@link NetlinkHostNetwork}) serialises calls.
 */
final class PortReservations {
    static final Path FILE = Path.of("/proc/sys/net/ipv4/ip_local_reserved_ports");
    private static final int MAX_PORT = 65535;

    private PortReservations() {
    }

    /** The ports in a value of the file; a malformed value names the part it could not read. */
    static BitSet parse(String value) {
        BitSet ports = new BitSet(MAX_PORT + 1);
        for (String part : value.strip().split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            try {
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 0 || to > MAX_PORT || from > to) {
                    throw new DataPlaneException("reserved ports: '" + p + "' in '" + value.strip() + "' is not a port range");
                }
                ports.set(from, to + 1);
            } catch (NumberFormatException e) {
                throw new DataPlaneException("reserved ports: '" + p + "' in '" + value.strip() + "' is not a port or range");
            }
        }
        return ports;
    }

    /** The file's format for a set of ports: ascending, consecutive ports as ranges. */
    static String format(BitSet ports) {
        List<String> parts = new ArrayList<>();
        for (int from = ports.nextSetBit(0); from >= 0; ) {
            int to = ports.nextClearBit(from) - 1;
            parts.add(from == to ? Integer.toString(from) : from + "-" + to);
            from = ports.nextSetBit(to + 1);
        }
        return String.join(",", parts);
    }

    /** The value to write so that {@code wanted} are reserved as well, or empty when they already are. */
    static Optional<String> merged(String current, Set<Integer> wanted) {
        BitSet have = parse(current);
        BitSet all = (BitSet) have.clone();
        for (int port : wanted) {
            if (port < 1 || port > MAX_PORT) {
                throw new DataPlaneException("reserved ports: " + port + " is not a port (1-65535)");
            }
            all.set(port);
        }
        return all.equals(have) ? Optional.empty() : Optional.of(format(all));
    }

    /**
     * Reserves {@code wanted} in the network namespace of {@code namespaceFile} (ours when empty), adding to what is
     * reserved there; whether it had to write anything. Another namespace's file is reached with {@code nsenter}
     * (util-linux), since {@code /proc/sys/net} shows the namespace of whoever opens it.
     */
    static boolean reserve(Optional<Path> namespaceFile, Set<Integer> wanted) {
        String current = read(namespaceFile);
        Optional<String> next = merged(current, wanted);
        next.ifPresent(v -> write(namespaceFile, v));
        return next.isPresent();
    }

    static String read(Optional<Path> namespaceFile) {
        if (namespaceFile.isEmpty()) {
            try {
                return Files.readString(FILE);
            } catch (IOException e) {
                throw new DataPlaneException("cannot read " + FILE + ": " + e.getMessage(), e);
            }
        }
        return run(namespaceFile.get(), List.of("cat", FILE.toString()), "read " + FILE);
    }

    private static void write(Optional<Path> namespaceFile, String value) {
        if (namespaceFile.isEmpty()) {
            try {
                Files.writeString(FILE, value + "\n");
            } catch (IOException e) {
                throw new DataPlaneException("cannot write '" + value + "' to " + FILE + ": " + e.getMessage(), e);
            }
            return;
        }
        run(namespaceFile.get(), List.of("sh", "-c", "printf '%s\\n' \"$0\" > \"$1\"", value, FILE.toString()),
                "write '" + value + "' to " + FILE);
    }

    private static String run(Path ns, List<String> command, String what) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns));
        cmd.addAll(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new DataPlaneException("cannot " + what + " in namespace " + ns + ": nsenter did not finish in 10 s");
            }
            if (p.exitValue() != 0) {
                throw new DataPlaneException("cannot " + what + " in namespace " + ns + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new DataPlaneException("cannot " + what + " in namespace " + ns + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataPlaneException("interrupted while trying to " + what + " in namespace " + ns, e);
        }
    }
}
