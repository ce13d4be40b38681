package io.patronus.controller.fleet;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.PublishedBundle;
import io.patronus.controller.store.SiteRecord;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.BundleSigner;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.SignedEnvelope;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps every enrolled appliance's published bundle equal to its site's rendering. {@link #reconcile} renders each
 * enrolled site and, only where the rendering differs from the last published one (or the site is forced), bumps
 * that appliance's version, signs a new {@link ConfigBundle} and stores it; the store's listener then wakes the
 * long-polls. So enrolling or deleting a site updates the mesh of every other appliance, and an unchanged fleet
 * publishes nothing.
 *
 * <p>Versions are per appliance and strictly increasing: the next one is above both the last published bundle and
 * the appliance's desired version (which survives a re-enrolment of the site).
 *
 * <p>Thread-safety: each appliance's decision and publish is one store transaction, so concurrent calls cannot
 * publish the same rendering twice.
 */
public final class ConfigPublisher {
    private static final System.Logger LOG = System.getLogger(ConfigPublisher.class.getName());

    private final ControllerStore store;
    private final BundleSigner signer;

    public ConfigPublisher(ControllerStore store, BundleSigner signer) {
        this.store = store;
        this.signer = signer;
    }

    /** Publishes what changed; returns site id to new version for each bundle published. */
    public Map<String, Long> reconcile(String actor) {
        return reconcile(actor, Set.of());
    }

    /**
     * Publishes what changed, and a new version for each site in {@code force} even when unchanged (an overwrite of
     * local changes).
     */
    public Map<String, Long> reconcile(String actor, Set<String> force) {
        Map<String, Long> published = new LinkedHashMap<>();
        // One change per appliance: a bundle holds every other site, so one change for the whole fleet would grow with
        // the square of its size; per appliance it stays linear, and each decision is still made under the store lock.
        for (ApplianceRecord candidate : store.appliances()) {
            String siteId = candidate.siteId();
            store.transact(actor, tx -> {
                Optional<ApplianceRecord> appliance = tx.store().appliance(siteId);
                Optional<SiteRecord> site = tx.store().site(siteId);
                if (appliance.isEmpty() || site.isEmpty() || !site.get().enrolled()) {
                    return null;
                }
                GroupRecord group = tx.store().group(site.get().group())
                        .orElse(GroupRecord.initial(site.get().group(), tx.now()));
                ConfigRenderer.Rendering r = ConfigRenderer.render(site.get(), tx.store().sites(), group);
                if (!r.conflicts().isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "not publishing to " + siteId + ": " + r.conflicts());
                    return null;
                }
                BundleConfig config = ConfigRenderer.withKeys(r.config(), siteId, tx.store().keyRotations());
                Optional<PublishedBundle> last = tx.store().bundle(siteId);
                boolean changed = last.isEmpty() || !last.get().config().equals(config);
                if (!changed && !force.contains(siteId)) {
                    return null;
                }
                long version = Math.max(last.map(PublishedBundle::version).orElse(0L), appliance.get().desiredVersion()) + 1;
                ConfigBundle bundle = new ConfigBundle(siteId, version, tx.now(), config);
                SignedEnvelope envelope = signer.sign(bundle);
                tx.putBundle(new PublishedBundle(siteId, version, tx.now(), config, envelope));
                tx.putAppliance(appliance.get().toBuilder().desiredVersion(version).build());
                tx.audit(actor, "config.publish", "appliance/" + siteId, "published version " + version
                        + (changed ? "" : " (unchanged configuration, forced)"), "");
                published.put(siteId, version);
                return null;
            });
        }
        return published;
    }
}
