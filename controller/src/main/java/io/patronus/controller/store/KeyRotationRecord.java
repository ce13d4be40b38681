package io.patronus.controller.store;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The latest WireGuard key rotation of one site (the store keeps one per site; earlier ones live in the audit trail).
 *
 * <p>Phases, in order: {@code REQUESTED} (the site's bundle says {@code generate}), {@code DISTRIBUTING} (the site
 * reported its next public key; every peer's bundle carries it as the site's next key), {@code SWITCHING} (every peer
 * applied a bundle with the next key; the site's bundle says {@code switch}), {@code RETIRING} (the site reported the
 * next key active: it is the site's key now and peers keep the old one without allowed IPs until {@code retireUntil}),
 * {@code DONE}. {@code CANCELLED} ends a rotation before the switch was ordered, or one a re-enrolment superseded.
 *
 * @param number          the site's rotation count, part of the id
 * @param trigger         {@code manual} or {@code auto} (the key reached keyRotationInterval)
 * @param oldPublicKey    the site's key when the rotation was requested
 * @param nextPublicKey   the key the appliance generated, once reported
 * @param distributedIn   peer site id to the first version of its bundle that carried the next key
 * @param detail          the last step, for operators
 */
public record KeyRotationRecord(String id, String siteId, int number, String phase, String trigger, String requestedBy,
                                Instant requestedAt, String oldPublicKey, Optional<String> nextPublicKey,
                                Map<String, Long> distributedIn, Optional<Instant> switchOrderedAt,
                                Optional<Instant> switchedAt, Optional<Instant> retireUntil, Optional<Instant> finishedAt,
                                String detail, Instant updatedAt) {
    public static final String REQUESTED = "REQUESTED";
    public static final String DISTRIBUTING = "DISTRIBUTING";
    public static final String SWITCHING = "SWITCHING";
    public static final String RETIRING = "RETIRING";
    public static final String DONE = "DONE";
    public static final String CANCELLED = "CANCELLED";

    public KeyRotationRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(phase, "phase");
        trigger = trigger == null ? "manual" : trigger;
        requestedBy = requestedBy == null ? "" : requestedBy;
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(oldPublicKey, "oldPublicKey");
        nextPublicKey = nextPublicKey == null ? Optional.empty() : nextPublicKey;
        distributedIn = distributedIn == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(distributedIn));
        switchOrderedAt = switchOrderedAt == null ? Optional.empty() : switchOrderedAt;
        switchedAt = switchedAt == null ? Optional.empty() : switchedAt;
        retireUntil = retireUntil == null ? Optional.empty() : retireUntil;
        finishedAt = finishedAt == null ? Optional.empty() : finishedAt;
        detail = detail == null ? "" : detail;
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** A new rotation in phase {@code REQUESTED}. */
    public static KeyRotationRecord requested(String siteId, int number, String trigger, String requestedBy, Instant at,
                                              String oldPublicKey) {
        return new KeyRotationRecord("kr-" + siteId + "-" + number, siteId, number, REQUESTED, trigger, requestedBy, at,
                oldPublicKey, Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), "waiting for the appliance to generate its next key", at);
    }

    /** Until DONE or CANCELLED: the site cannot start another rotation meanwhile. */
    public boolean open() {
        return !phase.equals(DONE) && !phase.equals(CANCELLED);
    }

    /** Before the switch was ordered: the rotation can still be cancelled and the old key is the site's key. */
    public boolean beforeSwitch() {
        return phase.equals(REQUESTED) || phase.equals(DISTRIBUTING);
    }

    /** The phase as the wire and the views spell it ({@code distributing}). */
    public String phaseName() {
        return phase.toLowerCase(Locale.ROOT);
    }

    public KeyRotationRecord distributing(String nextKey, Instant at, String why) {
        return new KeyRotationRecord(id, siteId, number, DISTRIBUTING, trigger, requestedBy, requestedAt, oldPublicKey,
                Optional.of(nextKey), Map.of(), switchOrderedAt, switchedAt, retireUntil, finishedAt, why, at);
    }

    public KeyRotationRecord withDistribution(Map<String, Long> versions, String why, Instant at) {
        return new KeyRotationRecord(id, siteId, number, phase, trigger, requestedBy, requestedAt, oldPublicKey, nextPublicKey,
                versions, switchOrderedAt, switchedAt, retireUntil, finishedAt, why, at);
    }

    public KeyRotationRecord switching(Instant at, String why) {
        return new KeyRotationRecord(id, siteId, number, SWITCHING, trigger, requestedBy, requestedAt, oldPublicKey,
                nextPublicKey, distributedIn, Optional.of(at), switchedAt, retireUntil, finishedAt, why, at);
    }

    public KeyRotationRecord retiring(Instant at, Instant until, String why) {
        return new KeyRotationRecord(id, siteId, number, RETIRING, trigger, requestedBy, requestedAt, oldPublicKey,
                nextPublicKey, distributedIn, switchOrderedAt, Optional.of(at), Optional.of(until), finishedAt, why, at);
    }

    public KeyRotationRecord done(Instant at, String why) {
        return new KeyRotationRecord(id, siteId, number, DONE, trigger, requestedBy, requestedAt, oldPublicKey, nextPublicKey,
                distributedIn, switchOrderedAt, switchedAt, retireUntil, Optional.of(at), why, at);
    }

    public KeyRotationRecord cancelled(Instant at, String why) {
        return new KeyRotationRecord(id, siteId, number, CANCELLED, trigger, requestedBy, requestedAt, oldPublicKey,
                nextPublicKey, distributedIn, switchOrderedAt, switchedAt, retireUntil, Optional.of(at), why, at);
    }
}
