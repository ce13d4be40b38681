package io.patronus.controller.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.KeyRotation;
import io.patronus.provisioning.PeerKeys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Digests of rendered configurations, built from digests of their parts so that a fleet change costs constant work
 * per appliance instead of a pass over the whole mesh.
 *
 * <p>A bundle's configuration is the mesh (every other enrolled site), the site's policies and SLA classes, its own
 * key rotation step and the extra keys of rotating peers. Each mesh site is serialised once per change of that site
 * and digested (SHA-256 of its JSON, a <em>fragment</em>); the mesh part of a digest is the lane-wise sum, modulo
 * 2<sup>64</sup> in each of four 64-bit lanes, of the fragment digests, with their count. A sum does not depend on
 * order and can be taken apart: "every site but this one" is the fleet's sum minus the site's own fragment, so each
 * appliance's digest is a few hashes whatever the fleet size. The peer keys are summed the same way. The parts are
 * then hashed together with a version tag:
 * <pre>
 * content   = SHA-256("patronus-bundle-content/1", peers.count, peers.sum, SHA-256(policies JSON, 0, SLA classes JSON))
 * rendering = SHA-256("patronus-bundle/1", content, own rotation JSON digest or nothing, peerKeys.count, peerKeys.sum)
 * </pre>
 * Policies are hashed ordered by priority then id, SLA classes by name (the order a rendering has), so a configuration
 * an appliance reports in another order has the same content digest. Two different configurations with one digest
 * would need a SHA-256 collision, or a sum of several fragment digests to cancel out across all four lanes at once;
 * neither is within reach, and the fragments are the controller's own serialisation of the sites.
 *
 * <p>Stateless and thread-safe.
 */
final class RenderingDigest {
    private static final byte[] CONTENT_TAG = "patronus-bundle-content/1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RENDERING_TAG = "patronus-bundle/1".getBytes(StandardCharsets.US_ASCII);
    private static final Comparator<Policy> POLICY_ORDER = Comparator.comparingInt(Policy::priority).thenComparing(Policy::id);

    private RenderingDigest() {
    }

    /** An order-independent sum of 32-byte digests: four 64-bit lanes, each modulo 2^64, and how many were added. */
    record Sum(long a, long b, long c, long d, int count) {
        static final Sum ZERO = new Sum(0, 0, 0, 0, 0);

        Sum plus(byte[] digest) {
            ByteBuffer x = ByteBuffer.wrap(digest);
            return new Sum(a + x.getLong(0), b + x.getLong(8), c + x.getLong(16), d + x.getLong(24), count + 1);
        }

        Sum minus(byte[] digest) {
            ByteBuffer x = ByteBuffer.wrap(digest);
            return new Sum(a - x.getLong(0), b - x.getLong(8), c - x.getLong(16), d - x.getLong(24), count - 1);
        }

        void update(MessageDigest md) {
            md.update(ByteBuffer.allocate(36).putInt(count).putLong(a).putLong(b).putLong(c).putLong(d).array());
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    /** The JSON the bundles carry ({@link Json#mapper()}). */
    static byte[] json(Object value) {
        try {
            return Json.mapper().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /** Digest of one mesh site: SHA-256 of its JSON. */
    static byte[] site(Site s) {
        return sha256(json(s));
    }

    /** Digest of policies and SLA classes, in rendering order whatever order they are given in. */
    static byte[] policies(List<Policy> policies, List<SlaClass> slaClasses) {
        MessageDigest md = sha256();
        md.update(json(policies.stream().sorted(POLICY_ORDER).toList()));
        md.update((byte) 0);
        md.update(json(slaClasses.stream().sorted(Comparator.comparing(SlaClass::name)).toList()));
        return md.digest();
    }

    /** Digest of the mesh, policies and SLA classes: what an appliance reports as observed. */
    static byte[] content(Sum peers, byte[] policies) {
        MessageDigest md = sha256();
        md.update(CONTENT_TAG);
        peers.update(md);
        md.update(policies);
        return md.digest();
    }

    /** Digest of one rotating peer's extra keys as a bundle lists them. */
    static byte[] peerKey(String siteId, PeerKeys keys) {
        MessageDigest md = sha256();
        md.update(json(siteId));
        md.update((byte) ':');
        md.update(json(keys));
        return md.digest();
    }

    /** Digest of the whole rendering, key rotation fields included: what decides that a new version is due. */
    static String rendering(byte[] content, Optional<KeyRotation> own, Sum peerKeys) {
        MessageDigest md = sha256();
        md.update(RENDERING_TAG);
        md.update(content);
        if (own.isPresent()) {
            md.update((byte) 1);
            md.update(sha256(json(own.get())));
        } else {
            md.update((byte) 0);
        }
        peerKeys.update(md);
        return hex(md.digest());
    }

    /**
     * Content digest of any configuration (one an appliance reported), key fields ignored: sites in any order, each
     * digested by {@code siteDigest} (a cache of the mesh's fragments, falling back to {@link #site}).
     */
    static String content(BundleConfig config, Function<Site, byte[]> siteDigest) {
        Sum peers = Sum.ZERO;
        for (Site s : config.sites()) {
            peers = peers.plus(siteDigest.apply(s));
        }
        return hex(content(peers, policies(config.policies(), config.slaClasses())));
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
