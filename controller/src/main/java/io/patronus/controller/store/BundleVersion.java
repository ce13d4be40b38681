package io.patronus.controller.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The newest configuration bundle published for a site's appliance, as the store keeps it: the fact, not the bundle.
 * The version and the time it was issued at are what the signed bundle carries; {@code digest} identifies the
 * rendered configuration (see {@code io.patronus.controller.fleet.RenderingDigest}). The configuration itself is
 * rendered again from the sites, groups and key rotations, and signed when an appliance asks: the store is written a
 * few dozen bytes per appliance and publish instead of the whole mesh, and a restart serves byte-identical bundles
 * (Ed25519 signatures are deterministic) as long as the rendering still has this digest.
 *
 * @param digest hex digest of the rendering, or "" for a bundle published before digests were kept (it is then
 *               published again, under a higher version, at the next start)
 */
public record BundleVersion(String siteId, long version, Instant issuedAt, String digest) {
    public BundleVersion {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(issuedAt, "issuedAt");
        digest = digest == null ? "" : digest;
        if (version < 1) {
            throw new IllegalArgumentException("bundle version of " + siteId + " must be at least 1, was " + version);
        }
    }
}
