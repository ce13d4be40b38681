package io.patronus.appliance.classify;

import io.patronus.appliance.bpf.AttachMode;
import io.patronus.appliance.bpf.Bpffs;
import io.patronus.appliance.bpf.TcAttachment;
import io.patronus.appliance.bpf.TcDirection;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.appliance.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PolicyClassifier} against the real kernel on a veth in the host namespace (no addresses, nothing routed):
 * attach with the first site or policy, adopt after a crash-like close, detach when nothing is left, uninstall.
 */
class PolicyClassifierKernelTest {
    private String lan;
    private Path pinDir;
    private final List<Policy> policies = new ArrayList<>();
    private final List<Site> sites = new ArrayList<>();

    @BeforeEach
    void veth() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        String id = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        lan = "pc-" + id + "a";
        try (RouteNetlink rt = RouteNetlink.open()) {
            rt.addVethPair(lan, "pc-" + id + "b");
        }
        pinDir = Bpffs.DEFAULT.resolve("patronus-test-pc-" + id);
        Bpffs.ensureMounted(pinDir);
        sites.add(new Site("s2", "Site 2", "", Fixtures.randomKey(), Map.of("fiber", Endpoint.parse("192.0.2.2:51820")),
                List.of(IpPrefix.parse("100.64.2.0/24")), SiteStatus.ACTIVE, Instant.now()));
    }

    @AfterEach
    void cleanup() throws IOException {
        try (RouteNetlink rt = RouteNetlink.open()) {
            rt.deleteLink(lan);
        } catch (NetlinkException | IllegalStateException e) {
            // already gone
        }
        if (pinDir != null && Files.exists(pinDir)) {
            try (Stream<Path> w = Files.walk(pinDir)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private PolicyClassifier classifier(AttachMode mode, SlotAssignments slots) {
        return new PolicyClassifier("s1", List.of(new Link("fiber", "eth0", "fiber", 10, 1000)), () -> List.copyOf(sites),
                () -> List.copyOf(policies), slots, Optional.of(new PolicyClassifier.KernelSide(lan, pinDir, mode)), Clock.systemUTC());
    }

    private int ifindex() {
        try (RouteNetlink rt = RouteNetlink.open()) {
            return rt.index(lan);
        }
    }

    @ParameterizedTest
    @EnumSource(value = AttachMode.class, names = {"TCX", "CLSACT"})
    void sitesOrPoliciesAttach_restartAdoptsWithoutDetaching_nothingLeftDetaches(AttachMode mode) {
        SlotAssignments slots = SlotAssignments.inMemory();
        List<Site> keep = List.copyOf(sites);
        sites.clear();
        PolicyClassifier first = classifier(mode, slots);
        first.refresh();
        assertEquals("detached", first.status().state(), "no sites and no policies, nothing attached");
        assertTrue(TcAttachment.adopt(ifindex(), TcDirection.INGRESS, pinDir.resolve("link_lan_ingress")).isEmpty());

        sites.addAll(keep);
        first.refresh();
        assertEquals("attached", first.status().state(), "a remote site alone needs per-site default steering");
        policies.add(new Policy("drop-all", "drop all", 1, PolicyMatch.any(), new PolicyAction.Drop()));
        first.refresh();
        assertEquals("attached", first.status().state(), first.status().toString());
        long programBefore;
        try (TcAttachment a = TcAttachment.adopt(ifindex(), TcDirection.INGRESS, pinDir.resolve("link_lan_ingress")).orElseThrow()) {
            programBefore = a.programId();
        }
        first.close(); // as a crash would: file descriptors gone, program still attached

        PolicyClassifier second = classifier(mode, slots);
        second.refresh();
        assertEquals("attached", second.status().state(), second.status().toString());
        try (TcAttachment a = TcAttachment.adopt(ifindex(), TcDirection.INGRESS, pinDir.resolve("link_lan_ingress")).orElseThrow()) {
            assertTrue(a.programId() != programBefore, "the restarted run swapped in its own program");
        }

        policies.clear();
        second.refresh();
        assertEquals("attached", second.status().state(), "the site's default traffic is still steered");
        sites.clear();
        second.refresh();
        assertEquals("detached", second.status().state());
        assertTrue(TcAttachment.adopt(ifindex(), TcDirection.INGRESS, pinDir.resolve("link_lan_ingress")).isEmpty(),
                "nothing attached once there is nothing to classify");
        second.close();
    }

    @Test
    void uninstall_detachesWhatAnEarlierRunLeftAndRemovesPins() {
        policies.add(new Policy("drop-all", "drop all", 1, PolicyMatch.any(), new PolicyAction.Drop()));
        PolicyClassifier running = classifier(AttachMode.TCX, SlotAssignments.inMemory());
        running.refresh();
        running.close();
        PolicyClassifier offline = classifier(AttachMode.TCX, SlotAssignments.inMemory());
        offline.uninstall();
        assertTrue(TcAttachment.adopt(ifindex(), TcDirection.INGRESS, pinDir.resolve("link_lan_ingress")).isEmpty());
        try (Stream<Path> left = Files.list(pinDir)) {
            assertEquals(List.of(), left.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void missingLanInterface_errorNamesItAndRetrySucceedsOnceItExists() {
        policies.add(new Policy("drop-all", "drop all", 1, PolicyMatch.any(), new PolicyAction.Drop()));
        String real = lan;
        lan = "pc-missing0";
        PolicyClassifier c = classifier(AttachMode.TCX, SlotAssignments.inMemory());
        c.refresh();
        assertTrue(c.status().lastError().orElse("").contains("LAN interface pc-missing0 not found"), c.status().toString());
        c.close();
        lan = real;
        PolicyClassifier ok = classifier(AttachMode.TCX, SlotAssignments.inMemory());
        ok.retryIfFailed();
        ok.refresh();
        assertEquals("attached", ok.status().state());
        ok.uninstall();
    }
}
