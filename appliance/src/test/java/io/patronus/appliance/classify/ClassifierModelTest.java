package io.patronus.appliance.classify;

import io.patronus.appliance.classify.ClassifierRules.Action;
import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.model.IpPrefix;
import io.patronus.model.PolicyMatch;
import io.patronus.model.PortRange;
import io.patronus.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierModelTest {
    private static final Steer FIBER = new Steer("fiber", 0x100, 0xff00);
    private static final Steer LTE = new Steer("lte", 0x200, 0xff00);
    private static final PolicyMatch VOICE = new PolicyMatch(List.of(46), Protocol.UDP, List.of(), List.of(),
            List.of(), List.of(PortRange.single(3478)));

    private static ClassifierRules rules(List<Rule> rules, Map<SteerKey, Steer> steering) {
        return new ClassifierRules(rules, List.of(new SitePrefix(0, "s2", IpPrefix.parse("100.64.2.0/24")),
                new SitePrefix(1, "s3", IpPrefix.parse("100.64.3.0/24")),
                new SitePrefix(1, "s3", IpPrefix.parse("2001:db8:3::/48"))), steering);
    }

    private static Map<SteerKey, Steer> defaults() {
        return Map.of(new SteerKey(0, ClassifierRules.DEFAULT_SLOT), FIBER, new SteerKey(1, ClassifierRules.DEFAULT_SLOT), FIBER);
    }

    @Test
    void classify_destinationOutsideEverySite_passesUntouched() {
        ClassifierModel m = new ClassifierModel(rules(List.of(), defaults()));
        Decision d = m.classify(Frames.udp("100.64.1.10", "198.51.100.7", 1000, 53, 0), 0x7, 0);
        assertEquals(Verdict.NO_SITE, d.verdict());
        assertEquals(0x7, d.markOut());
    }

    @Test
    void classify_noPolicyMatches_marksSiteDefaultColourKeepingOtherMarkBits() {
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(3, "voice", "voice", 10, VOICE, Action.ROUTE, 0)), defaults()));
        Decision d = m.classify(Frames.udp("100.64.1.10", "100.64.2.10", 1000, 53, 0), 0x10007, 0);
        assertEquals(Verdict.DEFAULT, d.verdict());
        assertEquals(0x10107, d.markOut());
        assertEquals(new long[] {1, 74}[0], m.verdictStats(Verdict.DEFAULT)[0]);
    }

    @Test
    void classify_voiceFlow_steeredToPolicyColourAndCounted() {
        Map<SteerKey, Steer> steering = new java.util.HashMap<>(defaults());
        steering.put(new SteerKey(0, 3), LTE);
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(3, "voice", "voice", 10, VOICE, Action.ROUTE, 0)), steering));
        byte[] frame = Frames.udp("100.64.1.10", "100.64.2.10", 40000, 3478, 46);
        Decision d = m.classify(frame, 0, 0);
        assertEquals(Verdict.STEERED, d.verdict());
        assertEquals(0x200, d.markOut());
        assertTrue(Arrays.equals(new long[] {1, frame.length, 0, 0}, m.policyStats(3)));
        // Same flow with another DSCP is default traffic.
        assertEquals(Verdict.DEFAULT, m.classify(Frames.udp("100.64.1.10", "100.64.2.10", 40000, 3478, 0), 0, 0).verdict());
    }

    @Test
    void classify_policyWithoutSteeringEntry_fallsBackToSiteDefault() {
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(0, "voice", "voice", 10, VOICE, Action.ROUTE, 0)), defaults()));
        Decision d = m.classify(Frames.udp("100.64.1.10", "100.64.3.9", 1, 3478, 46), 0, 0);
        assertEquals(Verdict.STEERED, d.verdict());
        assertEquals(0x100, d.markOut());
    }

    @Test
    void classify_siteWithoutAnySteering_noPathUnmarked() {
        ClassifierModel m = new ClassifierModel(rules(List.of(), Map.of()));
        assertEquals(Verdict.NO_PATH, m.classify(Frames.udp("100.64.1.10", "100.64.3.9", 1, 2, 0), 5, 0).verdict());
    }

    @Test
    void classify_firstRuleInOrderWins() {
        PolicyMatch any = PolicyMatch.any();
        ClassifierModel m = new ClassifierModel(rules(List.of(
                new Rule(7, "block", "block", 5, new PolicyMatch(List.of(), Protocol.ANY, List.of(), List.of(IpPrefix.parse("100.64.3.0/25")),
                        List.of(), List.of()), Action.DROP, 0),
                new Rule(1, "all", "all", 50, any, Action.ROUTE, 0)), defaults()));
        assertEquals(Verdict.DROPPED, m.classify(Frames.udp("100.64.1.10", "100.64.3.9", 1, 2, 0), 0, 0).verdict());
        assertEquals(Verdict.STEERED, m.classify(Frames.udp("100.64.1.10", "100.64.3.200", 1, 2, 0), 0, 0).verdict());
        assertEquals(1, m.policyStats(7)[2]);
    }

    @Test
    void classify_rateLimit_dropsBeyondBurstAndRefillsWithTime() {
        // 8 kbit/s = 1,000 bytes/s; burst tolerance max(20 ms, 3,000 bytes = 3 s) = 3 s.
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(2, "bulk", "bulk", 1, PolicyMatch.any(), Action.RATE_LIMIT, 8)),
                defaults()));
        byte[] frame = Frames.udp("100.64.1.10", "100.64.2.10", 1, 2, 0); // 74 bytes = 74 ms of rate each
        long now = 1_000_000_000L;
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            if (m.classify(frame, 0, now).verdict() == Verdict.STEERED) {
                passed++;
            }
        }
        // Conforming while tat - now <= 3 s: packets at tat offsets 0, 74 ms, ..., 2.96 s = 41 packets.
        assertEquals(41, passed);
        assertEquals(Verdict.RATE_LIMITED, m.classify(frame, 0, now).verdict());
        assertEquals(Verdict.STEERED, m.classify(frame, 0, now + 1_000_000_000L).verdict());
    }

    @Test
    void classify_ipv6SiteAndNoPortProtocol() {
        PolicyMatch icmp6 = new PolicyMatch(List.of(), Protocol.ICMPV6, List.of(), List.of(), List.of(), List.of());
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(0, "ping", "ping", 1, icmp6, Action.DROP, 0)), defaults()));
        byte[] ping = Frames.ip(Frames.address("2001:db8:1::10"), Frames.address("2001:db8:3::1"), 58, 0, 0x8000, 0, false, 0, 8);
        assertEquals(Verdict.DROPPED, m.classify(ping, 0, 0).verdict());
        byte[] udp = Frames.ip(Frames.address("2001:db8:1::10"), Frames.address("2001:db8:3::1"), 17, 0, 1, 2, true, 0, 8);
        assertEquals(Verdict.DEFAULT, m.classify(udp, 0, 0).verdict());
    }

    @Test
    void parse_truncatedOrForeignFrames_unparsed() {
        byte[] frame = Frames.udp("100.64.1.10", "100.64.2.10", 1, 2, 0);
        for (int len = 0; len < 14 + 20 + 4; len++) {
            assertTrue(PacketParser.parse(frame, len).isEmpty(), "length " + len);
        }
        assertTrue(PacketParser.parse(frame, 14 + 20 + 4).isPresent());
        byte[] arp = frame.clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertTrue(PacketParser.parse(arp).isEmpty());
    }

    @Test
    void parse_nonFirstFragment_hasNoPorts() {
        byte[] frag = Frames.ip(Frames.address("100.64.1.10"), Frames.address("100.64.2.10"), 17, 0, 1, 2, false, 100, 0);
        Flow f = PacketParser.parse(frag).orElseThrow();
        assertEquals(Flow.NO_PORT, f.sourcePort());
    }

    @Test
    void explain_namesSitePolicyAndColour() {
        Map<SteerKey, Steer> steering = new java.util.HashMap<>(defaults());
        steering.put(new SteerKey(0, 3), LTE);
        ClassifierModel m = new ClassifierModel(rules(List.of(new Rule(3, "voice", "voice", 10, VOICE, Action.ROUTE, 0)), steering));
        Decision d = m.explain(PacketParser.parse(Frames.udp("100.64.1.10", "100.64.2.10", 5, 3478, 46)).orElseThrow());
        String text = String.join("\n", d.reasons());
        assertTrue(text.contains("site s2's prefix 100.64.2.0/24"), text);
        assertTrue(text.contains("policy voice (priority 10)"), text);
        assertTrue(text.contains("colour lte"), text);
        assertEquals(0, m.verdictStats(Verdict.STEERED)[0], "explain does not count");
    }
}
