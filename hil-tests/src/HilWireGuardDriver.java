import io.patronus.appliance.netlink.route.Link;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.netlink.wireguard.WgNetlink;
import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.KernelWireGuard;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.IpPrefix;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Hardware-in-the-loop driver: runs inside the QEMU guest (kernel with wireguard.ko loaded) and drives our
 * KernelWireGuard and RouteNetlink against the real kernel. Prints "HIL-CHECK ok|FAIL ..." per check,
 * "HIL-EXPECT <normalised wg dump line>" for /init to compare with `wg show all dump`, and finally
 * "HIL-DRIVER-RESULT PASS|FAIL". Never throws out of main: every failure becomes a FAIL line. "HIL-TIMING" lines
 * (phases, and the benchmark of our genetlink code against `wg setconf` / `wg show dump`) are information only: no
 * check depends on a time.
 */
public final class HilWireGuardDriver {
    private static int failures;

    private static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
        }
        System.out.println("HIL-CHECK " + (ok ? "ok  " : "FAIL") + " " + what);
    }

    private static <T> void checkEq(T expected, T actual, String what) {
        check(expected.equals(actual), what + (expected.equals(actual) ? " = " + actual : ": expected " + expected + " but was " + actual));
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        // JVM start to main, from the process start time the kernel records (10 ms resolution).
        ProcessHandle.current().info().startInstant().ifPresent(s -> System.out.println("HIL-TIMING phase jvm start to main: "
                + Duration.between(s, Instant.now()).toMillis() + " ms"));
        try {
            run();
        } catch (Throwable t) {
            failures++;
            System.out.println("HIL-CHECK FAIL uncaught " + t);
            t.printStackTrace(System.out);
        }
        System.out.println("HIL-INFO driver total " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        System.out.println("HIL-DRIVER-RESULT " + (failures == 0 ? "PASS" : "FAIL (" + failures + " failed checks)"));
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void run() throws Exception {
        long t = System.nanoTime();
        boolean available = KernelWireGuard.available();
        check(available, "KernelWireGuard.available() is true (" + (System.nanoTime() - t) / 1_000_000 + " ms)");
        if (!available) {
            return;
        }
        WgKeyPair k0 = WgKeyPair.generate();
        WgKeyPair k1 = WgKeyPair.generate();
        try (KernelWireGuard wg = new KernelWireGuard(Optional.empty()); RouteNetlink rt = RouteNetlink.open()) {
            phase("two interfaces, peered, handshake", () -> twoInterfaces(wg, rt, k0, k1));
            phase("1000 peers, replacePeers", () -> manyPeers(wg));
            phase("edge cases", () -> edgeCases(wg));
            phase("benchmark against wg setconf", () -> step("benchmark", () -> benchmark(wg, 1000, 5)));
        }
    }

    private static void phase(String what, Step s) throws Exception {
        long t = System.nanoTime();
        s.run();
        System.out.println("HIL-TIMING phase " + what + ": " + (System.nanoTime() - t) / 1_000_000 + " ms");
    }

    private static void twoInterfaces(KernelWireGuard wg, RouteNetlink rt, WgKeyPair k0, WgKeyPair k1) throws Exception {
        String[] names = {"wg0", "wg1"};
        WgKeyPair[] keys = {k0, k1};
        int[] ports = {51820, 51821};
        String[] addr = {"100.64.0.1", "100.64.0.2"};
        String[] addr6 = {"fd00::1", "fd00::2"};
        int[] keepalive = {1, 0}; // wg0 keeps the session alive, so a handshake over 127.0.0.1 must complete.
        for (int i = 0; i < 2; i++) {
            wg.ensureInterface(names[i]);
            wg.ensureInterface(names[i]); // idempotent: must not fail on an existing wireguard link
        }
        for (int i = 0; i < 2; i++) {
            int o = 1 - i;
            PeerConfig peer = PeerConfig.upsert(keys[o].publicKey(), Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), ports[o])),
                    List.of(IpPrefix.parse(addr[o] + "/32"), IpPrefix.parse(addr6[o] + "/128")),
                    keepalive[i] == 0 ? OptionalInt.empty() : OptionalInt.of(keepalive[i]));
            wg.configure(names[i], new DeviceConfig(Optional.of(keys[i]), OptionalInt.of(ports[i]), OptionalInt.empty(), true, List.of(peer)));
            rt.addAddress(names[i], InetAddress.getByName(addr[i]), 32);
            rt.addAddress(names[i], InetAddress.getByName(addr6[i]), 128);
            rt.setUp(names[i], true);
        }
        List<Link> links = rt.links();
        System.out.println("HIL-INFO links " + links);
        for (String n : names) {
            Optional<Link> l = links.stream().filter(x -> x.name().equals(n)).findFirst();
            check(l.isPresent() && l.get().kind().equals(Optional.of("wireguard")) && l.get().up(), "link " + n + " exists, kind wireguard, up");
        }
        checkEq(List.of("wg0", "wg1"), wg.interfaces(), "interfaces()");

        for (int i = 0; i < 2; i++) {
            int o = 1 - i;
            Optional<DeviceState> st = wg.read(names[i]);
            check(st.isPresent(), "read(" + names[i] + ") present");
            if (st.isEmpty()) {
                continue;
            }
            DeviceState s = st.get();
            System.out.println("HIL-INFO read " + s);
            checkEq(Optional.of(keys[i].publicBase64()), s.publicKey(), names[i] + " public key");
            checkEq(ports[i], s.listenPort(), names[i] + " listen port");
            checkEq(0, s.fwmark(), names[i] + " fwmark");
            checkEq(1, s.peers().size(), names[i] + " peer count");
            Optional<PeerState> p = s.peer(keys[o].publicBase64());
            check(p.isPresent(), names[i] + " has peer " + keys[o].publicBase64());
            if (p.isPresent()) {
                checkEq(Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), ports[o])), p.get().endpoint(), names[i] + " peer endpoint");
                checkEq(Set.of(IpPrefix.parse(addr[o] + "/32"), IpPrefix.parse(addr6[o] + "/128")), Set.copyOf(p.get().allowedIps()),
                        names[i] + " peer allowed IPs");
                checkEq(keepalive[i], p.get().persistentKeepalive(), names[i] + " peer keepalive");
            }
            String keep = keepalive[i] == 0 ? "off" : Integer.toString(keepalive[i]);
            System.out.println("HIL-EXPECT " + names[i] + " " + keys[i].privateBase64() + " " + keys[i].publicBase64() + " " + ports[i] + " off");
            System.out.println("HIL-EXPECT " + names[i] + " " + keys[o].publicBase64() + " (none) 127.0.0.1:" + ports[o] + " "
                    + String.join(",", new TreeSet<>(List.of(addr[o] + "/32", addr6[o] + "/128"))) + " " + keep);
        }

        // Same configuration again: must change nothing (declarative set).
        PeerConfig again = PeerConfig.upsert(k1.publicKey(), Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 51821)),
                List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("fd00::2/128")), OptionalInt.of(1));
        wg.configure("wg0", new DeviceConfig(Optional.of(k0), OptionalInt.of(51820), OptionalInt.empty(), true, List.of(again)));
        checkEq(1, wg.read("wg0").orElseThrow().peers().size(), "wg0 peer count after re-applying the same config");

        // A real handshake over loopback proves the keys we pushed are the ones the kernel uses.
        long deadline = System.nanoTime() + 30_000_000_000L;
        Optional<PeerState> hs = Optional.empty();
        long start = System.nanoTime();
        while (System.nanoTime() < deadline) {
            hs = wg.read("wg0").orElseThrow().peer(k1.publicBase64()).filter(p -> p.lastHandshake().isPresent());
            if (hs.isPresent()) {
                break;
            }
            Thread.sleep(100);
        }
        check(hs.isPresent(), "wg0<->wg1 handshake over 127.0.0.1 completed within 30 s"
                + hs.map(p -> " (after " + (System.nanoTime() - start) / 1_000_000 + " ms, lastHandshake=" + p.lastHandshake().get()
                + ", rx=" + p.rxBytes() + " tx=" + p.txBytes() + ")").orElse(""));
    }

    private static void manyPeers(KernelWireGuard wg) throws Exception {
        int n = 1000;
        String name = "wg2";
        wg.ensureInterface(name);
        SecureRandom rnd = new SecureRandom();
        List<PeerConfig> peers = new ArrayList<>(n);
        Map<String, Set<IpPrefix>> expected = new HashMap<>();
        Map<String, InetSocketAddress> endpoints = new HashMap<>();
        for (int i = 0; i < n; i++) {
            byte[] pub = new byte[32];
            rnd.nextBytes(pub);
            String v4 = "10." + (i / 256) + "." + (i % 256) + ".0/24";
            String v6 = "fd10::" + Integer.toHexString(i + 1) + "/128";
            InetSocketAddress ep = new InetSocketAddress(InetAddress.getByName("192.0.2." + (i % 250 + 1)), 40000 + i);
            peers.add(PeerConfig.upsert(pub, Optional.of(ep), List.of(IpPrefix.parse(v4), IpPrefix.parse(v6)), OptionalInt.empty()));
            String b64 = Base64.getEncoder().encodeToString(pub);
            expected.put(b64, Set.of(IpPrefix.parse(v4), IpPrefix.parse(v6)));
            endpoints.put(b64, ep);
        }
        DeviceConfig cfg = new DeviceConfig(Optional.of(WgKeyPair.generate()), OptionalInt.of(51822), OptionalInt.empty(), true, peers);
        for (int round = 1; round <= 3; round++) {
            long t = System.nanoTime();
            wg.configure(name, cfg);
            long ms = (System.nanoTime() - t) / 1_000_000;
            System.out.println("HIL-TIMING configure(" + n + " peers, 2 allowed IPs each) round " + round + ": " + ms + " ms");
        }
        long t = System.nanoTime();
        DeviceState s = wg.read(name).orElseThrow();
        System.out.println("HIL-TIMING read(" + n + " peers): " + (System.nanoTime() - t) / 1_000_000 + " ms");
        checkEq(n, s.peers().size(), name + " peer count");
        int bad = 0;
        String firstBad = "";
        for (PeerState p : s.peers()) {
            Set<IpPrefix> want = expected.get(p.publicKey());
            Set<IpPrefix> got = Set.copyOf(p.allowedIps());
            if (want == null || !want.equals(got) || !p.endpoint().equals(Optional.ofNullable(endpoints.get(p.publicKey())))) {
                if (bad++ == 0) {
                    firstBad = p.publicKey() + " allowed " + got + " (want " + want + ") endpoint " + p.endpoint() + " (want " + endpoints.get(p.publicKey()) + ")";
                }
            }
        }
        check(bad == 0, name + " every peer has its endpoint and exactly its 2 allowed IPs" + (bad == 0 ? "" : ": " + bad + " wrong, first " + firstBad));

        // replacePeers with 10 of them must remove the other 990.
        DeviceConfig fewer = new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), true, peers.subList(0, 10));
        t = System.nanoTime();
        wg.configure(name, fewer);
        System.out.println("HIL-TIMING configure(replacePeers, 10 of 1000): " + (System.nanoTime() - t) / 1_000_000 + " ms");
        checkEq(10, wg.read(name).orElseThrow().peers().size(), name + " peer count after replacePeers with 10");

        wg.deleteInterface(name);
        check(wg.read(name).isEmpty(), name + " read() empty after deleteInterface");
        wg.deleteInterface(name); // ENODEV is ignored
        check(!wg.interfaces().contains(name), name + " gone from interfaces()");
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs one edge case; an exception is a failed check, not the end of the run. */
    private static void step(String what, Step s) {
        try {
            s.run();
        } catch (Throwable t) {
            check(false, what + " threw " + t);
        }
    }

    private static List<IpPrefix> prefixes(int n, int thirdOctetBase) {
        List<IpPrefix> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(IpPrefix.parse("172." + (16 + (thirdOctetBase + i / 256) % 16) + "." + (i % 256) + ".0/24"));
        }
        return out;
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    private static void edgeCases(KernelWireGuard wg) {
        String n = "wg3";
        byte[] big = randomKey();
        byte[] other = randomKey();
        step("edge setup", () -> wg.ensureInterface(n));
        step("peer with 600 allowed IPs (split across messages, dump continuation)", () -> {
            List<IpPrefix> ips = prefixes(600, 0);
            wg.configure(n, new DeviceConfig(Optional.of(WgKeyPair.generate()), OptionalInt.of(0), OptionalInt.of(0x1234), true, List.of(
                    PeerConfig.upsert(other, Optional.of(new InetSocketAddress(InetAddress.getByName("fd00::99"), 51830)), List.of(IpPrefix.parse("fd99::/64")), OptionalInt.of(25)),
                    PeerConfig.upsert(big, Optional.empty(), ips, OptionalInt.empty()))));
            DeviceState s = wg.read(n).orElseThrow();
            // Port 0 asks for a random port, but the kernel only binds (and so only picks one) when the link goes up; wg3 stays down.
            checkEq(0, s.listenPort(), n + " listen port 0 on a down link");
            checkEq(0x1234, s.fwmark(), n + " fwmark");
            checkEq(2, s.peers().size(), n + " peer count");
            checkEq(Set.copyOf(ips), Set.copyOf(s.peer(Base64.getEncoder().encodeToString(big)).orElseThrow().allowedIps()), n + " 600 allowed IPs of one peer");
            checkEq(600, s.peer(Base64.getEncoder().encodeToString(big)).orElseThrow().allowedIps().size(), n + " 600 allowed IPs, no duplicates");
            PeerState o = s.peer(Base64.getEncoder().encodeToString(other)).orElseThrow();
            checkEq(Optional.of(new InetSocketAddress(InetAddress.getByName("fd00::99"), 51830)), o.endpoint(), n + " IPv6 endpoint");
            checkEq(25, o.persistentKeepalive(), n + " keepalive 25");
        });
        step("re-apply 600 IPs with replaceAllowedIps", () -> {
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                    List.of(PeerConfig.upsert(big, Optional.empty(), prefixes(600, 3), OptionalInt.empty()))));
            List<IpPrefix> got = wg.read(n).orElseThrow().peer(Base64.getEncoder().encodeToString(big)).orElseThrow().allowedIps();
            checkEq(Set.copyOf(prefixes(600, 3)), Set.copyOf(got), n + " replaced 600 allowed IPs by another 600 (set equal)");
        });
        step("shrink to 1 allowed IP", () -> {
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                    List.of(PeerConfig.upsert(big, Optional.empty(), List.of(IpPrefix.parse("198.51.100.0/24")), OptionalInt.empty()))));
            checkEq(List.of(IpPrefix.parse("198.51.100.0/24")), wg.read(n).orElseThrow().peer(Base64.getEncoder().encodeToString(big)).orElseThrow().allowedIps(),
                    n + " allowed IPs after replacing 600 by 1");
        });
        step("keepalive back to 0", () -> {
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                    List.of(PeerConfig.upsert(other, Optional.empty(), List.of(IpPrefix.parse("fd99::/64")), OptionalInt.of(0)))));
            checkEq(0, wg.read(n).orElseThrow().peer(Base64.getEncoder().encodeToString(other)).orElseThrow().persistentKeepalive(), n + " keepalive reset to 0");
        });
        step("updateOnly on an unknown peer", () -> {
            byte[] ghost = randomKey();
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                    List.of(new PeerConfig(ghost, Optional.empty(), Optional.empty(), OptionalInt.empty(), false, List.of(), false, true))));
            check(wg.read(n).orElseThrow().peer(Base64.getEncoder().encodeToString(ghost)).isEmpty(), n + " updateOnly did not create a peer");
        });
        step("removal", () -> {
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false, List.of(PeerConfig.removal(big))));
            checkEq(1, wg.read(n).orElseThrow().peers().size(), n + " peer count after PeerConfig.removal");
        });
        step("preshared key accepted", () -> {
            wg.configure(n, new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                    List.of(new PeerConfig(other, Optional.of(randomKey()), Optional.empty(), OptionalInt.empty(), false, List.of(), false, false))));
            check(true, n + " configure with a preshared key accepted");
        });
        step("ensureInterface on lo", () -> {
            try {
                wg.ensureInterface("lo");
                check(false, "ensureInterface(lo) should fail: lo is not a wireguard link");
            } catch (RuntimeException e) {
                check(true, "ensureInterface(lo) refused: " + e.getMessage());
            }
        });
        step("read on lo", () -> {
            try {
                Optional<DeviceState> r = wg.read("lo");
                check(r.isEmpty(), "read(lo) on a non-wireguard link: " + r);
            } catch (RuntimeException e) {
                check(true, "read(lo) refused: " + e.getMessage());
            }
        });
        step("read on a missing interface", () -> check(wg.read("nosuch0").isEmpty(), "read(nosuch0) is empty"));
        step("15-character name", () -> {
            String longName = "wg-abcdefghijkl";
            wg.ensureInterface(longName);
            wg.configure(longName, new DeviceConfig(Optional.of(WgKeyPair.generate()), OptionalInt.of(51840), OptionalInt.empty(), true, List.of()));
            checkEq(51840, wg.read(longName).orElseThrow().listenPort(), longName + " (15 chars) listen port");
            wg.deleteInterface(longName);
        });
        step("16-character name", () -> {
            try {
                wg.ensureInterface("wg-abcdefghijklm");
                check(false, "ensureInterface with a 16-character name should fail");
            } catch (RuntimeException e) {
                check(true, "16-character name refused: " + e.getMessage());
            }
        });
        step("edge teardown", () -> wg.deleteInterface(n));
    }

    /** One peer as both our read-back and `wg show dump` describe it, for comparing them with what was configured. */
    private record SeenPeer(String publicKey, Optional<InetSocketAddress> endpoint, Set<IpPrefix> allowedIps, int keepalive) {
        static SeenPeer of(PeerState p) {
            return new SeenPeer(p.publicKey(), p.endpoint(), Set.copyOf(p.allowedIps()), p.persistentKeepalive());
        }

        static SeenPeer of(PeerConfig p) {
            return new SeenPeer(Base64.getEncoder().encodeToString(p.publicKey()), p.endpoint(), Set.copyOf(p.allowedIps()),
                    p.persistentKeepalive().orElse(0));
        }

        /** A peer line of `wg show <if> dump`: key, psk, endpoint, allowed IPs, handshake, rx, tx, keepalive. */
        static SeenPeer ofDump(String line) throws Exception {
            String[] f = line.split("\t");
            Optional<InetSocketAddress> ep = Optional.empty();
            if (!f[2].equals("(none)")) {
                int colon = f[2].lastIndexOf(':');
                String host = f[2].substring(0, colon).replace("[", "").replace("]", "");
                ep = Optional.of(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(f[2].substring(colon + 1))));
            }
            Set<IpPrefix> ips = new HashSet<>();
            if (!f[3].equals("(none)")) {
                for (String ip : f[3].split(",")) {
                    ips.add(IpPrefix.parse(ip));
                }
            }
            return new SeenPeer(f[0], ep, Set.copyOf(ips), f[7].equals("off") ? 0 : Integer.parseInt(f[7]));
        }
    }

    /** Runs a tool in the guest and returns its standard output; a non-zero exit is an exception naming the command. */
    private static String tool(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + (p.isAlive() ? "none, timed out" : p.exitValue()) + "): " + out);
        }
        return out;
    }

    private static double ms(Step t) throws Exception {
        long t0 = System.nanoTime();
        t.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String summary(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("median %.1f ms, min %.1f, max %.1f, rounds %s", median(v), s[0], s[s.length - 1],
                Arrays.toString(Arrays.stream(v).map(x -> Math.round(x * 10) / 10.0).toArray()));
    }

    /** Compares what was read back with what was configured: the verdict of the benchmark, whatever the times. */
    private static void checkPeers(Map<String, SeenPeer> want, List<SeenPeer> got, String what) {
        int wrong = 0;
        String first = "";
        Set<String> seen = new HashSet<>();
        for (SeenPeer p : got) {
            seen.add(p.publicKey());
            if (!p.equals(want.get(p.publicKey())) && wrong++ == 0) {
                first = "read " + p + ", configured " + want.get(p.publicKey());
            }
        }
        check(got.size() == want.size() && seen.equals(want.keySet()) && wrong == 0, what + ": " + got.size() + " of " + want.size()
                + " peers, " + seen.size() + " distinct, " + wrong + " differ" + (wrong == 0 ? "" : ", first: " + first));
    }

    private static List<SeenPeer> dumpPeers(String dump, String ifname, String publicKey, int port) throws Exception {
        String[] lines = dump.split("\n");
        String[] dev = lines[0].split("\t");
        check(dev.length == 4 && dev[1].equals(publicKey) && dev[2].equals(Integer.toString(port)),
                "wg show " + ifname + " dump: interface line has our public key and port " + port);
        List<SeenPeer> out = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            out.add(SeenPeer.ofDump(lines[i]));
        }
        return out;
    }

    /**
     * Kernel-side benchmark: the same {@code n} peers (endpoint, one allowed IP, keepalive 25, as in scripts/bench-wg)
     * configured on one interface through KernelWireGuard.configure (WG_CMD_SET_DEVICE in its batches of 32 peers) and on
     * another with `wg setconf` from a file, alternating which goes first; each round starts from an interface emptied
     * of peers (untimed). Then the read-back: our get-device dump into DeviceState against `wg show <if> dump`. Both
     * interfaces stay down, so no handshake traffic competes. `wg` times include its process start; the spawn cost
     * alone is timed with /bin/true. The checks: each side reads back exactly the configured peers, both ways round.
     */
    private static void benchmark(KernelWireGuard wg, int n, int rounds) throws Exception {
        String ours = "hb-ours";
        String theirs = "hb-wg";
        int oursPort = 51860;
        int theirsPort = 51861;
        WgKeyPair self = WgKeyPair.generate();
        SecureRandom rnd = new SecureRandom();
        List<PeerConfig> peers = new ArrayList<>(n);
        Map<String, SeenPeer> want = new HashMap<>();
        StringBuilder conf = new StringBuilder("[Interface]\nPrivateKey = " + self.privateBase64() + "\nListenPort = " + theirsPort + "\n");
        for (int i = 0; i < n; i++) {
            byte[] pub = new byte[32];
            rnd.nextBytes(pub);
            String ip = "100." + (64 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255);
            InetSocketAddress ep = new InetSocketAddress(InetAddress.getByName("192.0.2." + (1 + i % 250)), 51820 + i / 250);
            PeerConfig p = PeerConfig.upsert(pub, Optional.of(ep), List.of(IpPrefix.parse(ip + "/32")), OptionalInt.of(25));
            peers.add(p);
            want.put(Base64.getEncoder().encodeToString(pub), SeenPeer.of(p));
            conf.append("\n[Peer]\nPublicKey = ").append(Base64.getEncoder().encodeToString(pub)).append("\nEndpoint = ")
                    .append(ep.getAddress().getHostAddress()).append(':').append(ep.getPort()).append("\nAllowedIPs = ").append(ip)
                    .append("/32\nPersistentKeepalive = 25\n");
        }
        Path confFile = Path.of("/tmp/hil-bench-wg.conf");
        Files.writeString(confFile, conf.toString());
        DeviceConfig full = new DeviceConfig(Optional.of(self), OptionalInt.of(oursPort), OptionalInt.empty(), true, peers);
        DeviceConfig empty = new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), true, List.of());
        wg.ensureInterface(ours);
        wg.ensureInterface(theirs);
        try {
            double[] spawn = new double[rounds];
            double[] set = new double[rounds];
            double[] setconf = new double[rounds];
            double[] reset = new double[rounds];
            Step setOurs = () -> wg.configure(ours, full);
            Step setconfTool = () -> tool("wg", "setconf", theirs, confFile.toString());
            for (int r = 0; r < rounds; r++) {
                wg.configure(ours, empty);
                reset[r] = ms(() -> wg.configure(theirs, empty));
                spawn[r] = ms(() -> tool("/bin/true"));
                if (r % 2 == 0) {
                    set[r] = ms(setOurs);
                    setconf[r] = ms(setconfTool);
                } else {
                    setconf[r] = ms(setconfTool);
                    set[r] = ms(setOurs);
                }
            }
            double[] read = new double[rounds];
            double[] show = new double[rounds];
            List<List<SeenPeer>> lastRead = new ArrayList<>(List.of(List.of()));
            String[] lastDump = {""};
            for (int r = 0; r < rounds; r++) {
                Step ourRead = () -> lastRead.set(0, wg.read(ours).orElseThrow().peers().stream().map(SeenPeer::of).toList());
                Step wgShow = () -> lastDump[0] = tool("wg", "show", ours, "dump");
                if (r % 2 == 0) {
                    read[r] = ms(ourRead);
                    show[r] = ms(wgShow);
                } else {
                    show[r] = ms(wgShow);
                    read[r] = ms(ourRead);
                }
            }
            int messages = WgNetlink.setDevice(0, ours, full).size(); // the batches configure sends
            System.out.println("HIL-TIMING bench " + n + " peers: set-device, ours (KernelWireGuard.configure, " + messages
                    + " messages): " + summary(set));
            System.out.println("HIL-TIMING bench " + n + " peers: wg setconf (same peers, from a file, incl. process start): " + summary(setconf));
            System.out.println("HIL-TIMING bench " + n + " peers: ratio wg setconf / ours (medians): " + String.format("%.2fx", median(setconf) / median(set)));
            System.out.println("HIL-TIMING bench " + n + " peers: get-device, ours (KernelWireGuard.read into DeviceState): " + summary(read));
            System.out.println("HIL-TIMING bench " + n + " peers: wg show dump (incl. process start): " + summary(show));
            System.out.println("HIL-TIMING bench " + n + " peers: ratio wg show dump / ours (medians): " + String.format("%.2fx", median(show) / median(read)));
            System.out.println("HIL-TIMING bench process start alone (/bin/true): " + summary(spawn));
            System.out.println("HIL-TIMING bench emptying " + n + " peers (untimed in the rounds above): " + summary(reset));

            checkPeers(want, lastRead.get(0), "bench: our read of what we configured on " + ours);
            checkPeers(want, dumpPeers(lastDump[0], ours, self.publicBase64(), oursPort), "bench: wg show dump of what we configured on " + ours);
            checkPeers(want, wg.read(theirs).orElseThrow().peers().stream().map(SeenPeer::of).toList(),
                    "bench: our read of what wg setconf configured on " + theirs);
            checkPeers(want, dumpPeers(tool("wg", "show", theirs, "dump"), theirs, self.publicBase64(), theirsPort),
                    "bench: wg show dump of what wg setconf configured on " + theirs);
        } finally {
            emptyAndDelete(wg, ours, empty);
            emptyAndDelete(wg, theirs, empty);
        }
    }

    /**
     * Deletes a link after removing its peers. Deleting a link that still holds 1,000 peers took 12-13 s in this guest,
     * removing them first with set-device replace-peers about 15 ms and the deletion then about 50 ms.
     */
    private static void emptyAndDelete(KernelWireGuard wg, String name, DeviceConfig empty) {
        try {
            wg.configure(name, empty);
        } catch (RuntimeException e) {
            System.out.println("HIL-INFO emptying " + name + " before deleting it failed (" + e.getMessage() + "); deleting it anyway");
        }
        wg.deleteInterface(name);
    }
}
