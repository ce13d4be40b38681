package io.patronus.appliance.classify;

import io.patronus.appliance.classify.ClassifierRules.Action;
import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds {@link ClassifierRules} from the appliance's state: policies in priority order (ties by id), the
 * remote sites' LAN prefixes, and steering entries that use the fwmarks of {@link TunnelPlan}. A route policy
 * is steered to its primary colour, or to its backup when this site or the remote site lacks the primary; the
 * site default is the local link with the best (lowest) priority that the remote site can be reached on.
 * Health-driven choices (failover) replace entries of this table at run time.
 */
public final class SteeringPlan {
    private SteeringPlan() {
    }

    public static ClassifierRules build(String localSiteId, List<Link> links, List<Site> sites, List<Policy> policies,
                                        SlotAssignments slots) {
        return build(localSiteId, links, sites, policies, slots, ColourChoices.NONE);
    }

    /** As above, with run-time choices (failover) taking precedence wherever the chosen colour reaches the site. */
    public static ClassifierRules build(String localSiteId, List<Link> links, List<Site> sites, List<Policy> policies,
                                        SlotAssignments slots, ColourChoices choices) {
        List<Site> remote = sites.stream().filter(s -> !s.id().equals(localSiteId) && s.status() == SiteStatus.ACTIVE)
                .sorted(Comparator.comparing(Site::id)).toList();
        List<Policy> ordered = policies.stream()
                .sorted(Comparator.comparingInt(Policy::priority).thenComparing(Policy::id)).toList();
        slots.assignSites(remote.stream().map(Site::id).collect(Collectors.toSet()));
        slots.assignPolicies(ordered.stream().map(Policy::id).collect(Collectors.toSet()));

        List<Rule> rules = new ArrayList<>(ordered.size());
        for (Policy p : ordered) {
            Action action;
            long kbps = 0;
            switch (p.action()) {
                case PolicyAction.Route r -> action = Action.ROUTE;
                case PolicyAction.Drop d -> action = Action.DROP;
                case PolicyAction.RateLimit rl -> {
                    action = Action.RATE_LIMIT;
                    kbps = rl.kbps();
                }
            }
            rules.add(new Rule(slots.policySlot(p.id()), p.id(), p.name(), p.priority(), p.match(), action, kbps));
        }
        Map<String, Steer> byColour = colours(links);
        List<SitePrefix> prefixes = new ArrayList<>();
        Map<SteerKey, Steer> steering = new HashMap<>();
        for (Site s : remote) {
            int index = slots.siteIndex(s.id());
            for (IpPrefix prefix : s.lanPrefixes()) {
                prefixes.add(new SitePrefix(index, s.id(), prefix));
            }
            choices.colour("", s.id()).flatMap(c -> usable(c, s, byColour))
                    .or(() -> links.stream().sorted(Comparator.comparingInt(Link::priority))
                            .filter(l -> s.endpoints().containsKey(l.colour())).findFirst().map(l -> byColour.get(l.colour())))
                    .ifPresent(st -> steering.put(new SteerKey(index, ClassifierRules.DEFAULT_SLOT), st));
            for (Policy p : ordered) {
                if (p.action() instanceof PolicyAction.Route r) {
                    choices.colour(p.id(), s.id()).flatMap(c -> usable(c, s, byColour))
                            .or(() -> usable(r.primary(), s, byColour)).or(() -> usable(r.backup(), s, byColour))
                            .ifPresent(st -> steering.put(new SteerKey(index, slots.policySlot(p.id())), st));
                }
            }
        }
        return new ClassifierRules(rules, prefixes, steering);
    }

    /** The steering value of each local colour: its fwmark under the tunnel plan's mask. */
    public static Map<String, Steer> colours(List<Link> links) {
        Map<String, Steer> m = new HashMap<>();
        for (int i = 0; i < links.size(); i++) {
            m.put(links.get(i).colour(), new Steer(links.get(i).colour(), (i + 1) << 8, (int) TunnelPlan.MARK_MASK));
        }
        return m;
    }

    private static Optional<Steer> usable(String colour, Site remote, Map<String, Steer> byColour) {
        return remote.endpoints().containsKey(colour) ? Optional.ofNullable(byColour.get(colour)) : Optional.empty();
    }
}
