package io.patronus.appliance.bench;

import io.patronus.appliance.classify.ClassifierRules;
import io.patronus.appliance.classify.ClassifierRules.Action;
import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.model.IpPrefix;
import io.patronus.model.PolicyMatch;
import io.patronus.model.PortRange;
import io.patronus.model.Protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The classifier benchmark's rule sets, test packets and the equivalent nftables ruleset.
 *
 * <p>Eight remote sites: site 0 is {@code 203.0.113.0/24}, the network behind the benchmark's router (the flood's
 * destination), sites 1-7 are {@code 100.64.s.0/24}. A set of N rules looks like policies an operator writes: each
 * rule has 1-3 destination prefixes inside the sites (/25-/29), mostly a protocol (UDP or TCP) with a destination
 * port range, and mostly one DSCP value. The first N-1 rules are drawn at random (fixed seed) and rejected when they
 * match either benchmark packet; the last rule is the one {@link Packet#MATCH_LAST} matches, so that an nftables
 * chain has to evaluate every rule before it (the worst case for a linear list, not for the classifier, whose
 * cost does not depend on where the match is). {@link Packet#NO_MATCH} matches no rule and takes site 0's default.
 *
 * <p>Steering is the same for every site: rule slot k goes to colour {@code 2 + k % 12} (fwmark {@code colour << 8},
 * mask {@code 0xff00}), and site s's default colour is {@code 0x10 + s}. Because a rule's mark does not depend on
 * the site, the nftables equivalent can be one flat chain ({@link #nftRuleset()}): a guard that lets non-site
 * destinations pass unmarked (the classifier's site lookup), the N rules in order, each setting its mark and
 * accepting (first match wins), then one default rule per site. {@link #nftRulesetBySite()} is the same decisions
 * split into a chain per site.
 */
final class ClassifierBenchRules {
    static final int SITES = 8;
    static final int MARK_MASK = 0xff00;
    static final String SOURCE = "198.51.100.2";
    static final String DESTINATION = "203.0.113.2";
    static final String NON_SITE_DESTINATION = "192.0.2.1";
    static final int SOURCE_PORT = 40000;
    static final int MATCH_PORT = 5001;
    static final int NO_MATCH_PORT = 7001;
    static final int DSCP = 46;
    /** The target rule: what {@link Packet#MATCH_LAST} matches. */
    private static final IpPrefix TARGET_PREFIX = IpPrefix.parse("203.0.113.0/28");
    private static final PortRange TARGET_PORTS = new PortRange(5000, 5099);
    private static final int[] DSCPS = {46, 34, 26, 18, 10, 0, 8, 40};

    private final int count;
    private final ClassifierRules rules;

    private ClassifierBenchRules(int count, ClassifierRules rules) {
        this.count = count;
        this.rules = rules;
    }

    /** The benchmark packets. */
    enum Packet {
        /** UDP to site 0 that only the last rule matches. */
        MATCH_LAST(DESTINATION, MATCH_PORT),
        /** UDP to site 0 that no rule matches: the site's default colour. */
        NO_MATCH(DESTINATION, NO_MATCH_PORT),
        /** UDP to an address outside every site: passed unmarked. */
        NON_SITE(NON_SITE_DESTINATION, MATCH_PORT);

        final String destination;
        final int destinationPort;

        Packet(String destination, int destinationPort) {
            this.destination = destination;
            this.destinationPort = destinationPort;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** N rules (1-256), the same ones for the same N on every run. */
    static ClassifierBenchRules of(int n) {
        if (n < 1 || n > ClassifierRules.MAX_RULES) {
            throw new IllegalArgumentException("rule count must be 1-" + ClassifierRules.MAX_RULES + ", was " + n);
        }
        Random r = new Random(20_261_123L + n);
        List<SitePrefix> sites = new ArrayList<>();
        for (int s = 0; s < SITES; s++) {
            sites.add(new SitePrefix(s, "site" + s, sitePrefix(s)));
        }
        List<Rule> list = new ArrayList<>();
        int attempts = 0;
        while (list.size() < n - 1) {
            if (++attempts > 100_000) {
                throw new IllegalStateException("could not draw " + (n - 1) + " decoy rules that miss the benchmark packets");
            }
            PolicyMatch m = decoy(r);
            if (matches(m, DESTINATION, MATCH_PORT) || matches(m, DESTINATION, NO_MATCH_PORT)) {
                continue;
            }
            int slot = list.size();
            list.add(new Rule(slot, "p" + slot, "decoy " + slot, slot + 1, m, Action.ROUTE, 0));
        }
        int last = n - 1;
        list.add(new Rule(last, "p" + last, "target", last + 1,
                new PolicyMatch(List.of(DSCP), Protocol.UDP, List.of(), List.of(TARGET_PREFIX), List.of(), List.of(TARGET_PORTS)),
                Action.ROUTE, 0));
        Map<SteerKey, Steer> steering = new HashMap<>();
        for (int s = 0; s < SITES; s++) {
            steering.put(new SteerKey(s, ClassifierRules.DEFAULT_SLOT), new Steer("default" + s, defaultMark(s), MARK_MASK));
            for (Rule rule : list) {
                steering.put(new SteerKey(s, rule.slot()), new Steer("c" + colour(rule.slot()), colour(rule.slot()) << 8, MARK_MASK));
            }
        }
        return new ClassifierBenchRules(n, new ClassifierRules(list, sites, steering));
    }

    static IpPrefix sitePrefix(int s) {
        return IpPrefix.parse(s == 0 ? "203.0.113.0/24" : "100.64." + s + ".0/24");
    }

    static int colour(int slot) {
        return 2 + slot % 12;
    }

    static int defaultMark(int site) {
        return (0x10 + site) << 8;
    }

    int count() {
        return count;
    }

    ClassifierRules rules() {
        return rules;
    }

    /** The mark a packet leaves the classifier (or the nftables chain) with, starting from mark 0. */
    int expectedMark(Packet p) {
        return switch (p) {
            case MATCH_LAST -> colour(count - 1) << 8;
            case NO_MATCH -> defaultMark(0);
            case NON_SITE -> 0;
        };
    }

    private static PolicyMatch decoy(Random r) {
        int prefixes = 1 + r.nextInt(3);
        List<IpPrefix> dst = new ArrayList<>();
        while (dst.size() < prefixes) {
            int len = 25 + r.nextInt(5);
            int host = r.nextInt(256) & (0xff << (32 - len)) & 0xff;
            int s = r.nextInt(SITES);
            IpPrefix p = IpPrefix.parse((s == 0 ? "203.0.113." : "100.64." + s + ".") + host + "/" + len);
            // nftables refuses overlapping intervals in one set; the classifier would not care.
            if (dst.stream().noneMatch(q -> q.overlaps(p))) {
                dst.add(p);
            }
        }
        double kind = r.nextDouble();
        Protocol protocol = kind < 0.5 ? Protocol.UDP : kind < 0.85 ? Protocol.TCP : Protocol.ANY;
        List<PortRange> ports = List.of();
        if (protocol.hasPorts() && r.nextInt(5) != 0) {
            int from = 1024 + r.nextInt(59_000);
            ports = List.of(new PortRange(from, from + (r.nextBoolean() ? 0 : r.nextInt(1000))));
        }
        List<Integer> dscp = r.nextInt(10) < 7 ? List.of(DSCPS[r.nextInt(DSCPS.length)]) : List.of();
        return new PolicyMatch(dscp, protocol, List.of(), dst, List.of(), ports);
    }

    /** Whether a rule matches UDP from {@link #SOURCE} to {@code destination}:{@code port} with {@link #DSCP}. */
    private static boolean matches(PolicyMatch m, String destination, int port) {
        byte[] ip = IpPrefix.parse(destination + "/32").address();
        boolean dst = m.destinationPrefixes().isEmpty() || m.destinationPrefixes().stream().anyMatch(p -> p.contains(ip));
        boolean proto = m.protocol() == Protocol.ANY || m.protocol() == Protocol.UDP;
        boolean dscp = m.dscp().isEmpty() || m.dscp().contains(DSCP);
        boolean ports = m.destinationPorts().isEmpty() || m.destinationPorts().stream().anyMatch(pr -> pr.contains(port));
        return dst && proto && dscp && ports && m.sourcePrefixes().isEmpty() && m.sourcePorts().isEmpty();
    }

    /**
     * The same decisions as an nftables table {@code ip pcb_classify}: a filter chain at prerouting, priority
     * mangle (-150), that sets {@code meta mark} like the classifier's steering does.
     */
    String nftRuleset() {
        StringBuilder b = new StringBuilder();
        b.append("table ip pcb_classify {\n  chain prerouting {\n");
        b.append("    type filter hook prerouting priority mangle; policy accept;\n");
        List<String> all = new ArrayList<>();
        for (SitePrefix sp : rules.sitePrefixes()) {
            all.add(sp.prefix().toString());
        }
        b.append("    ip daddr != { ").append(String.join(", ", all)).append(" } accept\n");
        for (Rule rule : rules.rules()) {
            b.append("    ").append(nftMatch(rule.match())).append(markAndAccept(colour(rule.slot()) << 8)).append('\n');
        }
        for (SitePrefix sp : rules.sitePrefixes()) {
            b.append("    ip daddr ").append(sp.prefix()).append(' ').append(markAndAccept(defaultMark(sp.site()))).append('\n');
        }
        b.append("  }\n}\n");
        return b.toString();
    }

    /**
     * The same decisions laid out the way an nftables expert might: a verdict map on the destination jumps to one
     * chain per site, which holds only the rules that can match in that site (a destination prefix inside it, or
     * none), in order, then the site's default. A packet walks its own site's rules only.
     */
    String nftRulesetBySite() {
        StringBuilder b = new StringBuilder("table ip pcb_classify {\n");
        List<String> jumps = new ArrayList<>();
        for (SitePrefix sp : rules.sitePrefixes()) {
            b.append("  chain site").append(sp.site()).append(" {\n");
            for (Rule rule : rules.rules()) {
                List<IpPrefix> dst = rule.match().destinationPrefixes();
                if (dst.isEmpty() || dst.stream().anyMatch(p -> p.overlaps(sp.prefix()))) {
                    b.append("    ").append(nftMatch(rule.match())).append(markAndAccept(colour(rule.slot()) << 8)).append('\n');
                }
            }
            b.append("    ").append(markAndAccept(defaultMark(sp.site()))).append("\n  }\n");
            jumps.add(sp.prefix() + " : jump site" + sp.site());
        }
        b.append("  chain prerouting {\n    type filter hook prerouting priority mangle; policy accept;\n");
        b.append("    ip daddr vmap { ").append(String.join(", ", jumps)).append(" }\n  }\n}\n");
        return b.toString();
    }

    /** How many of the rules the by-site layout puts in site 0's chain, the one the benchmark packets walk. */
    int rulesInSiteZero() {
        IpPrefix site0 = sitePrefix(0);
        return (int) rules.rules().stream().filter(r -> r.match().destinationPrefixes().isEmpty()
                || r.match().destinationPrefixes().stream().anyMatch(p -> p.overlaps(site0))).count();
    }

    private static String nftMatch(PolicyMatch m) {
        StringBuilder b = new StringBuilder();
        List<IpPrefix> dst = m.destinationPrefixes();
        if (dst.size() == 1) {
            b.append("ip daddr ").append(dst.getFirst()).append(' ');
        } else if (!dst.isEmpty()) {
            b.append("ip daddr { ").append(String.join(", ", dst.stream().map(IpPrefix::toString).toList())).append(" } ");
        }
        if (m.protocol() != Protocol.ANY) {
            b.append("meta l4proto ").append(m.protocol().wire()).append(' ');
        }
        if (m.dscp().size() == 1) {
            b.append("ip dscp ").append(m.dscp().getFirst()).append(' ');
        } else if (!m.dscp().isEmpty()) {
            b.append("ip dscp { ").append(String.join(", ", m.dscp().stream().map(String::valueOf).toList())).append(" } ");
        }
        if (!m.destinationPorts().isEmpty()) {
            b.append(m.protocol().wire()).append(" dport ");
            List<String> ranges = m.destinationPorts().stream()
                    .map(pr -> pr.from() == pr.to() ? String.valueOf(pr.from()) : pr.from() + "-" + pr.to()).toList();
            b.append(ranges.size() == 1 ? ranges.getFirst() : "{ " + String.join(", ", ranges) + " }").append(' ');
        }
        return b.toString();
    }

    private static String markAndAccept(int mark) {
        return String.format("meta mark set meta mark & 0x%08x | 0x%08x accept", ~MARK_MASK, mark);
    }

    /** An Ethernet frame of the minimum size (60 bytes) carrying {@code p} from {@link #SOURCE}:{@link #SOURCE_PORT}. */
    static byte[] frame(Packet p, byte[] sourceMac, byte[] destinationMac) {
        return udpFrame(sourceMac, destinationMac, SOURCE, p.destination, DSCP, SOURCE_PORT, p.destinationPort, 18);
    }

    /**
     * A TCP SYN as Linux sends it (MSS 1460, SACK permitted, timestamps, window scale) from {@link #SOURCE} to site 0,
     * port 443: the classifier lowers its MSS to the tunnel's. A test run repeats on the same buffer, so only the first
     * iteration writes; the others measure the option scan that finds the MSS small enough.
     */
    static byte[] synFrame(byte[] srcMac, byte[] dstMac) {
        byte[] options = java.util.HexFormat.of().parseHex("020405b40402080a000000010000000001030307");
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + options.length);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int total = 20 + 20 + options.length;
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).put(address(SOURCE)).put(address(DESTINATION));
        b.putShort(24, (short) ipChecksum(b.array(), 14, 20));
        b.putShort((short) SOURCE_PORT).putShort((short) 443).putInt(1).putInt(0).put((byte) (((20 + options.length) / 4) << 4))
                .put((byte) 0x02).putShort((short) 64240).putShort((short) 0).putShort((short) 0).put(options);
        return b.array();
    }

    /** An ARP request: not IP, so the classifier returns after its first parse step. */
    static byte[] arpFrame() {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(new byte[] {2, 0, 0, 0, 0, 1}).put(address(SOURCE)).put(new byte[6]).put(address(DESTINATION));
        return b.array();
    }

    static byte[] udpFrame(byte[] srcMac, byte[] dstMac, String src, String dst, int dscp, int sport, int dport, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int total = 20 + 8 + payload;
        b.put((byte) 0x45).put((byte) (dscp << 2)).putShort((short) total).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(address(src)).put(address(dst));
        b.putShort(24, (short) ipChecksum(b.array(), 14, 20));
        // UDP checksum 0: none, which IPv4 allows; the receiver does no checksum work either way.
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload)).putShort((short) 0);
        return b.array();
    }

    static byte[] address(String dotted) {
        return IpPrefix.parse(dotted + "/32").address();
    }

    private static int ipChecksum(byte[] a, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((a[offset + i] & 0xff) << 8) | (a[offset + i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
