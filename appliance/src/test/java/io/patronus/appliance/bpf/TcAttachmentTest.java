package io.patronus.appliance.bpf;

import io.patronus.appliance.netlink.LibC;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.route.RouteNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import static io.patronus.appliance.bpf.BpfTestSupport.counter;
import static io.patronus.appliance.bpf.BpfTestSupport.experimentalFrame;
import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static io.patronus.appliance.bpf.BpfTestSupport.run;
import static io.patronus.appliance.bpf.BpfTestSupport.u32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Attaching programs to a real veth pair {@code pt-XXXXa}/{@code pt-XXXXb} in the host namespace (no addresses, no
 * routes, IPv6 off so that the kernel sends nothing by itself), then sending raw frames of an experimental
 * ethertype with a packet socket and counting them in the program's map. Both ends are deleted after every test,
 * which also removes clsact qdiscs and defuncts tcx links; pins live under a fresh bpffs directory, deleted too.
 */
class TcAttachmentTest {
    private static final int AF_PACKET = 17;

    private String a;
    private String b;
    private int ifA;
    private int ifB;
    private Path pinDir;
    private RouteNetlink rt;

    @BeforeEach
    void createVethPair() throws IOException {
        BpfTestSupport.assumeRoot();
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/tc")) || Files.isExecutable(Path.of("/sbin/tc")), "needs iproute2's tc");
        String id = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        a = "pt-" + id + "a";
        b = "pt-" + id + "b";
        rt = RouteNetlink.open();
        rt.addVethPair(a, b);
        for (String name : new String[] {a, b}) {
            // No IPv6 link-local address, hence no DAD, router or MLD traffic to pollute the counts.
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6"), "1");
            rt.setUp(name, true);
        }
        ifA = rt.index(a);
        ifB = rt.index(b);
        pinDir = BpfTestSupport.newPinDirectory();
    }

    @AfterEach
    void deleteVethPairAndPins() {
        try {
            if (rt != null) {
                try {
                    rt.deleteLink(a);
                } catch (NetlinkException e) {
                    // already gone (a test deleted it)
                } finally {
                    rt.close();
                }
            }
        } finally {
            BpfTestSupport.deleteTree(pinDir);
        }
    }

