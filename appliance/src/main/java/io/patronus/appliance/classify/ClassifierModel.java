package io.patronus.appliance.classify;

import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The classifier's semantics written plainly: longest site prefix for the destination, then the first rule in
 * order whose every criterion holds, then the steering table. The kernel program computes the same thing with
 * bitmaps and tries; this class is the specification it is tested against, and what the appliance uses to
 * explain a decision to an operator. Rate-limit state and counters are kept like the kernel's, so that a stream
 * of packets gives the same verdicts and counts. Not thread-safe.
 */
public final class ClassifierModel {
    private final ClassifierRules rules;
    private final long[] rateTat = new long[ClassifierRules.MAX_RULES];
    private final long[][] policyStats = new long[ClassifierRules.MAX_RULES][4];
    private final long[][] verdictStats = new long[Verdict.values().length][2];
    private final List<Prefix16> sitePrefixes16;

    public ClassifierModel(ClassifierRules rules) {
        this.rules = rules;
        this.sitePrefixes16 = rules.sitePrefixes().stream().map(sp -> Prefix16.of(sp.prefix())).toList();
    }

    public ClassifierRules rules() {
        return rules;
    }

    /** Classifies a whole frame as the kernel would, updating rate state and counters. */
    public Decision classify(byte[] frame, int markIn, long nowNs) {
        Optional<Flow> flow = PacketParser.parse(frame);
        if (flow.isEmpty()) {
            count(Verdict.UNPARSED, frame.length);
            return new Decision(Verdict.UNPARSED, markIn, Optional.empty(), Optional.empty(), Optional.empty(),
                    List.of("not an IPv4/IPv6 packet with complete headers"));
        }
        return decide(flow.get(), frame.length, markIn, nowNs, true);
    }

    /**
     * Explains what would happen to a flow, without touching counters or rate state; a rate-limited policy is
     * shown as steering its conforming packets.
     */
    public Decision explain(Flow flow) {
        return decide(flow, 0, 0, 0, false);
    }

    private Decision decide(Flow flow, int length, int markIn, long nowNs, boolean live) {
        List<String> why = new ArrayList<>();
        int siteIndex = -1;
        int bestLength = -1;
        SitePrefix bestPrefix = null;
        for (int i = 0; i < sitePrefixes16.size(); i++) {
            Prefix16 p = sitePrefixes16.get(i);
            SitePrefix sp = rules.sitePrefixes().get(i);
            if (p.contains(flow.destinationBytes())
                    && (p.length() > bestLength || (p.length() == bestLength && sp.site() < siteIndex))) {
                bestLength = p.length();
                siteIndex = sp.site();
                bestPrefix = sp;
            }
        }
        if (bestPrefix == null) {
            why.add("destination " + Flow.format(flow.destinationBytes()) + " is not in any remote site's prefixes");
            return finish(Verdict.NO_SITE, markIn, null, Optional.empty(), null, why, length, live);
        }
        why.add("destination " + Flow.format(flow.destinationBytes()) + " is in site " + bestPrefix.siteId()
                + "'s prefix " + bestPrefix.prefix());
        Optional<String> site = Optional.of(bestPrefix.siteId());
        for (Rule r : rules.rules()) {
            if (!r.matches(flow)) {
                continue;
            }
            why.add("policy " + r.policyName() + " (priority " + r.priority() + ") is the first that matches");
            if (live) {
                long[] s = policyStats[r.slot()];
                s[0]++;
                s[1] += length;
            }
            if (r.action() == ClassifierRules.Action.DROP) {
                why.add("its action is drop");
                return dropped(Verdict.DROPPED, markIn, r, site, why, length, live);
            }
            if (r.action() == ClassifierRules.Action.RATE_LIMIT) {
                if (live && !conforms(r, length, nowNs)) {
                    why.add("over its rate of " + r.kbps() + " kbit/s");
                    return dropped(Verdict.RATE_LIMITED, markIn, r, site, why, length, live);
                }
                why.add("its action is rate_limit " + r.kbps() + " kbit/s; conforming packets are steered");
            }
            return steer(siteIndex, r.slot(), Verdict.STEERED, markIn, r, site, why, length, live);
        }
        why.add("no policy matches");
        return steer(siteIndex, ClassifierRules.DEFAULT_SLOT, Verdict.DEFAULT, markIn, null, site, why, length, live);
    }

    private Decision steer(int site, int slot, Verdict ok, int markIn, Rule r, Optional<String> siteOpt, List<String> why,
                           int length, boolean live) {
        Steer s = rules.steering().get(new SteerKey(site, slot));
        if (s == null && slot != ClassifierRules.DEFAULT_SLOT) {
            s = rules.steering().get(new SteerKey(site, ClassifierRules.DEFAULT_SLOT));
            if (s != null) {
                why.add("no colour is steered for this policy and site; the site's default colour applies");
            }
        }
        if (s == null) {
            why.add("no colour is steered for the site (no usable tunnel): the packet leaves unmarked");
            return finish(Verdict.NO_PATH, markIn, r, siteOpt, null, why, length, live);
        }
        why.add("sent over colour " + s.colour() + String.format(" (fwmark 0x%x/0x%x)", s.mark(), s.mask()));
        return finish(ok, s.apply(markIn), r, siteOpt, s, why, length, live);
    }

    private Decision dropped(Verdict v, int markIn, Rule r, Optional<String> site, List<String> why, int length, boolean live) {
        if (live) {
            long[] s = policyStats[r.slot()];
            s[2]++;
            s[3] += length;
        }
        return finish(v, markIn, r, site, null, why, length, live);
    }

    private Decision finish(Verdict v, int mark, Rule r, Optional<String> site, Steer s, List<String> why, int length, boolean live) {
        if (live) {
            count(v, length);
        }
        return new Decision(v, mark, Optional.ofNullable(r), site, Optional.ofNullable(s), why);
    }

    // Same arithmetic as rate_conforms() in bpf_classifier.c, unsigned where the kernel's u64s are.
    private boolean conforms(Rule r, int length, long now) {
        long cost = ClassifierRules.costQ16(r.kbps());
        long burst = ClassifierRules.burstNs(cost);
        long old = rateTat[r.slot()];
        long tat = Long.compareUnsigned(old, now) < 0 ? now : old;
        if (Long.compareUnsigned(tat - now, burst) > 0) {
            return false;
        }
        rateTat[r.slot()] = tat + ((length * cost) >>> 16);
        return true;
    }

    private void count(Verdict v, int length) {
        verdictStats[v.code()][0]++;
        verdictStats[v.code()][1] += length;
    }

    /** Packets, bytes, dropped packets, dropped bytes for a policy slot. */
    public long[] policyStats(int slot) {
        return policyStats[slot].clone();
    }

    /** Packets and bytes for a verdict. */
    public long[] verdictStats(Verdict v) {
        return verdictStats[v.code()].clone();
    }
}
