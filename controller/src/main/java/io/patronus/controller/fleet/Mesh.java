package io.patronus.controller.fleet;

import io.patronus.controller.store.SiteRecord;
import io.patronus.model.Site;

import java.io.ByteArrayOutputStream;
import java.util.AbstractList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The enrolled sites of one organisation at one moment (a mesh never crosses organisations), sorted by id, each as every other appliance's bundle lists it: the
 * model site, its JSON and the JSON's digest ({@link Fragment}). One mesh is shared by the renderings of every
 * appliance made from it; "the mesh minus this site" is a view, its digest a subtraction ({@link RenderingDigest}).
 * Immutable and thread-safe.
 */
final class Mesh {
    /** One mesh site, serialised and digested once. */
    record Fragment(Site site, byte[] json, byte[] digest) {
        static Fragment of(SiteRecord s) {
            Site site = ConfigRenderer.modelSite(s);
            byte[] json = RenderingDigest.json(site);
            return new Fragment(site, json, RenderingDigest.sha256(json));
        }
    }

    static final Mesh EMPTY = new Mesh(new Fragment[0]);

    private final Fragment[] fragments;
    private final Map<String, Integer> index;
    private final RenderingDigest.Sum total;
    private final long jsonBytes;

    private Mesh(Fragment[] fragments) {
        this.fragments = fragments;
        this.index = new HashMap<>(fragments.length * 2);
        RenderingDigest.Sum sum = RenderingDigest.Sum.ZERO;
        long bytes = 0;
        for (int i = 0; i < fragments.length; i++) {
            index.put(fragments[i].site().id(), i);
            sum = sum.plus(fragments[i].digest());
            bytes += fragments[i].json().length + 1;
        }
        this.total = sum;
        this.jsonBytes = bytes;
    }

    /**
     * The mesh of the enrolled sites among {@code sites} (sorted by id, as the store lists them), each fragment from
     * {@code fragment} (a cache: a site that did not change is not serialised again).
     */
    static Mesh of(Collection<SiteRecord> sites, Function<SiteRecord, Fragment> fragment) {
        return new Mesh(sites.stream().filter(SiteRecord::enrolled).map(fragment).toArray(Fragment[]::new));
    }

    int size() {
        return fragments.length;
    }

    Optional<Fragment> fragment(String siteId) {
        Integer i = index.get(siteId);
        return i == null ? Optional.empty() : Optional.of(fragments[i]);
    }

    /** The digest sum of every site but {@code siteId}. */
    RenderingDigest.Sum peersOf(String siteId) {
        return fragment(siteId).map(f -> total.minus(f.digest())).orElse(total);
    }

    /** Every site but {@code siteId}, sorted by id; a view, not a copy. */
    List<Site> sitesExcept(String siteId) {
        int skip = index.getOrDefault(siteId, -1);
        int size = skip < 0 ? fragments.length : fragments.length - 1;
        return new AbstractList<>() {
            @Override
            public Site get(int i) {
                return fragments[skip >= 0 && i >= skip ? i + 1 : i].site();
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** Writes the JSON of every site but {@code siteId}, comma-separated (the inside of the bundle's sites array). */
    void writeSitesExcept(ByteArrayOutputStream out, String siteId) {
        boolean first = true;
        for (Fragment f : fragments) {
            if (f.site().id().equals(siteId)) {
                continue;
            }
            if (!first) {
                out.write(',');
            }
            out.writeBytes(f.json());
            first = false;
        }
    }

    /** Bytes {@link #writeSitesExcept} writes at most. */
    long jsonBytes() {
        return jsonBytes;
    }

    /** Digest by model site, to recognise a reported site without serialising it. */
    Map<Site, byte[]> digestsBySite() {
        Map<Site, byte[]> m = new HashMap<>(fragments.length * 2);
        for (Fragment f : fragments) {
            m.put(f.site(), f.digest());
        }
        return m;
    }
}
