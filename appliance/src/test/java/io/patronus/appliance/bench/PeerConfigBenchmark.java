package io.patronus.appliance.bench;

import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.UserspaceWireGuard;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static io.patronus.appliance.bench.Commands.run;

/**
 * Benchmark runner (not a test): configures N peers (default 1,000) on a wireguard-go interface through our UAPI
 * backend and, in the same run, the equivalent configuration on a second wireguard-go interface with
 * {@code wg setconf}; reports the median of several rounds of each and the ratio. Runs in a network namespace it
 * creates and removes. Usage: {@code scripts/bench-wg [peers] [rounds]}.
 */
public final class PeerConfigBenchmark {
    public static void main(String[] args) throws Exception {
        int peers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        String ns = "pbench" + ProcessHandle.current().pid();
        Path dir = Files.createTempDirectory("patronus-bench-wg");
        run("ip", "netns", "add", ns);
        UserspaceWireGuard wg = new UserspaceWireGuard(dir, Optional.of(ns));
        try {
            wg.ensureInterface("wg-ours");
            wg.ensureInterface("wg-tool");
            WgKeyPair self = WgKeyPair.generate();
            List<PeerConfig> list = new ArrayList<>();
            StringBuilder conf = new StringBuilder("[Interface]\nPrivateKey = " + self.privateBase64() + "\nListenPort = 51900\n");
            for (int i = 0; i < peers; i++) {
                WgKeyPair k = WgKeyPair.generate();
                String ip = "100." + (64 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255);
                InetSocketAddress ep = new InetSocketAddress("192.0.2." + (1 + i % 250), 51820 + i / 250);
                list.add(PeerConfig.upsert(k.publicKey(), Optional.of(ep), List.of(IpPrefix.parse(ip + "/32")), OptionalInt.of(25)));
                conf.append("\n[Peer]\nPublicKey = ").append(k.publicBase64()).append("\nEndpoint = ").append(ep.getAddress().getHostAddress())
                        .append(':').append(ep.getPort()).append("\nAllowedIPs = ").append(ip).append("/32\nPersistentKeepalive = 25\n");
            }
            Path confFile = dir.resolve("wg-tool.conf");
            Files.writeString(confFile, conf.toString());
            DeviceConfig ours = new DeviceConfig(Optional.of(self), OptionalInt.of(51901), OptionalInt.empty(), true, list);
            double[] oursMs = new double[rounds];
            double[] toolMs = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                wg.configure("wg-ours", ours);
                oursMs[r] = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                run("ip", "netns", "exec", ns, "unshare", "--mount", "--propagation", "private", "sh", "-c",
                        "mount --bind \"$0\" /var/run/wireguard && wg setconf wg-tool \"$1\"", dir.toString(), confFile.toString());
                toolMs[r] = (System.nanoTime() - t1) / 1e6;
            }
            int readBack = wg.read("wg-ours").orElseThrow().peers().size();
            if (readBack != peers) {
                throw new IllegalStateException("read back " + readBack + " peers, expected " + peers);
            }
            long t2 = System.nanoTime();
            wg.read("wg-ours");
            double readMs = (System.nanoTime() - t2) / 1e6;
            Arrays.sort(oursMs);
            Arrays.sort(toolMs);
            double o = oursMs[rounds / 2];
            double t = toolMs[rounds / 2];
            System.out.printf("peers=%d rounds=%d%n", peers, rounds);
            System.out.printf("ours (UAPI set, replace_peers)      median %.1f ms  min %.1f  max %.1f%n", o, oursMs[0], oursMs[rounds - 1]);
            System.out.printf("wg setconf (same configuration)     median %.1f ms  min %.1f  max %.1f%n", t, toolMs[0], toolMs[rounds - 1]);
            System.out.printf("ratio wg setconf / ours             %.2fx%n", t / o);
            System.out.printf("read back %d peers (UAPI get)      %.1f ms%n", readBack, readMs);
        } finally {
            for (String i : wg.interfaces()) {
                wg.deleteInterface(i);
            }
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
