package io.patronus.controller.fleet;

import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.provisioning.KeyRotation;
import io.patronus.provisioning.PeerKeys;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The key rotation fields of every bundle at one moment: each enrolled site's own rotation step, and the extra key
 * (next or retiring) of each rotating site, which every other appliance's bundle lists under {@code peerKeys}. Shared
 * by the renderings of one publish like the {@link Mesh}. Immutable and thread-safe.
 */
final class PeerKeyRing {
    static final PeerKeyRing EMPTY = new PeerKeyRing(Map.of(), new TreeMap<>());

    private final Map<String, KeyRotation> own;
    private final TreeMap<String, PeerKeys> peers;
    private final Map<String, byte[]> digests = new HashMap<>();
    private final RenderingDigest.Sum total;

    private PeerKeyRing(Map<String, KeyRotation> own, TreeMap<String, PeerKeys> peers) {
        this.own = own;
        this.peers = peers;
        RenderingDigest.Sum sum = RenderingDigest.Sum.ZERO;
        for (Map.Entry<String, PeerKeys> e : peers.entrySet()) {
            byte[] d = RenderingDigest.peerKey(e.getKey(), e.getValue());
            digests.put(e.getKey(), d);
            sum = sum.plus(d);
        }
        this.total = sum;
    }

    /** The fields {@code rotations} call for, peers' keys only for sites of {@code mesh} (those the bundles list). */
    static PeerKeyRing of(Collection<KeyRotationRecord> rotations, Mesh mesh) {
        if (rotations.isEmpty()) {
            return EMPTY;
        }
        Map<String, KeyRotation> own = new HashMap<>();
        TreeMap<String, PeerKeys> peers = new TreeMap<>();
        for (KeyRotationRecord r : rotations) {
            switch (r.phase()) {
                case KeyRotationRecord.REQUESTED -> own.put(r.siteId(), KeyRotation.generate(r.id()));
                case KeyRotationRecord.DISTRIBUTING -> {
                    own.put(r.siteId(), KeyRotation.generate(r.id()));
                    peers.put(r.siteId(), PeerKeys.next(r.nextPublicKey().orElseThrow()));
                }
                case KeyRotationRecord.SWITCHING -> {
                    own.put(r.siteId(), KeyRotation.switchTo(r.id(), r.nextPublicKey().orElseThrow()));
                    peers.put(r.siteId(), PeerKeys.next(r.nextPublicKey().orElseThrow()));
                }
                case KeyRotationRecord.RETIRING -> peers.put(r.siteId(), PeerKeys.retiring(r.oldPublicKey()));
                default -> {
                    // DONE and CANCELLED: nothing in any bundle
                }
            }
        }
        peers.keySet().removeIf(id -> mesh.fragment(id).isEmpty());
        return new PeerKeyRing(own, peers);
    }

    /** The site's own rotation step, if it is rotating. */
    Optional<KeyRotation> own(String siteId) {
        return Optional.ofNullable(own.get(siteId));
    }

    /** The extra keys of rotating peers as {@code siteId}'s bundle lists them (itself left out). */
    Map<String, PeerKeys> peersOf(String siteId) {
        if (!peers.containsKey(siteId)) {
            return Collections.unmodifiableMap(peers);
        }
        TreeMap<String, PeerKeys> m = new TreeMap<>(peers);
        m.remove(siteId);
        return m;
    }

    /** One peer's extra keys as {@code siteId}'s bundle lists them. */
    Optional<PeerKeys> peer(String siteId, String peer) {
        return peer.equals(siteId) ? Optional.empty() : Optional.ofNullable(peers.get(peer));
    }

    RenderingDigest.Sum sumOf(String siteId) {
        byte[] d = digests.get(siteId);
        return d == null ? total : total.minus(d);
    }
}
