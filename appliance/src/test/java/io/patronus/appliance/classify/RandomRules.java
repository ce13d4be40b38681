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

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random rule sets and packets that collide with each other often: addresses come from a small pool, so that
 * prefixes, sites and ports actually match, with truncations, VLAN tags, fragments and foreign frames mixed in.
 */
final class RandomRules {
    private static final Protocol[] PROTOCOLS = {Protocol.ANY, Protocol.ANY, Protocol.TCP, Protocol.UDP, Protocol.UDP,
            Protocol.ICMP, Protocol.ICMPV6};
    private static final int[] PORTS = {53, 80, 443, 3478, 5060, 5061, 8080, 40000, 65535, 0, 1};
    private static final long[] RATES = {1, 8, 64, 1_000, 100_000_000};

    private final Random r;
    private int calls;

    RandomRules(long seed) {
        this.r = new Random(seed);
    }

    Random random() {
        return r;
    }

    ClassifierRules rules() {
        int ruleCount = switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> ClassifierRules.MAX_RULES;
            default -> 1 + r.nextInt(40);
        };
        int sites = 1 + r.nextInt(6);
        List<SitePrefix> prefixes = new ArrayList<>();
        for (int s = 0; s < sites; s++) {
            int index = r.nextInt(5) == 0 ? 1000 + s : s;
            prefixes.add(new SitePrefix(index, "s" + index, IpPrefix.parse("100.64." + s + ".0/" + (24 + r.nextInt(3)))));
            if (r.nextBoolean()) {
                prefixes.add(new SitePrefix(index, "s" + index, IpPrefix.parse("2001:db8:" + s + "::/" + (48 + r.nextInt(17)))));
            }
            if (r.nextInt(4) == 0) {
                prefixes.add(new SitePrefix(index, "s" + index, IpPrefix.parse("10." + s + ".0.0/16")));
            }
        }
        List<Rule> rules = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < ClassifierRules.MAX_RULES; i++) {
            slots.add(i);
        }
        java.util.Collections.shuffle(slots, r);
        for (int i = 0; i < ruleCount; i++) {
            Action action = switch (r.nextInt(7)) {
                case 0 -> Action.DROP;
                case 1 -> Action.RATE_LIMIT;
                default -> Action.ROUTE;
            };
            long kbps = action == Action.RATE_LIMIT ? RATES[r.nextInt(RATES.length)] : 0;
            rules.add(new Rule(slots.get(i), "p" + i, "p" + i, i + 1, match(), action, kbps));
        }
        // Every fourth set leads with a slow catch-all rate limit, so that RATE_LIMITED is reached whatever the seed.
        if (calls++ % 4 == 0) {
            boolean full = rules.size() == ClassifierRules.MAX_RULES;
            Rule slow = new Rule(full ? rules.getFirst().slot() : slots.get(rules.size()), "slow", "slow", 0, PolicyMatch.any(),
                    Action.RATE_LIMIT, RATES[r.nextInt(2)]);
            if (full) {
                rules.set(0, slow);
            } else {
                rules.add(0, slow);
            }
        }
        Map<SteerKey, Steer> steering = new HashMap<>();
        for (SitePrefix sp : prefixes) {
            if (r.nextInt(5) != 0) {
                steering.put(new SteerKey(sp.site(), ClassifierRules.DEFAULT_SLOT), steer());
            }
            for (Rule rule : rules) {
                if (r.nextInt(3) == 0) {
                    steering.put(new SteerKey(sp.site(), rule.slot()), steer());
                }
            }
        }
        return new ClassifierRules(rules, prefixes, steering);
    }

    private Steer steer() {
        int colour = 1 + r.nextInt(4);
        return r.nextInt(10) == 0 ? new Steer("odd" + colour, r.nextInt(), r.nextInt())
                : new Steer("c" + colour, colour << 8, 0xff00);
    }

    private PolicyMatch match() {
        List<Integer> dscp = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            int n = 1 + r.nextInt(3);
            while (dscp.size() < n) {
                int d = r.nextBoolean() ? 46 : r.nextInt(64);
                if (!dscp.contains(d)) {
                    dscp.add(d);
                }
            }
        }
        Protocol protocol = PROTOCOLS[r.nextInt(PROTOCOLS.length)];
        List<PortRange> sports = protocol.hasPorts() && r.nextInt(4) == 0 ? ranges() : List.of();
        List<PortRange> dports = protocol.hasPorts() && r.nextBoolean() ? ranges() : List.of();
        return new PolicyMatch(dscp, protocol, r.nextInt(3) == 0 ? prefixes() : List.of(),
                r.nextInt(3) == 0 ? prefixes() : List.of(), sports, dports);
    }

    private List<PortRange> ranges() {
        List<PortRange> out = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            int a = r.nextBoolean() ? PORTS[r.nextInt(PORTS.length)] : r.nextInt(65536);
            int b = r.nextBoolean() ? a : Math.min(65535, a + r.nextInt(2000));
            out.add(new PortRange(a, b));
        }
        return out;
    }

    private List<IpPrefix> prefixes() {
        List<IpPrefix> out = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            InetAddress a = address();
            int max = a.getAddress().length * 8;
            int len = r.nextInt(4) == 0 ? r.nextInt(max + 1) : Math.max(0, max - r.nextInt(max == 32 ? 12 : 80));
            byte[] raw = a.getAddress();
            for (int bit = len; bit < raw.length * 8; bit++) {
                raw[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            IpPrefix p = new IpPrefix(raw, len);
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    InetAddress address() {
        try {
            return switch (r.nextInt(6)) {
                case 0, 1 -> InetAddress.getByName("100.64." + r.nextInt(7) + "." + r.nextInt(256));
                case 2 -> InetAddress.getByName("10." + r.nextInt(7) + "." + r.nextInt(3) + "." + r.nextInt(256));
                case 3 -> InetAddress.getByName("192.0.2." + r.nextInt(256));
                case 4 -> InetAddress.getByName("2001:db8:" + r.nextInt(7) + ":" + Integer.toHexString(r.nextInt(3)) + "::"
                        + Integer.toHexString(r.nextInt(65536)));
                default -> InetAddress.getByName(r.nextBoolean() ? "fe80::" + Integer.toHexString(r.nextInt(65536)) : "::ffff:100.64.1.7");
            };
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A frame of random shape: mostly well-formed IP, some truncated, tagged, fragmented or not IP at all. */
    byte[] frame() {
        boolean v4 = r.nextInt(3) != 0;
        InetAddress src = v4 ? v4() : v6();
        InetAddress dst = v4 ? v4() : v6();
        int[] protos = {6, 17, 17, 1, 58, 47, 0, r.nextInt(256)};
        int proto = protos[r.nextInt(protos.length)];
        int sport = r.nextBoolean() ? PORTS[r.nextInt(PORTS.length)] : r.nextInt(65536);
        int dport = r.nextBoolean() ? PORTS[r.nextInt(PORTS.length)] : r.nextInt(65536);
        int dscp = r.nextInt(4) == 0 ? 46 : r.nextInt(64);
        int frag = r.nextInt(10) == 0 ? r.nextInt(8192) : 0;
        byte[] f = Frames.ip(src, dst, proto, dscp, sport, dport, r.nextInt(8) == 0, frag, r.nextInt(64));
        switch (r.nextInt(20)) {
            case 0 -> f = java.util.Arrays.copyOf(f, 14 + r.nextInt(f.length - 13)); // truncated anywhere
            case 1 -> f[12] = (byte) r.nextInt(256); // foreign ethertype
            case 2 -> f[f[12] == (byte) 0x81 ? 18 : 14] ^= (byte) (r.nextInt(15) << 4); // bad IP version
            case 3 -> {
                if (v4) {
                    int l3 = f[12] == (byte) 0x81 ? 18 : 14;
                    f[l3] = (byte) (0x40 | r.nextInt(16)); // odd IHL
                }
            }
            default -> {
            }
        }
        return f;
    }

    private InetAddress v4() {
        InetAddress a;
        do {
            a = address();
        } while (!(a instanceof java.net.Inet4Address));
        return a;
    }

    private InetAddress v6() {
        InetAddress a;
        do {
            a = address();
        } while (!(a instanceof java.net.Inet6Address));
        return a;
    }
}
