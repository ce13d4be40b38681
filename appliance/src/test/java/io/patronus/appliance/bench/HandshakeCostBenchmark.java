package io.patronus.appliance.bench;

import io.patronus.appliance.tunnel.HandshakeStagger;
import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static io.patronus.appliance.bench.Commands.run;

/**
 * Benchmark runner (not a test): what one WireGuard tunnel costs wireguard-go in CPU, alone, so that a lab mesh's
 * convergence can be set against the least CPU the same mesh needs. Usage:
 * {@code scripts/bench-wg handshake-cost [devices] [rounds] [--mesh-sites=N] [--colours=C]}.
 *
 * <p>Each round starts {@code devices} (default 60) wireguard-go interfaces through our userspace backend in one network
 * namespace it creates (loopback only, listen ports 20000 and up), and meshes them: every device gets every other as a
 * peer with a 127.0.0.1 endpoint and no keepalive (<b>configuration</b>: for each tunnel, two peer entries, each with
 * the static-static Diffie-Hellman wireguard-go precomputes when a peer is added). Then, as the first-handshake stagger
 * does, the end of each tunnel with the smaller key gets a persistent keepalive, which makes it initiate at once
 * (<b>handshake</b>: one initiation and one response per tunnel, no crossing, no retry, no waiting for a CPU that
 * other work holds). The CPU time of every wireguard-go is read from {@code /proc} before and after each phase; the
 * runner's own UAPI work is in the JVM, not in those numbers, but the UAPI reads that find the handshakes done are
 * (every 500 ms, so two or three per device; their wall time makes the round's duration coarse).
 *
 * <p>From the cost per tunnel it prints the floor of an N-site mesh (default 100) with C colours (default 2) on this
 * machine: N(N-1)/2 tunnels per colour, each with its configuration and one handshake, spread over every CPU with
 * nothing else to do. A lab mesh cannot converge faster than that on this machine, whatever the appliance does.
 */
public final class HandshakeCostBenchmark {
    /**
     * Below the ephemeral range (32768-60999): wireguard-go binds a random port as soon as it starts, before it is
     * configured, and that can be a port from the ephemeral range another device here is about to be given.
     */
    private static final int PORT_BASE = 20000;

