package io.patronus.appliance.classify;

import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.model.IpPrefix;
import io.patronus.model.PolicyMatch;
import io.patronus.model.PortRange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link ClassifierRules} into the contents of one generation of the kernel's bitmap tables.
 *
 * <p>For each dimension the kernel looks the packet's value up and gets the set of rules that accept it.
 * For the prefix dimensions this rests on one property of longest-prefix match: if every rule prefix (and
 * ::/0) is in the trie, the longest entry P containing an address is covered by every rule prefix that
 * contains the address, so "rules with a prefix covering P" is exactly "rules with a prefix containing the
 * address". Site prefixes join the destination trie the same way, so one lookup finds both the site and the
 * destination mask.
 */
public final class RuleSetCompiler {
    /** LPM entries per generation; the tries hold two generations. */
    static final int MAX_PREFIXES = 16_000;

    private RuleSetCompiler() {
    }

    /** One trie entry: a prefix, the site it belongs to (or NO_SITE) and the rules it satisfies. */
    record LpmEntry(Prefix16 prefix, int site, long[] mask) {
    }

    /** One generation's table contents. Port masks are flattened: port p's mask is words [p*4, p*4+4). */
    record Compiled(List<LpmEntry> destinations, List<LpmEntry> sources, long[][] dscp, long[][] protocol,
                    long[] sourcePorts, long[] destinationPorts, long[] noSourcePort, long[] noDestinationPort,
                    List<Rule> rules) {
    }

    public static Compiled compile(ClassifierRules rules) {
        List<Rule> rs = rules.rules();
        long[][] dscp = new long[64][ClassifierLayout.MASK_WORDS];
        long[][] proto = new long[256][ClassifierLayout.MASK_WORDS];
        long[] sport = new long[ClassifierLayout.PORTS * ClassifierLayout.MASK_WORDS];
        long[] dport = new long[ClassifierLayout.PORTS * ClassifierLayout.MASK_WORDS];
        long[] noSport = new long[ClassifierLayout.MASK_WORDS];
        long[] noDport = new long[ClassifierLayout.MASK_WORDS];
        for (int i = 0; i < rs.size(); i++) {
            PolicyMatch m = rs.get(i).match();
            int word = i >>> 6;
            long bit = 1L << (i & 63);
            for (int d = 0; d < 64; d++) {
                if (m.dscp().isEmpty() || m.dscp().contains(d)) {
                    dscp[d][word] |= bit;
                }
            }
            int number = m.protocol().number();
            for (int p = 0; p < 256; p++) {
                if (number < 0 || number == p) {
                    proto[p][word] |= bit;
                }
            }
            ports(m.sourcePorts(), sport, noSport, word, bit);
            ports(m.destinationPorts(), dport, noDport, word, bit);
        }
        List<LpmEntry> dst = destinations(rules);
        List<LpmEntry> src = trie(rs, r -> r.match().sourcePrefixes(), List.of());
        return new Compiled(dst, src, dscp, proto, sport, dport, noSport, noDport, rs);
    }

    private static void ports(List<PortRange> ranges, long[] table, long[] noPort, int word, long bit) {
        if (ranges.isEmpty()) {
            noPort[word] |= bit;
            for (int p = 0; p < ClassifierLayout.PORTS; p++) {
                table[p * ClassifierLayout.MASK_WORDS + word] |= bit;
            }
            return;
        }
        for (PortRange r : ranges) {
            for (int p = r.from(); p <= r.to(); p++) {
                table[p * ClassifierLayout.MASK_WORDS + word] |= bit;
            }
        }
    }

    private static List<LpmEntry> destinations(ClassifierRules rules) {
        List<LpmEntry> entries = trie(rules.rules(), r -> r.match().destinationPrefixes(), rules.sitePrefixes());
        List<LpmEntry> out = new ArrayList<>(entries.size());
        List<Prefix16> site16 = rules.sitePrefixes().stream().map(sp -> Prefix16.of(sp.prefix())).toList();
        for (LpmEntry e : entries) {
            int site = ClassifierLayout.NO_SITE;
            int best = -1;
            for (int i = 0; i < site16.size(); i++) {
                Prefix16 sp = site16.get(i);
                int index = rules.sitePrefixes().get(i).site();
                if (sp.covers(e.prefix()) && (sp.length() > best || (sp.length() == best && Integer.compareUnsigned(index, site) < 0))) {
                    best = sp.length();
                    site = index;
                }
            }
            out.add(new LpmEntry(e.prefix(), site, e.mask()));
        }
        return out;
    }

    private interface PrefixesOf {
        List<IpPrefix> of(Rule r);
    }

    private static List<LpmEntry> trie(List<Rule> rs, PrefixesOf prefixesOf, List<SitePrefix> extra) {
        Set<Prefix16> all = new LinkedHashSet<>();
        all.add(Prefix16.ALL);
        List<List<Prefix16>> perRule = new ArrayList<>(rs.size());
        for (Rule r : rs) {
            List<Prefix16> ps = prefixesOf.of(r).stream().map(Prefix16::of).toList();
            perRule.add(ps);
            all.addAll(ps);
        }
        for (SitePrefix sp : extra) {
            all.add(Prefix16.of(sp.prefix()));
        }
        if (all.size() > MAX_PREFIXES) {
            throw new ClassifierException(all.size() + " distinct prefixes in one lookup table; the classifier holds at most "
                    + MAX_PREFIXES);
        }
        Map<Prefix16, long[]> masks = new LinkedHashMap<>();
        for (Prefix16 p : all) {
            long[] mask = new long[ClassifierLayout.MASK_WORDS];
            for (int i = 0; i < rs.size(); i++) {
                List<Prefix16> ps = perRule.get(i);
                boolean accepts = ps.isEmpty();
                for (int j = 0; !accepts && j < ps.size(); j++) {
                    accepts = ps.get(j).covers(p);
                }
                if (accepts) {
                    mask[i >>> 6] |= 1L << (i & 63);
                }
            }
            masks.put(p, mask);
        }
        List<LpmEntry> out = new ArrayList<>(masks.size());
        masks.forEach((p, m) -> out.add(new LpmEntry(p, ClassifierLayout.NO_SITE, m)));
        return out;
    }
}
