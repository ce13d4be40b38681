package io.patronus.appliance.classify;

import io.patronus.model.IpPrefix;
import io.patronus.model.PolicyMatch;
import io.patronus.model.PortRange;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the classifier decides with: the rules in match order (index i is bit i of the kernel's masks),
 * the remote sites' prefixes and the steering table (site, policy slot) to colour. Both the Java model and the
 * kernel tables are built from one of these, which is what makes the differential test meaningful.
 */
public record ClassifierRules(List<Rule> rules, List<SitePrefix> sitePrefixes, Map<SteerKey, Steer> steering) {
    public static final int MAX_RULES = 256;
    /** Slot value of the per-site default steering entry (0xffffffff in the kernel). */
    public static final int DEFAULT_SLOT = -1;

    public ClassifierRules {
        rules = List.copyOf(rules);
        sitePrefixes = List.copyOf(sitePrefixes);
        steering = Map.copyOf(steering);
        if (rules.size() > MAX_RULES) {
            throw new ClassifierException(rules.size() + " policies, but the classifier holds at most " + MAX_RULES
                    + "; merge policies that share an action");
        }
        Set<Integer> slots = new HashSet<>();
        for (Rule r : rules) {
            if (!slots.add(r.slot())) {
                throw new ClassifierException("policy slot " + r.slot() + " is used by two policies");
            }
        }
    }

    public static ClassifierRules empty() {
        return new ClassifierRules(List.of(), List.of(), Map.of());
    }

    /** What a matching policy does with a packet; the code is PAT_ACT_* in bpf/lib/classifier.h. */
    public enum Action {
        ROUTE(1), DROP(2), RATE_LIMIT(3);

        private final int code;

        Action(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** One policy as the classifier sees it; {@code slot} (0-255) is stable for the policy's lifetime. */
    public record Rule(int slot, String policyId, String policyName, int priority, PolicyMatch match, Action action, long kbps) {
        public Rule {
            if (slot < 0 || slot >= MAX_RULES) {
                throw new ClassifierException("policy slot " + slot + " is outside 0-" + (MAX_RULES - 1));
            }
            if (action == Action.RATE_LIMIT && kbps <= 0) {
                throw new ClassifierException("policy " + policyId + ": rate_limit needs a positive rate, was " + kbps + " kbps");
            }
        }

        boolean matches(Flow f) {
            PolicyMatch m = match;
            if (!m.dscp().isEmpty() && !m.dscp().contains(f.dscp())) {
                return false;
            }
            if (m.protocol().number() >= 0 && m.protocol().number() != f.protocol()) {
                return false;
            }
            if (!anyCovers(m.sourcePrefixes(), f.sourceBytes()) || !anyCovers(m.destinationPrefixes(), f.destinationBytes())) {
                return false;
            }
            return portsMatch(m.sourcePorts(), f.sourcePort()) && portsMatch(m.destinationPorts(), f.destinationPort());
        }

        private static boolean anyCovers(List<IpPrefix> prefixes, byte[] ip16) {
            if (prefixes.isEmpty()) {
                return true;
            }
            for (IpPrefix p : prefixes) {
                if (Prefix16.of(p).contains(ip16)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean portsMatch(List<PortRange> ranges, int port) {
            if (ranges.isEmpty()) {
                return true;
            }
            if (port == Flow.NO_PORT) {
                return false;
            }
            for (PortRange r : ranges) {
                if (r.contains(port)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One LAN prefix of a remote site; {@code site} is the site's index in the kernel maps. */
    public record SitePrefix(int site, String siteId, IpPrefix prefix) {
        public SitePrefix {
            if (site < 0 || site >= 0xffff) {
                throw new ClassifierException("site index " + site + " is outside 0-65534");
            }
        }
    }

    /** Steering key: a site and a policy slot, or {@link #DEFAULT_SLOT} for the site's default colour. */
    public record SteerKey(int site, int slot) {
    }

    /** Where steered packets go: a colour and the fwmark bits that select its routing table. */
    public record Steer(String colour, int mark, int mask) {
        int apply(int markIn) {
            return (markIn & ~mask) | (mark & mask);
        }
    }

    /** GCRA parameters of a rate in kbit/s: nanoseconds per byte in 16.16 fixed point. */
    static long costQ16(long kbps) {
        return (8_000_000L << 16) / kbps;
    }

    /** GCRA tolerance: 20 ms of the rate, and never less than two full-size packets, so TCP is not starved. */
    static long burstNs(long costQ16) {
        return Math.max(20_000_000L, (3_000L * costQ16) >>> 16);
    }
}
