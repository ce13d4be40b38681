package io.patronus.controller.fleet;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.model.Policy;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigDiff;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Desired versus observed configuration of an appliance (local changes made while the controller was unreachable),
 * and the operator's two ways out: adopt the observed policies and SLA classes as the site's overrides, or overwrite
 * the appliance by publishing the desired configuration again under a new version.
 */
public final class Drift {
    private final ControllerStore store;
    private final ConfigPublisher publisher;

    public Drift(ControllerStore store, ConfigPublisher publisher) {
        this.store = store;
        this.publisher = publisher;
    }

    /**
     * The comparison for one appliance.
     *
     * @param lines           {@link ConfigDiff} lines from desired to observed; empty when equal or nothing observed yet
     * @param inSync          true when an observed configuration exists and equals the desired one
     * @param observedAt      when the observed configuration was reported
     * @param observedVersion the published version the observed configuration equals, when it does
     * @param note            what the report cannot show, "" when nothing
     */
    public record Report(String siteId, long desiredVersion, long appliedVersion, int localChanges, boolean inSync,
                         Optional<Instant> observedAt, List<String> lines, Optional<BundleConfig> desired,
                         Optional<BundleConfig> observed, Optional<Long> observedVersion, String note) {
    }

    public Report report(String siteId) {
        ApplianceRecord a = appliance(siteId);
        Optional<BundleConfig> desired = publisher.published(siteId).map(ConfigPublisher.PublishedConfig::config);
        Optional<BundleConfig> observed = observed(a);
        String note = "";
        if (observed.isEmpty() && a.observedVersion().isPresent()) {
            note = "the appliance runs version " + a.observedVersion().get() + " exactly as published (no local changes); "
                    + "that version's configuration is no longer kept, so it is not listed";
        }
        List<String> lines = desired.isPresent() && observed.isPresent()
                ? ConfigDiff.diff(desired.get(), observed.get()) : List.of();
        return new Report(siteId, a.desiredVersion(), a.appliedVersion(), a.localChanges(),
                observed.isPresent() && lines.isEmpty(), a.observedAt(), lines, desired, observed, a.observedVersion(), note);
    }

    /** What the appliance last reported running: kept whole, or the published version it equals while that is kept. */
    private Optional<BundleConfig> observed(ApplianceRecord a) {
        if (a.observedVersion().isPresent()) {
            return publisher.config(a.siteId(), a.observedVersion().get()).map(ConfigRenderer::withoutKeys);
        }
        return a.observedConfig();
    }

    /** What {@link #adopt} did: the site's new overrides, the version published, and differences it cannot adopt. */
    public record Adoption(String siteId, SiteOverrides overrides, Map<String, Long> published, List<String> notAdopted) {
    }

    /**
     * Makes the observed policies and SLA classes desired, as overrides of the site against its group; mesh sites
     * are not adoptable (they come from enrolment) and are listed in {@link Adoption#notAdopted()}.
     *
     * @throws FleetException 409 when nothing was observed yet, or the result would conflict
     */
    public Adoption adopt(String siteId, String actor, String remote) {
        ApplianceRecord a = appliance(siteId);
        if (a.observedConfig().isEmpty() && a.observedVersion().isPresent()) {
            throw FleetException.conflict("appliance " + siteId + " runs version " + a.observedVersion().get()
                    + " exactly as published: there are no local changes to adopt", null);
        }
        BundleConfig observed = a.observedConfig().orElseThrow(() -> FleetException.conflict("appliance " + siteId
                + " has not reported its configuration yet; nothing to adopt", null));
        SiteOverrides overrides = store.transact(actor, tx -> {
            SiteRecord site = tx.store().site(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId + " does not exist"));
            GroupConfig base = tx.store().group(site.organisation(), site.group()).map(g -> g.revision(site.groupRevision()))
                    .orElse(GroupConfig.empty());
            SiteOverrides o = overridesFor(base, observed);
            List<String> conflicts = ConfigRenderer.conflicts(site.id(), base, o);
            if (!conflicts.isEmpty()) {
                throw FleetException.conflict("the observed configuration cannot be adopted: " + String.join("; ", conflicts), null);
            }
            tx.putSite(site.withOverrides(o));
            tx.audit(site.organisation(), actor, "drift.adopt", "site/" + siteId, "observed configuration adopted as overrides: "
                    + o.policies().size() + " policies, " + o.removePolicies().size() + " removed, " + o.slaClasses().size()
                    + " SLA classes, " + o.removeSlaClasses().size() + " removed", remote);
            return o;
        });
        Map<String, Long> published = publisher.reconcile(actor);
        Report after = report(siteId);
        List<String> notAdopted = after.lines().stream().filter(l -> l.contains(" site ")).toList();
        return new Adoption(siteId, overrides, published, notAdopted);
    }

    /** Publishes the desired configuration again with a new version, so the appliance drops its local changes. */
    public Map<String, Long> overwrite(String siteId, String actor, String remote) {
        appliance(siteId);
        String organisation = store.site(siteId).map(SiteRecord::organisation).orElse("");
        store.audit(organisation, actor, "drift.overwrite", "site/" + siteId, "desired configuration republished over local changes", remote);
        return publisher.reconcile(actor, Set.of(siteId));
    }

    /** The overrides that turn {@code base} into exactly the observed policies and SLA classes. */
    static SiteOverrides overridesFor(GroupConfig base, BundleConfig observed) {
        Map<String, Policy> basePolicies = base.policies().stream().collect(Collectors.toMap(Policy::name, Function.identity(), (x, y) -> y));
        Map<String, SlaClass> baseSla = base.slaClasses().stream().collect(Collectors.toMap(SlaClass::name, Function.identity(), (x, y) -> y));
        Set<String> observedPolicyNames = observed.policies().stream().map(Policy::name).collect(Collectors.toSet());
        Set<String> observedSlaNames = observed.slaClasses().stream().map(SlaClass::name).collect(Collectors.toSet());
        List<Policy> policies = new ArrayList<>();
        for (Policy p : observed.policies()) {
            if (!p.equals(basePolicies.get(p.name()))) {
                policies.add(p);
            }
        }
        List<SlaClass> sla = new ArrayList<>();
        for (SlaClass s : observed.slaClasses()) {
            if (!s.equals(baseSla.get(s.name()))) {
                sla.add(s);
            }
        }
        List<String> removePolicies = basePolicies.keySet().stream().filter(n -> !observedPolicyNames.contains(n)).sorted().toList();
        List<String> removeSla = baseSla.keySet().stream().filter(n -> !observedSlaNames.contains(n)).sorted().toList();
        return new SiteOverrides(policies, removePolicies, sla, removeSla);
    }

    private ApplianceRecord appliance(String siteId) {
        return store.appliance(siteId).orElseThrow(() -> FleetException.notFound("no appliance is enrolled for site "
                + siteId + " (see GET /v1/admin/appliances)"));
    }
}