    private HandshakeCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int devices = 60;
        int rounds = 3;
        int meshSites = 100;
        int colours = 2;
        List<Integer> positional = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--mesh-sites=")) {
                meshSites = Integer.parseInt(a.substring(13));
            } else if (a.startsWith("--colours=")) {
                colours = Integer.parseInt(a.substring(10));
            } else if (a.matches("[0-9]+")) {
                positional.add(Integer.parseInt(a));
            } else {
                throw new IllegalArgumentException("usage: HandshakeCostBenchmark [devices 2-250] [rounds] [--mesh-sites=N]"
                        + " [--colours=C]; unknown argument '" + a + "'");
            }
        }
        if (!positional.isEmpty()) {
            devices = positional.get(0);
        }
        if (positional.size() > 1) {
            rounds = positional.get(1);
        }
        if (devices < 2 || devices > 250 || rounds < 1) {
            throw new IllegalArgumentException("devices must be 2-250 and rounds at least 1, were " + devices + " and " + rounds);
        }
        int tunnels = devices * (devices - 1) / 2;
        int cpus = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "handshake-cost: %d wireguard-go devices meshed on loopback (%d tunnels), %d rounds,"
                + " %d CPUs, load %s%n", devices, tunnels, rounds, cpus, ProcFs.loadAverage());
        double[] config = new double[rounds];
        double[] handshake = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double[] cost = round(devices, r);
            config[r] = cost[0] / tunnels * 1000;
            handshake[r] = cost[1] / tunnels * 1000;
            System.out.printf(Locale.ROOT, "round %d: configuration %.2f CPU-s (%.3f ms per tunnel), handshakes %.2f CPU-s"
                    + " (%.3f ms per tunnel) in %.2f s%n", r + 1, cost[0], config[r], cost[1], handshake[r], cost[2]);
        }
        double c = median(config);
        double h = median(handshake);
        long meshTunnels = (long) colours * meshSites * (meshSites - 1) / 2;
        double floorCpu = meshTunnels * (c + h) / 1000;
        System.out.printf(Locale.ROOT, "per tunnel (median of %d rounds): configuration %.3f ms + handshake %.3f ms = %.3f ms"
                + " of wireguard-go CPU, both ends%n", rounds, c, h, c + h);
        System.out.printf(Locale.ROOT, "floor of a %d-site mesh with %d colours (%,d tunnels) on this machine: %.1f CPU-s of"
                + " wireguard-go, so at least %.1f s on %d CPUs with nothing else running%n", meshSites, colours, meshTunnels,
                floorCpu, floorCpu / cpus, cpus);
    }

    /** One round: {configuration CPU-s, handshake CPU-s, handshake wall seconds}. */
    private static double[] round(int devices, int index) throws Exception {
        String ns = "phsc" + ProcessHandle.current().pid() + "r" + index;
        Path dir = Files.createTempDirectory("patronus-bench-hs");
        run("ip", "netns", "add", ns);
        UserspaceWireGuard wg = new UserspaceWireGuard(dir, Optional.of(ns));
        try {
            run("ip", "-n", ns, "link", "set", "lo", "up");
            WgKeyPair[] keys = new WgKeyPair[devices];
            long[] pids = new long[devices];
            for (int i = 0; i < devices; i++) {
                keys[i] = WgKeyPair.generate();
                wg.ensureInterface(name(i));
                pids[i] = wg.pid(name(i)).orElseThrow();
            }
            double before = cpu(pids);
            for (int i = 0; i < devices; i++) {
                List<PeerConfig> peers = new ArrayList<>();
                for (int j = 0; j < devices; j++) {
                    if (j != i) {
                        peers.add(PeerConfig.upsert(keys[j].publicKey(), Optional.of(new InetSocketAddress("127.0.0.1", PORT_BASE + j)),
                                List.of(IpPrefix.parse("100.64." + j + "." + (i + 1) + "/32")), OptionalInt.empty()));
                    }
                }
                wg.configure(name(i), new DeviceConfig(Optional.of(keys[i]), OptionalInt.of(PORT_BASE + i), OptionalInt.empty(), true, peers));
            }
            for (int i = 0; i < devices; i++) {
                run("ip", "-n", ns, "link", "set", name(i), "up");
            }
            double configured = cpu(pids);
            long t0 = System.nanoTime();
            for (int i = 0; i < devices; i++) {
                List<PeerConfig> initiate = new ArrayList<>();
                for (int j = 0; j < devices; j++) {
                    if (j != i && HandshakeStagger.initiates(keys[i].publicKey(), keys[j].publicKey())) {
                        initiate.add(PeerConfig.keepalive(keys[j].publicKey(), HandshakeStagger.KEEPALIVE_SECONDS));
                    }
                }
                if (!initiate.isEmpty()) {
                    wg.configure(name(i), new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false, initiate));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int pending = devices;
            boolean[] done = new boolean[devices];
            while (pending > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(pending + " of " + devices + " devices still lack a handshake after 60 s");
                }
                // Reads cost wireguard-go CPU too (serialising every peer): few, late ones keep them out of the result.
                Thread.sleep(500);
                for (int i = 0; i < devices; i++) {
                    if (!done[i]) {
                        DeviceState d = wg.read(name(i)).orElseThrow();
                        if (d.peers().size() == devices - 1 && d.peers().stream().map(PeerState::lastHandshake).allMatch(Optional::isPresent)) {
                            done[i] = true;
                            pending--;
                        }
                    }
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            return new double[] {configured - before, cpu(pids) - configured, wall};
        } finally {
            for (String i : wg.interfaces()) {
                wg.deleteInterface(i);
            }
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String name(int i) {
        return "wgc" + i;
    }

    private static double cpu(long[] pids) {
        return Arrays.stream(pids).mapToDouble(ProcFs::cpuSeconds).sum();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
