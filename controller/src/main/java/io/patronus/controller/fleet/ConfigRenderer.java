package io.patronus.controller.fleet;

import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.KeyRotation;
import io.patronus.provisioning.PeerKeys;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders the configuration one site's appliance should run: the other enrolled sites of its organisation's mesh (key,
 * endpoints, LAN prefixes) as model sites (a mesh never crosses organisations), its group's policies and SLA classes at the revision released to it, overridden by
 * name with the site's own and without the ones the site removes; and, with {@link #withKeys}, the key rotations: the
 * site's own step and the next or retiring keys of its rotating peers. Pure: the same inputs give an equal result,
 * which is how the publisher decides that nothing changed.
 */
public final class ConfigRenderer {
    private ConfigRenderer() {
    }

    /** A rendering and the conflicts that make it unusable (duplicate policy ids or priorities); empty when usable. */
    public record Rendering(BundleConfig config, List<String> conflicts) {
    }

    public static Rendering render(SiteRecord site, Collection<SiteRecord> all, GroupRecord group) {
        return render(site, all, group.revision(site.groupRevision()), site.overrides());
    }

    /** Renders with an explicit group configuration and overrides (to check a change before it is made). */
    public static Rendering render(SiteRecord site, Collection<SiteRecord> all, GroupConfig base, SiteOverrides overrides) {
        List<Site> peers = all.stream()
                .filter(s -> !s.id().equals(site.id()) && s.enrolled() && s.organisation().equals(site.organisation()))
                .sorted(Comparator.comparing(SiteRecord::id))
                .map(ConfigRenderer::modelSite)
                .toList();
        Policies p = policies(site.id(), base, overrides);
        return new Rendering(new BundleConfig(peers, p.policies(), p.slaClasses()), p.conflicts());
    }

    /**
     * A site's policies and SLA classes, ordered as a bundle lists them (policies by priority then id, SLA classes by
     * name), and the conflicts that make them unusable.
     */
    public record Policies(List<Policy> policies, List<SlaClass> slaClasses, List<String> conflicts) {
        public Policies {
            policies = List.copyOf(policies);
            slaClasses = List.copyOf(slaClasses);
            conflicts = List.copyOf(conflicts);
        }
    }

    /** The group's policies and SLA classes overridden by name with the site's own, without the ones it removes. */
    public static Policies policies(String siteId, GroupConfig base, SiteOverrides overrides) {
        Map<String, Policy> policies = new LinkedHashMap<>();
        base.policies().forEach(p -> policies.put(p.name(), p));
        overrides.removePolicies().forEach(policies::remove);
        overrides.policies().forEach(p -> policies.put(p.name(), p));
        Map<String, SlaClass> sla = new LinkedHashMap<>();
        base.slaClasses().forEach(s -> sla.put(s.name(), s));
        overrides.removeSlaClasses().forEach(sla::remove);
        overrides.slaClasses().forEach(s -> sla.put(s.name(), s));
        List<Policy> ordered = policies.values().stream()
                .sorted(Comparator.comparingInt(Policy::priority).thenComparing(Policy::id)).toList();
        List<SlaClass> slaOrdered = sla.values().stream().sorted(Comparator.comparing(SlaClass::name)).toList();
        return new Policies(ordered, slaOrdered, conflicts(siteId, ordered));
    }

    /**
     * Why the site's configuration would be unusable with this group configuration and these overrides (duplicate
     * policy ids or priorities); empty when usable. Does not look at the mesh, so checking every site of a group
     * costs nothing per other site.
     */
    public static List<String> conflicts(String siteId, GroupConfig base, SiteOverrides overrides) {
        return policies(siteId, base, overrides).conflicts();
    }

    /** The configuration without the key rotation fields: the part an appliance reports as observed. */
    public static BundleConfig withoutKeys(BundleConfig config) {
        return new BundleConfig(config.sites(), config.policies(), config.slaClasses());
    }

    /** A rendering with the key rotation fields the site's bundle carries now (see {@link KeyRotationRecord}). */
    public static BundleConfig withKeys(BundleConfig config, String siteId, Collection<KeyRotationRecord> rotations) {
        Optional<KeyRotation> own = Optional.empty();
        Map<String, PeerKeys> peers = new TreeMap<>();
        Set<String> inBundle = config.sites().stream().map(Site::id).collect(Collectors.toSet());
        for (KeyRotationRecord r : rotations) {
            if (r.siteId().equals(siteId)) {
                own = switch (r.phase()) {
                    case KeyRotationRecord.REQUESTED, KeyRotationRecord.DISTRIBUTING -> Optional.of(KeyRotation.generate(r.id()));
                    case KeyRotationRecord.SWITCHING -> Optional.of(KeyRotation.switchTo(r.id(), r.nextPublicKey().orElseThrow()));
                    default -> Optional.empty();
                };
            } else if (inBundle.contains(r.siteId())) {
                switch (r.phase()) {
                    case KeyRotationRecord.DISTRIBUTING, KeyRotationRecord.SWITCHING ->
                            peers.put(r.siteId(), PeerKeys.next(r.nextPublicKey().orElseThrow()));
                    case KeyRotationRecord.RETIRING -> peers.put(r.siteId(), PeerKeys.retiring(r.oldPublicKey()));
                    default -> {
                        // no extra key: before the next key exists, and after the grace period
                    }
                }
            }
        }
        return config.withKeys(own, peers);
    }

    private static List<String> conflicts(String siteId, List<Policy> policies) {
        List<String> out = new ArrayList<>();
        Map<String, Policy> ids = new HashMap<>();
        Map<Integer, Policy> priorities = new HashMap<>();
        for (Policy p : policies) {
            Policy sameId = ids.putIfAbsent(p.id(), p);
            if (sameId != null) {
                out.add("site " + siteId + " would get two policies with id " + p.id() + " (named '" + sameId.name()
                        + "' and '" + p.name() + "')");
            }
            Policy samePriority = priorities.putIfAbsent(p.priority(), p);
            if (samePriority != null) {
                out.add("site " + siteId + " would get policies " + samePriority.id() + " and " + p.id()
                        + " with the same priority " + p.priority());
            }
        }
        return out;
    }

    /** The model form of an enrolled site, as the appliances store it. */
    public static Site modelSite(SiteRecord s) {
        return new Site(s.id(), s.name(), s.location(), s.wireguardPublicKey().orElseThrow(), s.endpoints(), s.lanPrefixes(),
                SiteStatus.ACTIVE, s.createdAt());
    }
}
