package io.patronus.appliance.dataplane;

import io.patronus.appliance.netlink.LibC;
import io.patronus.appliance.netlink.route.RouteNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reserved-ports value's parsing and merging, and the reservation for real in a network namespace the test
 * creates: the kernel stops handing the WireGuard ports to sockets bound to port 0, and the host's own setting is
 * left alone.
 */
class PortReservationsTest {
    private final String ns = "patronus-prt-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
    private final Path nsFile = Path.of("/var/run/netns", ns);

    @AfterEach
    void removeNamespace() throws Exception {
        new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void merged_addsMissingPortsAndKeepsTheOperatorsOwn() {
        assertEquals(Optional.of("8080,51820-51821"), PortReservations.merged("8080\n", Set.of(51820, 51821)));
        assertEquals(Optional.of("51820-51822"), PortReservations.merged("", Set.of(51820, 51822, 51821)));
        assertEquals(Optional.of("1000-2000,51820"), PortReservations.merged("1000-2000", Set.of(51820)));
    }

    @Test
    void merged_portsAlreadyReserved_writesNothing() {
        assertEquals(Optional.empty(), PortReservations.merged("50000-52000\n", Set.of(51820, 51821)));
        assertEquals(Optional.empty(), PortReservations.merged("51821,51820", Set.of(51820, 51821)));
    }

    @Test
    void parse_malformedValue_namesThePart() {
        DataPlaneException e = assertThrows(DataPlaneException.class, () -> PortReservations.parse("8080,abc-5"));
        assertTrue(e.getMessage().contains("'abc-5'"), e.getMessage());
        DataPlaneException reversed = assertThrows(DataPlaneException.class, () -> PortReservations.parse("9-3"));
        assertTrue(reversed.getMessage().contains("'9-3' in '9-3' is not a port range"), reversed.getMessage());
        DataPlaneException port = assertThrows(DataPlaneException.class, () -> PortReservations.merged("", Set.of(70000)));
        assertTrue(port.getMessage().contains("70000 is not a port"), port.getMessage());
    }

    @Test
    void reservePorts_inANamespace_ephemeralBindsNeverDrawThem_andTheHostIsUntouched() throws Exception {
        run("ip", "netns", "add", ns);
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_local_reserved_ports=8080");
        // Three ephemeral ports in all, two of them WireGuard's: without the reservation a bind to port 0 draws
        // 51820 or 51821 two times in three.
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=51819 51821");
        String hostBefore = Files.readString(PortReservations.FILE);
        try (RouteNetlink rtnl = RouteNetlink.open(Optional.of(nsFile))) {
            NetlinkHostNetwork net = new NetlinkHostNetwork(rtnl);

            net.reservePorts(Set.of(51820, 51821));
            net.reservePorts(Set.of(51820, 51821)); // again: nothing to do

            assertEquals("8080,51820-51821", run("ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_local_reserved_ports").strip());
        }
        assertEquals(hostBefore, Files.readString(PortReservations.FILE), "the host's own reserved ports");
        Set<Integer> drawn = inNamespace(() -> {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    ports.add(s.getLocalPort());
                }
            }
            // An explicit bind, as a WireGuard device's, still gets a reserved port.
            try (DatagramSocket wg = new DatagramSocket(new InetSocketAddress("127.0.0.1", 51820))) {
                assertEquals(51820, wg.getLocalPort());
            }
            return ports;
        });
        assertEquals(Set.of(51819), drawn);
    }

    @Test
    void reservePorts_namespaceGone_warnsAndKeepsGoing() throws Exception {
        run("ip", "netns", "add", ns);
        try (RouteNetlink rtnl = RouteNetlink.open(Optional.of(nsFile))) {
            NetlinkHostNetwork net = new NetlinkHostNetwork(rtnl);
            run("ip", "netns", "del", ns); // nsenter can no longer reach it by its file

            net.reservePorts(Set.of(51820));

            assertFalse(Files.exists(nsFile));
        }
    }

    private interface InNamespace<T> {
        T call() throws Exception;
    }

    /** Runs {@code body} on a fresh thread that has entered the test's namespace (setns changes only that thread). */
    private <T> T inNamespace(InNamespace<T> body) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                LibC c = LibC.get();
                int fd = c.open(nsFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
                if (fd < 0 || c.setns(fd, LibC.CLONE_NEWNET) < 0) {
                    throw new IllegalStateException("cannot enter " + nsFile + ": errno " + LibC.errno());
                }
                c.close(fd);
                result.set(body.call());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError("in namespace " + ns, e);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result.get();
        return value;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
