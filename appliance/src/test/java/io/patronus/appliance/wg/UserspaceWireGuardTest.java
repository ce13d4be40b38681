package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real wireguard-go in two network namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2), tunnel addresses
 * 100.64.0.1 and 100.64.0.2: our UAPI backend builds the tunnel, traffic crosses it, and adding a peer leaves the
 * live one's session alone.
 */
class UserspaceWireGuardTest {
    private final String ns = "patronus-wgt-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
    private final List<UserspaceWireGuard> backends = new ArrayList<>();

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /**
     * Stops every wireguard-go through the backends, then, as a safety net for a failed test, kills whatever still runs
     * inside the namespaces this test created (deleting a namespace does not end its processes), then deletes them.
     */
    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (UserspaceWireGuard b : backends) {
                try {
                    for (String i : b.interfaces()) {
                        b.deleteInterface(i);
                    }
                } finally {
                    b.close();
                }
            }
        } finally {
            for (String n : List.of(ns + "-a", ns + "-b")) {
                Process pids = new ProcessBuilder("ip", "netns", "pids", n).redirectErrorStream(true).start();
                String out = new String(pids.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                pids.waitFor(10, TimeUnit.SECONDS);
                out.lines().map(String::strip).filter(l -> l.matches("\\d+")).map(Long::parseLong)
                        .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                new ProcessBuilder("ip", "netns", "del", n).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code wg show NAME dump} run against the private socket directory of a backend. */
    static String wgDump(String netns, Path socketDir, String name) throws Exception {
        return run("ip", "netns", "exec", netns, "unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /var/run/wireguard && wg show \"$1\" dump", socketDir.toString(), name);
    }

    @Test
    void tunnelBetweenTwoNamespaces_carriesTraffic_andAddingAPeerKeepsTheLiveSession(@TempDir Path dir) throws Exception {
        String a = ns + "-a";
        String b = ns + "-b";
        run("ip", "netns", "add", a);
        run("ip", "netns", "add", b);
        run("ip", "-n", a, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", b);
        run("ip", "-n", a, "addr", "add", "192.0.2.1/24", "dev", "veth0");
        run("ip", "-n", b, "addr", "add", "192.0.2.2/24", "dev", "veth0");
        run("ip", "-n", a, "link", "set", "veth0", "up");
        run("ip", "-n", b, "link", "set", "veth0", "up");

        UserspaceWireGuard wa = new UserspaceWireGuard(dir.resolve("a"), Optional.of(a));
        UserspaceWireGuard wb = new UserspaceWireGuard(dir.resolve("b"), Optional.of(b));
        backends.add(wa);
        backends.add(wb);
        WgKeyPair ka = WgKeyPair.generate();
        WgKeyPair kb = WgKeyPair.generate();
        wa.ensureInterface("wg-fiber");
        wb.ensureInterface("wg-fiber");
        assertEquals(List.of("wg-fiber"), wa.interfaces());
        wa.configure("wg-fiber", new DeviceConfig(Optional.of(ka), OptionalInt.of(51820), OptionalInt.empty(), false,
                List.of(PeerConfig.upsert(kb.publicKey(), Optional.of(new InetSocketAddress("192.0.2.2", 51820)),
                        List.of(IpPrefix.parse("100.64.0.2/32")), OptionalInt.of(25)))));
        wb.configure("wg-fiber", new DeviceConfig(Optional.of(kb), OptionalInt.of(51820), OptionalInt.empty(), false,
                List.of(PeerConfig.upsert(ka.publicKey(), Optional.of(new InetSocketAddress("192.0.2.1", 51820)),
                        List.of(IpPrefix.parse("100.64.0.1/32")), OptionalInt.of(25)))));
        run("ip", "-n", a, "addr", "add", "100.64.0.1/30", "dev", "wg-fiber");
        run("ip", "-n", b, "addr", "add", "100.64.0.2/30", "dev", "wg-fiber");
        run("ip", "-n", a, "link", "set", "wg-fiber", "up");
        run("ip", "-n", b, "link", "set", "wg-fiber", "up");

        run("ip", "netns", "exec", a, "ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.0.2");

        DeviceState sa = wa.read("wg-fiber").orElseThrow();
        assertEquals(Optional.of(ka.publicBase64()), sa.publicKey());
        assertEquals(51820, sa.listenPort());
        PeerState peer = sa.peer(kb.publicBase64()).orElseThrow();
        assertTrue(peer.lastHandshake().isPresent(), "handshake happened: " + peer);
        assertTrue(peer.rxBytes() > 0 && peer.txBytes() > 0, peer.toString());
        assertEquals(List.of(IpPrefix.parse("100.64.0.2/32")), peer.allowedIps());
        // Cross-check with wg(8), which finds the socket through the same private /var/run/wireguard.
        String dump = wgDump(a, dir.resolve("a"), "wg-fiber");
        String[] device = dump.lines().findFirst().orElseThrow().split("\t");
        assertEquals(ka.publicBase64(), device[1], dump);
        assertEquals("51820", device[2], dump);
        String[] wgPeer = dump.lines().skip(1).findFirst().orElseThrow().split("\t");
        assertEquals(kb.publicBase64(), wgPeer[0], dump);
        assertEquals("192.0.2.2:51820", wgPeer[2], dump);
        assertEquals(peer.lastHandshake().orElseThrow().getEpochSecond(), Long.parseLong(wgPeer[4]), dump);
        assertEquals("100.64.0.2/32", wgPeer[3], dump);
        assertTrue(Long.parseLong(wgPeer[5]) >= peer.rxBytes() && Long.parseLong(wgPeer[6]) >= peer.txBytes(), dump + " vs " + peer);
        assertEquals("25", wgPeer[7], dump);

        // Adding a second peer must not disturb the first one's session or counters.
        WgKeyPair third = WgKeyPair.generate();
        wa.configure("wg-fiber", new DeviceConfig(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), false,
                List.of(PeerConfig.upsert(third.publicKey(), Optional.of(new InetSocketAddress("192.0.2.3", 51820)),
                        List.of(IpPrefix.parse("100.64.0.3/32")), OptionalInt.empty()))));
        PeerState after = wa.read("wg-fiber").orElseThrow().peer(kb.publicBase64()).orElseThrow();
        assertEquals(peer.lastHandshake(), after.lastHandshake(), "handshake of the live peer unchanged");
        assertTrue(after.rxBytes() >= peer.rxBytes() && after.txBytes() >= peer.txBytes(), "counters not reset: " + peer + " then " + after);
        assertEquals(peer.endpoint(), after.endpoint());
        assertEquals(2, wa.read("wg-fiber").orElseThrow().peers().size());
        run("ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "2", "100.64.0.2");

        wa.deleteInterface("wg-fiber");
        assertTrue(wa.read("wg-fiber").isEmpty());
        assertTrue(wa.interfaces().isEmpty());
    }

    @Test
    void killedWireGuardGo_isRestarted_andGetsItsConfigurationBack(@TempDir Path dir) throws Exception {
        String a = ns + "-a";
        run("ip", "netns", "add", a);
        java.util.concurrent.BlockingQueue<String> restarted = new java.util.concurrent.LinkedBlockingQueue<>();
        UserspaceWireGuard w = new UserspaceWireGuard(dir.resolve("a"), Optional.of(a), restarted::add);
        backends.add(w);
        WgKeyPair k = WgKeyPair.generate();
        WgKeyPair peer = WgKeyPair.generate();
        w.ensureInterface("wg-x");
        w.configure("wg-x", new DeviceConfig(Optional.of(k), OptionalInt.of(51999), OptionalInt.of(42), false,
                List.of(PeerConfig.upsert(peer.publicKey(), Optional.of(new InetSocketAddress("192.0.2.7", 51820)),
                        List.of(IpPrefix.parse("100.64.1.0/24")), OptionalInt.of(10)))));
        DeviceState before = w.read("wg-x").orElseThrow();
        long pid = w.pid("wg-x").orElseThrow();
        assertEquals("/usr/bin/wireguard-go", ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow(),
                "the launch chain execs into wireguard-go, so the pid we supervise is wireguard-go's");

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        assertEquals("wg-x", restarted.poll(20, TimeUnit.SECONDS), "restart listener called");
        assertEquals(1, w.restarts("wg-x"));
        long newPid = w.pid("wg-x").orElseThrow();
        assertTrue(newPid != pid, "a new process");
        DeviceState after = w.read("wg-x").orElseThrow();
        assertEquals(before.publicKey(), after.publicKey());
        assertEquals(51999, after.listenPort());
        assertEquals(42, after.fwmark());
        PeerState p = after.peer(peer.publicBase64()).orElseThrow();
        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24")), p.allowedIps());
        assertEquals(Optional.of(new InetSocketAddress("192.0.2.7", 51820)), p.endpoint());
        assertEquals(10, p.persistentKeepalive());

        w.deleteInterface("wg-x");
        assertTrue(ProcessHandle.of(newPid).map(ProcessHandle::isAlive).orElse(false) == false, "stopped on delete");
        assertTrue(w.read("wg-x").isEmpty());
    }

    @Test
    void uapiErrno_fromRealWireGuardGo_isFailure_andSocketDirIsPrivate(@TempDir Path dir) throws Exception {
        String a = ns + "-a";
        run("ip", "netns", "add", a);
        UserspaceWireGuard w = new UserspaceWireGuard(dir.resolve("a"), Optional.of(a));
        backends.add(w);
        w.ensureInterface("wg-e");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(dir.resolve("a"))));
        int errno = UapiCodec.errno(UapiClient.exchange(dir.resolve("a").resolve("wg-e.sock"), "set=1\nno_such_key=1\n\n"));
        assertTrue(errno != 0, "wireguard-go rejects an unknown key, errno " + errno);
        assertEquals(List.of("wg-e"), w.interfaces());
        // the interface is not visible outside its namespace
        assertTrue(!run("ip", "link", "show").contains("wg-e:"));
        assertTrue(run("ip", "-n", a, "link", "show", "wg-e").contains("wg-e"));
    }

    @Test
    void close_leavesWireGuardGoRunning_andTheNextBackendAdoptsAndCanDeleteIt(@TempDir Path dir) throws Exception {
        String a = ns + "-a";
        run("ip", "netns", "add", a);
        UserspaceWireGuard first = new UserspaceWireGuard(dir.resolve("a"), Optional.of(a));
        backends.add(first);
        WgKeyPair k = WgKeyPair.generate();
        first.ensureInterface("wg-y");
        first.configure("wg-y", new DeviceConfig(Optional.of(k), OptionalInt.of(51998), OptionalInt.empty(), false, List.of()));
        long pid = first.pid("wg-y").orElseThrow();
        first.close();
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "tunnels outlive the appliance process");

        UserspaceWireGuard second = new UserspaceWireGuard(dir.resolve("a"), Optional.of(a));
        backends.add(second);
        second.ensureInterface("wg-y");
        assertEquals(Optional.of(k.publicBase64()), second.read("wg-y").orElseThrow().publicKey(), "adopted, not restarted");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        second.deleteInterface("wg-y");
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        assertTrue(second.interfaces().isEmpty());
    }

    @Test
    void configuringAMissingInterface_isAClearError(@TempDir Path dir) {
        UserspaceWireGuard w = new UserspaceWireGuard(dir, Optional.empty());
        WireGuardException e = org.junit.jupiter.api.Assertions.assertThrows(WireGuardException.class,
                () -> w.configure("wg-none", new DeviceConfig(Optional.empty(), OptionalInt.of(1), OptionalInt.empty(), false, List.of())));
        assertTrue(e.getMessage().contains("wg-none.sock does not exist"), e.getMessage());
    }

    @Test
    void configure_listenPortTakenInTheNamespace_namesThePortAndSummarisesThePeers(@TempDir Path dir) throws Exception {
        String a = ns + "-a";
        run("ip", "netns", "add", a);
        UserspaceWireGuard w = new UserspaceWireGuard(dir, Optional.of(a));
        backends.add(w);
        w.ensureInterface("wg-one");
        w.ensureInterface("wg-two");
        w.configure("wg-one", new DeviceConfig(Optional.of(WgKeyPair.generate()), OptionalInt.of(51999), OptionalInt.empty(), true, List.of()));
        List<PeerConfig> peers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            peers.add(PeerConfig.upsert(WgKeyPair.generate().publicKey(), Optional.empty(),
                    List.of(IpPrefix.parse("100.64.1." + i + "/32")), OptionalInt.empty()));
        }
        DeviceConfig clash = new DeviceConfig(Optional.of(WgKeyPair.generate()), OptionalInt.of(51999), OptionalInt.empty(), true, peers);

        WireGuardException e = org.junit.jupiter.api.Assertions.assertThrows(WireGuardException.class, () -> w.configure("wg-two", clash));

        assertTrue(e.getMessage().contains("listen port 51999 is already in use"), e.getMessage());
        assertTrue(e.getMessage().contains("(50 peers)"), e.getMessage());
        assertTrue(e.getMessage().length() < 1000, "an operator reads this in a log line: " + e.getMessage().length() + " chars");
    }
}
