package io.patronus.controller.fleet;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.KeyRotation;
import io.patronus.provisioning.PeerKeys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One appliance's configuration, by reference to the parts it shares with the rest of the fleet: the {@link Mesh}
 * (every other site), its {@link ConfigRenderer.Policies policies} (shared by the sites of a group revision without
 * overrides) and the {@link PeerKeyRing}. Making one costs a few hashes ({@link RenderingDigest}); the configuration
 * and the signed payload are only built when asked for, the payload by splicing the sites' JSON fragments into the
 * serialisation of the rest, byte for byte what serialising the whole {@link ConfigBundle} gives. Immutable and
 * thread-safe.
 */
final class BundleRendering {
    private static final byte[] SITES = "\"config\":{\"sites\":[]".getBytes(StandardCharsets.US_ASCII);

    private final String siteId;
    private final Mesh mesh;
    private final ConfigRenderer.Policies policies;
    private final PeerKeyRing keys;
    private final String contentDigest;
    private final String digest;

    BundleRendering(String siteId, Mesh mesh, ConfigRenderer.Policies policies, byte[] policiesDigest, PeerKeyRing keys) {
        this.siteId = siteId;
        this.mesh = mesh;
        this.policies = policies;
        this.keys = keys;
        byte[] content = RenderingDigest.content(mesh.peersOf(siteId), policiesDigest);
        this.contentDigest = RenderingDigest.hex(content);
        this.digest = RenderingDigest.rendering(content, keys.own(siteId), keys.sumOf(siteId));
    }

    String siteId() {
        return siteId;
    }

    /** Digest of the whole configuration, key fields included; equal digests, equal configurations. */
    String digest() {
        return digest;
    }

    /** Digest of the sites, policies and SLA classes: what an appliance running this configuration reports. */
    String contentDigest() {
        return contentDigest;
    }

    List<String> conflicts() {
        return policies.conflicts();
    }

    /** The configuration, built now (the sites list is a view of the shared mesh). */
    BundleConfig config() {
        return new BundleConfig(mesh.sitesExcept(siteId), policies.policies(), policies.slaClasses(), keys.own(siteId),
                keys.peersOf(siteId));
    }

    /** One rotating peer's extra keys as this configuration lists them. */
    Optional<PeerKeys> peerKeys(String peer) {
        return mesh.fragment(peer).isPresent() ? keys.peer(siteId, peer) : Optional.empty();
    }

    Optional<KeyRotation> keyRotation() {
        return keys.own(siteId);
    }

    /**
     * The signed payload of this configuration as bundle {@code version}: the JSON of the {@link ConfigBundle}, made
     * from the JSON of a bundle without sites with the mesh's fragments spliced into its empty sites array.
     */
    byte[] payload(long version, Instant issuedAt) {
        ConfigBundle shell = new ConfigBundle(siteId, version, issuedAt, new BundleConfig(List.of(), policies.policies(),
                policies.slaClasses(), keys.own(siteId), keys.peersOf(siteId)));
        byte[] template = RenderingDigest.json(shell);
        int at = indexOf(template, SITES);
        if (at < 0) {
            throw new IllegalStateException("the JSON of a bundle has no empty sites array where expected: "
                    + new String(template, 0, Math.min(200, template.length), StandardCharsets.UTF_8));
        }
        int open = at + SITES.length - 1; // the position of ']'
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
                template.length + mesh.jsonBytes()));
        out.write(template, 0, open);
        mesh.writeSitesExcept(out, siteId);
        out.write(template, open, template.length - open);
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