    @ParameterizedTest
    @EnumSource(value = AttachMode.class, names = {"TCX", "CLSACT"})
    void attach_ingress_countsAdoptsAfterCloseReplacesAndDetaches(AttachMode mode) throws Exception {
        Path link = pinDir.resolve("link-ingress");
        Path passPins = pinDir.resolve("pass");
        Path twoPins = pinDir.resolve("two");
        int passId;
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(passPins));
             TcAttachment attached = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, link, mode)) {
            passId = pass.program("test_pass").id();
            assertEquals(mode, attached.mode());
            assertEquals(ifB, attached.ifindex());
            assertEquals(TcDirection.INGRESS, attached.direction());
            assertEquals(passId, attached.programId());
            String filters = run("tc", "filter", "show", "dev", b, "ingress");
            if (mode == AttachMode.CLSACT) {
                assertTrue(filters.contains("pref 1 bpf") && filters.contains("handle 0x1 test_pass direct-action")
                        && filters.contains(" id " + passId + " "), filters);
                assertFalse(Files.exists(link), "clsact writes nothing to disk");
            } else {
                assertEquals("", filters.strip(), "tcx needs no tc filter");
                assertTrue(Files.exists(link));
            }
            send(ifA, 5);
            await(() -> counter(pass.map("test_counter"), 0), 5);
        }

        // Everything of ours is closed, as after an appliance crash: the program still sees the traffic.
        try (BpfMap passCounter = BpfMap.open(passPins.resolve("test_counter"))) {
            send(ifA, 3);
            await(() -> counter(passCounter, 0), 8);

            TcAttachment adopted = TcAttachment.adopt(ifB, TcDirection.INGRESS, link).orElseThrow();
            assertEquals(mode, adopted.mode());
            assertEquals(passId, adopted.programId(), "adoption does not disturb the attachment");

            try (BpfObject two = BpfObject.load(object("bpf_test_two"), LoadOptions.pinnedAt(twoPins))) {
                BpfProgram second = two.program("count_second");
                adopted.replaceProgram(second);
                assertEquals(second.id(), adopted.programId());
                send(ifA, 4);
                await(() -> counter(two.map("test_counter"), 1), 4);
                assertEquals(8, counter(passCounter, 0), "the old program no longer runs");
                assertEquals(0, counter(two.map("test_counter"), 0));

                adopted.detach();
                assertThrows(IllegalStateException.class, adopted::programId);
                assertEquals(Optional.empty(), TcAttachment.adopt(ifB, TcDirection.INGRESS, link));
                assertFalse(Files.exists(link));
                assertEquals("", run("tc", "filter", "show", "dev", b, "ingress").strip());
                assertFalse(run("tc", "qdisc", "show", "dev", b).contains("clsact"), "our last filter took the qdisc with it");
                send(ifA, 2);
                Thread.sleep(300);
                assertEquals(4, counter(two.map("test_counter"), 1), "detached: nothing counts any more");
                assertEquals(8, counter(passCounter, 0));
                adopted.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = AttachMode.class, names = {"TCX", "CLSACT"})
    void attach_egress_countsFramesSentFromTheInterface(AttachMode mode) throws Exception {
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults());
             TcAttachment attached = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.EGRESS,
                     pinDir.resolve("link-egress"), mode)) {
            send(ifA, 2); // arrives on b's ingress: not counted
            send(ifB, 3);
            await(() -> counter(pass.map("test_counter"), 0), 3);
            Thread.sleep(100);
            assertEquals(3, counter(pass.map("test_counter"), 0));
            assertTrue(TcAttachment.adopt(ifB, TcDirection.INGRESS, pinDir.resolve("link-ingress")).isEmpty());
            attached.detach();
        }
    }

    @ParameterizedTest
    @EnumSource(value = AttachMode.class, names = {"TCX", "CLSACT"})
    void attach_whenOursIsAlreadyThere_refusedWithAdoptHint(AttachMode mode) {
        Path link = pinDir.resolve("link");
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults());
             TcAttachment first = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, link, mode)) {
            BpfException e = assertThrows(BpfException.class,
                    () -> TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, link, mode));
            assertTrue(e.getMessage().contains("adopt() it or detach() it first"), e.getMessage());
            assertEquals(pass.program("test_pass").id(), first.programId(), "the refused attach changed nothing");
            first.detach();
        }
    }

    @Test
    void detach_clsactWithOtherHookInUse_keepsQdiscUntilTheLastFilter() {
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            TcAttachment in = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, pinDir.resolve("i"), AttachMode.CLSACT);
            TcAttachment out = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.EGRESS, pinDir.resolve("e"), AttachMode.CLSACT);
            in.detach();
            assertTrue(run("tc", "qdisc", "show", "dev", b).contains("clsact"), "the egress filter still needs it");
            assertTrue(TcAttachment.adopt(ifB, TcDirection.EGRESS, pinDir.resolve("e")).isPresent());
            out.detach();
            assertFalse(run("tc", "qdisc", "show", "dev", b).contains("clsact"));
        }
    }

    @Test
    void adopt_tcxLinkOfDeletedInterface_emptyAndStalePinRemoved() {
        Path link = pinDir.resolve("link");
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, link, AttachMode.TCX).close();
        }
        rt.deleteLink(a);
        assertTrue(Files.exists(link));
        assertEquals(Optional.empty(), TcAttachment.adopt(ifB, TcDirection.INGRESS, link));
        assertFalse(Files.exists(link), "a defunct link's pin is dropped so that a new link can be pinned there");
    }

    @Test
    void adopt_tcxLinkOfOtherDirection_refusedNamingBoth() {
        Path link = pinDir.resolve("link");
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults());
             TcAttachment attached = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, link, AttachMode.TCX)) {
            BpfException e = assertThrows(BpfException.class, () -> TcAttachment.adopt(ifB, TcDirection.EGRESS, link));
            assertTrue(e.getMessage().contains("attached to interface " + ifB + " ingress, not to interface " + ifB + " egress"),
                    e.getMessage());
            attached.detach();
        }
    }

    @Test
    void adopt_nothingAttached_empty() {
        assertEquals(Optional.empty(), TcAttachment.adopt(ifB, TcDirection.INGRESS, pinDir.resolve("none")));
        assertEquals(Optional.empty(), TcAttachment.adopt(ifB, TcDirection.EGRESS, pinDir.resolve("none")));
    }

    @Test
    void attach_auto_takesTcxWhenTheKernelHasIt() {
        try (BpfObject pass = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults());
             TcAttachment attached = TcAttachment.attach(pass.program("test_pass"), ifB, TcDirection.INGRESS, pinDir.resolve("link"),
                     AttachMode.AUTO)) {
            assertEquals(TcAttachment.tcxSupported() ? AttachMode.TCX : AttachMode.CLSACT, attached.mode());
            String release = System.getProperty("os.version");
            int major = Integer.parseInt(release.split("\\.")[0]);
            int minor = Integer.parseInt(release.split("\\.")[1]);
            assertEquals(major > 6 || major == 6 && minor >= 6, TcAttachment.tcxSupported(), "tcx arrived in Linux 6.6");
            attached.detach();
        }
    }

    /** Writes {@code count} raw frames out of interface {@code ifindex} through an AF_PACKET socket. */
    private static void send(int ifindex, int count) {
        LibC c = LibC.get();
        int fd = c.socket(AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, "socket(AF_PACKET) failed, errno " + LibC.errno());
        try {
            byte[] frame = experimentalFrame();
            // sockaddr_ll: u16 family, be16 protocol, i32 ifindex, u16 hatype, u8 pkttype, u8 halen, u8 addr[8]
            byte[] addr = new byte[20];
            addr[0] = AF_PACKET;
            addr[2] = frame[12];
            addr[3] = frame[13];
            System.arraycopy(u32(ifindex), 0, addr, 4, 4);
            addr[11] = 6;
            System.arraycopy(frame, 0, addr, 12, 6);
            for (int i = 0; i < count; i++) {
                long n = c.sendto(fd, frame, frame.length, 0, addr, addr.length);
                assertEquals(frame.length, n, "sendto failed, errno " + LibC.errno());
            }
        } finally {
            c.close(fd);
        }
    }

    /** Waits up to 5 s for {@code value} to reach {@code expected} (veth delivers through a softirq backlog). */
    private static void await(LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long v = value.getAsLong();
        while (v != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = value.getAsLong();
        }
        assertEquals(expected, v);
    }
}
