import io.patronus.appliance.netlink.route.Link;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.wg.DeviceConfig;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.KernelWireGuard;
import io.patronus.appliance.wg.PeerConfig;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.IpPrefix;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hardware-in-the-loop driver: runs inside the QEMU guest (kernel with wireguard.ko loaded) and drives our
 * KernelWireGuard and RouteNetlink against the real kernel. Prints "HIL-CHECK ok|FAIL ..." per check,
 * "HIL-EXPECT <normalised wg dump line>" for /init to compare with `wg show all dump`, and finally
 * "HIL-DRIVER-RESULT PASS|FAIL". Never throws out of main: every failure becomes a FAIL line.
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
            twoInterfaces(wg, rt, k0, k1);
            manyPeers(wg);
            edgeCases(wg);
        }
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
}
