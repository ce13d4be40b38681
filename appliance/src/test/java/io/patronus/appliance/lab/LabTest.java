package io.patronus.appliance.lab;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lab builds what it promises, impairs links on demand, and leaves nothing behind. */
class LabTest {
    private static List<String> namespaces() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "list").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().map(l -> l.split(" ")[0]).toList();
    }

    @Test
    void threeSitesTwoColours_reachEachOther_andImpairmentsApplyPerLink() throws Exception {
        String name;
        try (Lab lab = Lab.up(3, "fiber", "lte")) {
            name = lab.name();
            Map<String, String> s2 = lab.describe(2);
            assertEquals("192.0.2.2", s2.get("WAN_FIBER"));
            assertEquals("198.51.100.2", s2.get("WAN_LTE"));
            assertEquals("100.64.2.0/24", s2.get("LAN_PREFIX"));
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode());
            assertEquals(0, lab.exec("3", "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.51.100.2").exitCode());
            assertEquals(0, lab.exec("2-lan", "ping", "-c", "1", "-W", "1", "100.64.2.1").exitCode(), "LAN host reaches its appliance");
            assertTrue(namespaces().containsAll(List.of(name + "-inet", name + "-s1", name + "-s3-lan")));

            lab.impair(2, "fiber", "loss", "100");
            assertEquals(1, lab.exec("1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "fiber of site 2 blackholed");
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "198.51.100.2").exitCode(), "its lte still works");
            lab.impair(2, "fiber");
            assertEquals(0, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "cleared");
            lab.impair(2, "fiber", "down");
            assertEquals(1, lab.exec("1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.2").exitCode(), "link down");
            lab.impair(2, "fiber", "up");
            assertEquals(0, lab.exec("1", "ping", "-c", "3", "-i", "0.3", "-W", "2", "192.0.2.2").exitCode(), "link up again");
        }
        List<String> left = namespaces().stream().filter(n -> n.startsWith(name + "-")).toList();
        assertEquals(List.of(), left, "namespaces left behind");
    }

    private static List<String> namespacesQuietly() {
        try {
            return namespaces();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badArguments_areRefusedWithAClearMessage() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Lab.script("up", "Bad_Name", "2", "fiber"));
        assertTrue(e.getMessage().contains("must be 2-12 characters"), e.getMessage());
        IllegalStateException colour = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Lab.script("up", "okname", "2", "carrierpigeon"));
        assertTrue(colour.getMessage().contains("unknown colour"), colour.getMessage());
        assertTrue(namespacesQuietly().stream().noneMatch(n -> n.startsWith("okname-")), "nothing half-built is left");
    }
}
