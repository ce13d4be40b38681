package io.patronus.controller.fleet;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.BundleVersion;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.ObservedConfig;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.Tx;
import io.patronus.model.Site;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.BundleSigner;
import io.patronus.provisioning.PeerKeys;
import io.patronus.provisioning.SignedEnvelope;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Keeps every enrolled appliance's published bundle equal to its site's rendering, and makes the signed bundles.
 *
 * <h2>What it guarantees</h2>
 * <ul>
 * <li>{@link #reconcile} renders every enrolled site and, only where the rendering differs from the last published one
 *     (or the site is forced), gives that appliance a new version: above both its last published version and its
 *     desired version (which survives a re-enrolment of the site), so versions only ever increase. An unchanged fleet
 *     publishes nothing.</li>
 * <li>Every version bump of one reconcile is one store transaction: one durable log record and one fsync for the whole
 *     fleet, acknowledged before anyone is told. A crash after it (kill -9) keeps every new version; a crash before it
 *     keeps none, and the next start publishes them.</li>
 * <li>What is stored per version is the fact ({@link BundleVersion}: version, issue time, digest of the rendering),
 *     not the bundle. The bundle is rendered again from the store and signed when an appliance asks
 *     ({@link #envelope}). The payload bytes are a function of the stored inputs, and Ed25519 signatures are
 *     deterministic, so the bundle an appliance gets after a restart is the very same one, byte for byte; should the
 *     inputs have changed without a publish (a crash between a change and its publish), the digest no longer matches
 *     and the start-up reconcile publishes a new version instead of serving a different configuration under an old
 *     one.</li>
 * </ul>
 *
 * <h2>Why it is built this way</h2>
 * Every bundle lists every other site of its organisation, so an organisation of N sites has N bundles of N sites:
 * rendering, signing and storing each of them whole on every change (as the first version did) is O(N<sup>2</sup>)
 * work and log bytes per enrolment, seconds and a gigabyte at a thousand sites. Now each site is serialised once per
 * change of that site into a shared {@link Mesh} (one per organisation: a mesh never crosses organisations, so a
 * change in one organisation publishes nothing to the others), each appliance's rendering is a reference to the
 * shared parts and its digest a few hashes ({@link RenderingDigest}), and only the facts are written: a publish to the whole fleet costs O(N) and writes a few
 * dozen bytes per appliance. Signing stays O(N) per bundle, because the protocol sends whole bundles; it happens on
 * the long-poll's own (virtual) thread, in parallel, and only for appliances that ask.
 *
 * <p>The renderings of the last {@value #VERSIONS_KEPT} versions of each appliance are kept in memory (references to
 * the shared parts, a few hundred bytes each): they serve the bundles, decide whether a reported configuration is a
 * published one ({@link #observed}) and show older versions in the drift view.
 *
 * <p>Thread-safety: {@link #reconcile} does its work inside one store transaction (the store's lock serialises it
 * with every other writer); the caches it keeps are only touched there. The kept renderings are published through
 * concurrent maps of immutable values, so {@link #envelope} and the other reads are safe from any thread.
 */
public final class ConfigPublisher {
    private static final System.Logger LOG = System.getLogger(ConfigPublisher.class.getName());
    /** Versions of each appliance whose rendering is kept in memory. */
    static final int VERSIONS_KEPT = 4;
    private static final int POLICY_CACHE_MAX = 4096;
    private static final int AUDIT_LISTED = 10;

    private final ControllerStore store;
    private final BundleSigner signer;
    /** Guarded by the store's transaction lock. */
    private Map<SiteRecord, Mesh.Fragment> fragments = new IdentityHashMap<>();
    /** Guarded by the store's transaction lock. */
    private final Map<PolicyKey, PolicyPart> policyParts = new HashMap<>();
    private final ConcurrentHashMap<String, List<Kept>> kept = new ConcurrentHashMap<>();
    private volatile Map<Site, byte[]> siteDigests = Map.of();

    private record PolicyKey(String siteId, GroupConfig base, SiteOverrides overrides) {
    }

    private record PolicyPart(ConfigRenderer.Policies policies, byte[] digest) {
    }

    /** A published version's rendering, kept in memory. */
    private record Kept(long version, Instant issuedAt, String digest, BundleRendering rendering) {
    }

    /** A published configuration: the bundle's version and what it holds (built when asked for). */
    public record PublishedConfig(String siteId, long version, Instant issuedAt, BundleConfig config) {
    }

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
     * local changes); every new version in one transaction. Returns site id to new version for each bundle published.
     */
    public Map<String, Long> reconcile(String actor, Set<String> force) {
        return store.transact(actor, tx -> {
            Map<String, Long> published = new LinkedHashMap<>();
            List<SiteRecord> sites = tx.store().sites();
            Map<String, SiteRecord> byId = sites.stream().collect(Collectors.toMap(SiteRecord::id, s -> s));
            Map<String, OrganisationMesh> meshes = meshes(sites, byId, tx.store().keyRotations());
            Map<String, GroupRecord> groups = new HashMap<>();
            List<String> forcedUnchanged = new ArrayList<>();
            for (ApplianceRecord appliance : tx.store().appliances()) {
                String siteId = appliance.siteId();
                SiteRecord site = byId.get(siteId);
                if (site == null || !site.enrolled()) {
                    continue;
                }
                GroupRecord group = groups.computeIfAbsent(GroupRecord.key(site.organisation(), site.group()),
                        k -> tx.store().group(site.organisation(), site.group())
                                .orElse(GroupRecord.initial(site.organisation(), site.group(), tx.now())));
                PolicyPart policies = policyPart(site, group.revision(site.groupRevision()));
                if (!policies.policies().conflicts().isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "not publishing to " + siteId + ": " + policies.policies().conflicts());
                    continue;
                }
                OrganisationMesh m = meshes.get(site.organisation());
                BundleRendering r = new BundleRendering(siteId, m.mesh(), policies.policies(), policies.digest(), m.keys());
                Optional<BundleVersion> last = tx.store().bundle(siteId);
                boolean changed = last.isEmpty() || !last.get().digest().equals(r.digest());
                if (!changed && !force.contains(siteId)) {
                    keep(siteId, new Kept(last.get().version(), last.get().issuedAt(), last.get().digest(), r), false);
                    continue;
                }
                long version = Math.max(last.map(BundleVersion::version).orElse(0L), appliance.desiredVersion()) + 1;
                tx.publish(new BundleVersion(siteId, version, tx.now(), r.digest()));
                // Kept before the change is durable, under its version: a long-poll woken by the publish finds it. Should
                // the write fail, the next attempt publishes the same version number again and replaces it.
                keep(siteId, new Kept(version, tx.now(), r.digest(), r), true);
                published.put(siteId, version);
                if (!changed) {
                    forcedUnchanged.add(siteId);
                }
            }
            kept.keySet().removeIf(id -> tx.store().appliance(id).isEmpty());
            if (!published.isEmpty()) {
                // One audit line per organisation, so that each organisation's audit trail shows its own publishes.
                Map<String, Map<String, Long>> byOrganisation = new TreeMap<>();
                published.forEach((siteId, version) -> byOrganisation.computeIfAbsent(byId.get(siteId).organisation(),
                        o -> new LinkedHashMap<>()).put(siteId, version));
                byOrganisation.forEach((org, versions) -> audit(tx, org, actor, versions, forcedUnchanged.stream()
                        .filter(versions::containsKey).toList()));
            }
            return published;
        });
    }

    private static void audit(Tx tx, String organisation, String actor, Map<String, Long> published,
                              List<String> forcedUnchanged) {
        String forced = forcedUnchanged.isEmpty() ? "" : " (unchanged configuration, forced: " + String.join(", ", forcedUnchanged) + ")";
        if (published.size() == 1) {
            Map.Entry<String, Long> e = published.entrySet().iterator().next();
            tx.audit(organisation, actor, "config.publish", "appliance/" + e.getKey(), "published version " + e.getValue()
                    + forced, "");
            return;
        }
        String listed = published.entrySet().stream().limit(AUDIT_LISTED).map(e -> e.getKey() + " v" + e.getValue())
                .collect(Collectors.joining(", "));
        int more = published.size() - AUDIT_LISTED;
        tx.audit(organisation, actor, "config.publish", "appliances", "published new versions to " + published.size()
                + " appliances: " + listed + (more > 0 ? " and " + more + " more" : "") + forced, "");
    }

    /** One organisation's mesh and the key rotation fields of its bundles. */
    private record OrganisationMesh(Mesh mesh, PeerKeyRing keys) {
    }

    /**
     * The mesh of each organisation among {@code sites} (a bundle lists only its own organisation's sites), with the
     * key rotations of its sites, serialising only the sites that changed since the last call.
     */
    private Map<String, OrganisationMesh> meshes(List<SiteRecord> sites, Map<String, SiteRecord> byId,
                                                 List<KeyRotationRecord> rotations) {
        Map<SiteRecord, Mesh.Fragment> previous = fragments;
        Map<SiteRecord, Mesh.Fragment> next = new IdentityHashMap<>();
        Map<String, List<SiteRecord>> sitesByOrganisation = new HashMap<>();
        sites.forEach(s -> sitesByOrganisation.computeIfAbsent(s.organisation(), o -> new ArrayList<>()).add(s));
        Map<String, List<KeyRotationRecord>> rotationsByOrganisation = new HashMap<>();
        for (KeyRotationRecord r : rotations) {
            SiteRecord s = byId.get(r.siteId());
            if (s != null) {
                rotationsByOrganisation.computeIfAbsent(s.organisation(), o -> new ArrayList<>()).add(r);
            }
        }
        Map<String, OrganisationMesh> out = new HashMap<>();
        sitesByOrganisation.forEach((org, members) -> {
            Mesh mesh = Mesh.of(members, s -> {
                Mesh.Fragment f = previous.get(s);
                if (f == null) {
                    f = Mesh.Fragment.of(s);
                }
                next.put(s, f);
                return f;
            });
            out.put(org, new OrganisationMesh(mesh, PeerKeyRing.of(rotationsByOrganisation.getOrDefault(org, List.of()), mesh)));
        });
        if (next.size() != previous.size() || !next.keySet().equals(previous.keySet())) {
            Map<Site, byte[]> digests = new HashMap<>();
            out.values().forEach(m -> digests.putAll(m.mesh().digestsBySite()));
            siteDigests = digests;
        }
        fragments = next;
        return out;
    }

    private PolicyPart policyPart(SiteRecord site, GroupConfig base) {
        // The site id is part of the key only because conflict messages name the site.
        PolicyKey key = new PolicyKey(site.id(), base, site.overrides());
        PolicyPart part = policyParts.get(key);
        if (part == null) {
            if (policyParts.size() >= POLICY_CACHE_MAX) {
                policyParts.clear();
            }
            ConfigRenderer.Policies p = ConfigRenderer.policies(site.id(), base, site.overrides());
            part = new PolicyPart(p, RenderingDigest.policies(p.policies(), p.slaClasses()));
            policyParts.put(key, part);
        }
        return part;
    }

    private void keep(String siteId, Kept k, boolean replaceSameVersion) {
        kept.compute(siteId, (id, list) -> {
            List<Kept> out = new ArrayList<>(list == null ? List.of() : list);
            if (!replaceSameVersion && out.stream().anyMatch(x -> x.version() == k.version() && x.digest().equals(k.digest()))) {
                return list;
            }
            out.removeIf(x -> x.version() == k.version());
            out.add(k);
            out.sort(Comparator.comparingLong(Kept::version));
            while (out.size() > VERSIONS_KEPT) {
                out.removeFirst();
            }
            return List.copyOf(out);
        });
    }

    private Optional<Kept> kept(String siteId, long version) {
        List<Kept> list = kept.getOrDefault(siteId, List.of());
        for (int i = list.size() - 1; i >= 0; i--) {
            if (list.get(i).version() == version) {
                return Optional.of(list.get(i));
            }
        }
        return Optional.empty();
    }

    private Optional<Kept> kept(BundleVersion b) {
        return kept(b.siteId(), b.version()).filter(k -> k.issuedAt().equals(b.issuedAt()) && k.digest().equals(b.digest()));
    }

    // ---- serving ------------------------------------------------------------------------------------------------------

    /**
     * The signed bundle of a published version: rendered from the kept rendering and signed now. Empty only when the
     * rendering is not known (the controller could not render the site at start, a conflict it logged then).
     * Thread-safe; costs one serialisation and one signature of the bundle.
     */
    public Optional<SignedEnvelope> envelope(BundleVersion b) {
        return kept(b).map(k -> signer.sign(k.rendering().payload(b.version(), b.issuedAt())));
    }

    /** The newest published configuration of a site's appliance. */
    public Optional<PublishedConfig> published(String siteId) {
        return store.bundle(siteId).flatMap(b -> kept(b).map(k -> new PublishedConfig(siteId, b.version(), b.issuedAt(),
                k.rendering().config())));
    }

    /** The configuration published to a site's appliance as {@code version}, while its rendering is kept. */
    public Optional<BundleConfig> config(String siteId, long version) {
        return kept(siteId, version).map(k -> k.rendering().config());
    }

    /** A rotating peer's extra keys as the bundle version {@code b} lists them. */
    public Optional<PeerKeys> peerKeys(BundleVersion b, String peer) {
        return kept(b).flatMap(k -> k.rendering().peerKeys(peer));
    }

    /**
     * How to store a configuration an appliance reports running: by reference when it equals one of the published
     * versions kept for it (newest first), whole otherwise. Costs a hash lookup per site, no serialisation, for sites
     * as the mesh has them.
     */
    public ObservedConfig observed(String siteId, BundleConfig reported) {
        Map<Site, byte[]> digests = siteDigests;
        String digest = RenderingDigest.content(reported, s -> {
            byte[] d = digests.get(s);
            return d != null ? d : RenderingDigest.site(s);
        });
        List<Kept> list = kept.getOrDefault(siteId, List.of());
        for (int i = list.size() - 1; i >= 0; i--) {
            if (list.get(i).rendering().contentDigest().equals(digest)) {
                return ObservedConfig.published(digest, list.get(i).version());
            }
        }
        return ObservedConfig.differing(digest, reported);
    }
}
