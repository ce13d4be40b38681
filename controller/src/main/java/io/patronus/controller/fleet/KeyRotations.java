package io.patronus.controller.fleet;

import io.patronus.controller.config.Units;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.BundleVersion;
import io.patronus.controller.store.SiteRecord;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.PeerKeys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Rotates sites' WireGuard keys without dropping traffic.
 *
 * <h2>Why the steps are what they are</h2>
 * A WireGuard interface has one private key, and a peer accepts a packet only from the peer entry whose allowed IPs
 * hold the packet's inner source. So a site cannot simply swap its key: every peer would drop its traffic until it
 * learnt the new key, and traffic towards it would be encrypted for a key it no longer has. Instead the new key is
 * made known everywhere before it is used, and the old one is forgotten only after it is no longer used:
 * <ol>
 * <li>{@code REQUESTED}: the site's bundle says {@code generate}; its appliance creates the next key pair (the
 *     private key never leaves it) and reports the public key ({@code POST /v1/device/keys}).</li>
 * <li>{@code DISTRIBUTING}: every peer's bundle lists the key as the site's {@code next} key. A peer adds a second
 *     entry for it beside the current one, same endpoint, no allowed IPs: it can complete a handshake but carries
 *     nothing yet. The rotation waits until every peer has <em>applied</em> (reported) a bundle version that carried
 *     the key; an offline peer holds the rotation here, because switching without it would cut it off.</li>
 * <li>{@code SWITCHING}: the site's bundle says {@code switch}. Its appliance sets the next private key on every
 *     interface and reports it active. Each peer sees a handshake on the next-key entry and moves the site's allowed
 *     IPs to it (within a fraction of a second); traffic towards the site runs on the old session meanwhile.</li>
 * <li>{@code RETIRING}: the site's key is the new one in every bundle; peers keep the old key's entry, without allowed
 *     IPs, for {@code keyRotationGrace} (a peer that had not moved yet still can), then {@code DONE} drops it.</li>
 * </ol>
 * Every step is one store transaction and is audited; {@link #tick} resumes whatever it finds after a restart. A site
 * whose key is {@code keyRotationInterval} old is rotated automatically (trigger {@code auto}). A re-enrolment gives
 * the site a new key by itself, so it cancels the site's rotation (see the enrolment).
 *
 * <p>Thread-safety: every public method that changes state serialises on one lock; views read the store lock-free.
 */
public final class KeyRotations {
    private static final System.Logger LOG = System.getLogger(KeyRotations.class.getName());

    private final ControllerStore store;
    private final ConfigPublisher publisher;
    private final Duration interval;
    private final Duration grace;
    private final Duration heartbeatInterval;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();

    public KeyRotations(ControllerStore store, ConfigPublisher publisher, Duration interval, Duration grace,
                        Duration heartbeatInterval, Clock clock) {
        this.store = store;
        this.publisher = publisher;
        this.interval = interval;
        this.grace = grace;
        this.heartbeatInterval = heartbeatInterval;
        this.clock = clock;
    }

    /** What {@link #requestAll} did: the rotations it started and, by site, why it started none. */
    public record Batch(List<KeyRotationRecord> started, Map<String, String> skipped) {
    }

    /**
     * Starts a rotation of one site's key and publishes its bundle.
     *
     * @throws FleetException 404 for an unknown site, 409 {@code not_enrolled} without an appliance, 409
     *                        {@code rotation_in_progress} while the site's previous rotation is not done
     */
    public KeyRotationRecord request(String siteId, String actor, String remote) {
        lock.lock();
        try {
            KeyRotationRecord r = start(siteId, "manual", actor, remote);
            publishAndAdvance(actor);
            return store.keyRotation(siteId).orElse(r);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a rotation of every enrolled site of the organisation that is not rotating already (each organisation's
     * operator rotates its own mesh); publishes once.
     */
    public Batch requestAll(String organisation, String actor, String remote) {
        lock.lock();
        try {
            List<KeyRotationRecord> started = new ArrayList<>();
            Map<String, String> skipped = new LinkedHashMap<>();
            for (SiteRecord s : store.sites(organisation)) {
                try {
                    started.add(start(s.id(), "manual", actor, remote));
                } catch (FleetException e) {
                    skipped.put(s.id(), e.getMessage());
                }
            }
            if (!started.isEmpty()) {
                publishAndAdvance(actor);
            }
            return new Batch(started.stream().map(r -> store.keyRotation(r.siteId()).orElse(r)).toList(), skipped);
        } finally {
            lock.unlock();
        }
    }

    private KeyRotationRecord start(String siteId, String trigger, String actor, String remote) {
        return store.transact(actor, tx -> {
            SiteRecord s = tx.store().site(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId + " does not exist"));
            if (!s.enrolled() || tx.store().appliance(siteId).isEmpty()) {
                throw new FleetException(409, "not_enrolled", "site " + siteId + " has no enrolled appliance, so it has no "
                        + "WireGuard key to rotate", Optional.empty());
            }
            Optional<KeyRotationRecord> last = tx.store().keyRotation(siteId);
            if (last.isPresent() && last.get().open()) {
                KeyRotationRecord l = last.get();
                throw new FleetException(409, "rotation_in_progress", "site " + siteId + " is already rotating its key ("
                        + l.id() + ", " + l.phaseName() + (l.retireUntil().map(u -> " until " + u).orElse(""))
                        + "); a new rotation can start once it is done", Optional.empty());
            }
            KeyRotationRecord r = KeyRotationRecord.requested(siteId, last.map(l -> l.number() + 1).orElse(1), trigger, actor,
                    tx.now(), s.wireguardPublicKey().orElseThrow());
            tx.putKeyRotation(r);
            tx.audit(s.organisation(), actor, "key.rotate", "site/" + siteId, r.id() + " requested (" + trigger + "); the appliance generates"
                    + " its next key", remote);
            return r;
        });
    }

    /**
     * Cancels a rotation whose switch was not ordered yet: peers drop the next key, the site keeps its key.
     *
     * @throws FleetException 404 without a rotation, 409 {@code rotation_switching} once the switch was ordered
     */
    public KeyRotationRecord cancel(String siteId, String actor, String remote) {
        lock.lock();
        try {
            KeyRotationRecord r = store.transact(actor, tx -> {
                KeyRotationRecord open = tx.store().keyRotation(siteId).filter(KeyRotationRecord::open).orElseThrow(() ->
                        FleetException.notFound("site " + siteId + " is not rotating its key"));
                if (!open.beforeSwitch()) {
                    throw new FleetException(409, "rotation_switching", open.id() + " is " + open.phaseName()
                            + ": the switch was ordered, so the appliance may already use its new key; it cannot be cancelled",
                            Optional.empty());
                }
                KeyRotationRecord c = open.cancelled(tx.now(), "cancelled by " + actor);
                tx.putKeyRotation(c);
                tx.audit(organisation(siteId), actor, "key.rotate.cancel", "site/" + siteId, open.id() + " cancelled in phase " + open.phaseName(),
                        remote);
                return c;
            });
            publisher.reconcile(actor);
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** A step of the device: its next key generated, or that key active. The answer is the rotation as stored. */
    public KeyRotationRecord report(String siteId, KeyReport report, String actor, String remote) {
        lock.lock();
        try {
            boolean[] changed = {false};
            KeyRotationRecord r = store.transact(actor, tx -> {
                KeyRotationRecord cur = tx.store().keyRotation(siteId).filter(x -> x.id().equals(report.rotationId()))
                        .orElseThrow(() -> new FleetException(404, "rotation_unknown", "site " + siteId + " has no key rotation "
                                + report.rotationId() + tx.store().keyRotation(siteId).map(x -> " (its latest is " + x.id() + ", "
                                + x.phaseName() + ")").orElse(""), Optional.of("rotationId")));
                if (cur.phase().equals(KeyRotationRecord.CANCELLED)) {
                    throw new FleetException(409, "rotation_cancelled", cur.id() + " was cancelled: " + cur.detail(),
                            Optional.of("rotationId"));
                }
                boolean sameKey = cur.nextPublicKey().map(k -> k.equals(report.publicKey())).orElse(false);
                if (!report.active()) {
                    if (cur.phase().equals(KeyRotationRecord.REQUESTED)
                            || cur.phase().equals(KeyRotationRecord.DISTRIBUTING) && !sameKey) {
                        if (report.publicKey().equals(cur.oldPublicKey())) {
                            throw new FleetException(409, "rotation_key_mismatch", "the next key of " + cur.id()
                                    + " must differ from the site's current key", Optional.of("publicKey"));
                        }
                        KeyRotationRecord d = cur.distributing(report.publicKey(), tx.now(), "next key reported; "
                                + "distributing it to the peers");
                        tx.putKeyRotation(d);
                        tx.audit(organisation(siteId), actor, "key.rotate.generated", "site/" + siteId, cur.id() + ": next key " + report.publicKey()
                                + (cur.nextPublicKey().isPresent() ? " replaces " + cur.nextPublicKey().get()
                                + " (the appliance generated another; distributing again)" : "") + " reported", remote);
                        changed[0] = true;
                        return d;
                    }
                    if (sameKey) {
                        return cur; // a report repeated (the answer to the first one was lost)
                    }
                    throw new FleetException(409, "rotation_key_mismatch", cur.id() + " is " + cur.phaseName()
                            + " with next key " + cur.nextPublicKey().orElse("(none)") + "; it no longer takes another key",
                            Optional.of("publicKey"));
                }
                if (!sameKey) {
                    throw new FleetException(409, "rotation_key_mismatch", "the switch of " + cur.id() + " is to "
                            + cur.nextPublicKey().orElse("(no key yet)") + ", not " + report.publicKey(), Optional.of("publicKey"));
                }
                switch (cur.phase()) {
                    case KeyRotationRecord.SWITCHING -> {
                        SiteRecord site = tx.store().site(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId
                                + " does not exist"));
                        tx.putSite(site.withPublicKey(report.publicKey()));
                        Instant until = tx.now().plus(grace);
                        KeyRotationRecord t = cur.retiring(tx.now(), until, "the appliance switched to its next key; peers "
                                + "keep the old key without allowed IPs until " + until);
                        tx.putKeyRotation(t);
                        tx.audit(site.organisation(), actor, "key.rotate.switched", "site/" + siteId, cur.id() + ": the site now uses "
                                + report.publicKey() + "; old key " + cur.oldPublicKey() + " retired at " + until, remote);
                        changed[0] = true;
                        return t;
                    }
                    case KeyRotationRecord.RETIRING, KeyRotationRecord.DONE -> {
                        return cur; // repeated
                    }
                    default -> throw new FleetException(409, "rotation_not_switching", cur.id() + " is " + cur.phaseName()
                            + ": the switch has not been ordered (every peer must have the next key first)", Optional.of("active"));
                }
            });
            if (changed[0]) {
                publishAndAdvance(actor);
            }
            return store.keyRotation(siteId).orElse(r);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves every rotation along (records which bundle version carried a next key to each peer, orders the switch
     * once every peer applied it, ends the grace period) and starts the rotations that are due. Called every second
     * by the controller; safe to call any time.
     */
    public void tick() {
        lock.lock();
        try {
            boolean started = false;
            if (!interval.isZero()) {
                for (SiteRecord s : store.sites()) {
                    Optional<Instant> due = nextRotationDue(s.id());
                    if (due.isPresent() && !clock.instant().isBefore(due.get())) {
                        try {
                            start(s.id(), "auto", "system", "");
                            started = true;
                            LOG.log(System.Logger.Level.INFO, "key of site " + s.id() + " is " + Units.duration(interval)
                                    + " old: rotating it");
                        } catch (FleetException e) {
                            LOG.log(System.Logger.Level.WARNING, "automatic key rotation of " + s.id() + " not started: " + e.getMessage());
                        }
                    }
                }
            }
            if (started || step()) {
                publishAndAdvance("system");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Publishes, then steps and publishes again while steps change something (a few rounds at most). */
    private void publishAndAdvance(String actor) {
        for (int round = 0; round < 4; round++) {
            publisher.reconcile(actor);
            if (!step()) {
                return;
            }
        }
    }

    /** One pass over the open rotations; true when something changed that the bundles must show. */
    private boolean step() {
        boolean publish = false;
        for (KeyRotationRecord r : store.keyRotations()) {
            switch (r.phase()) {
                case KeyRotationRecord.DISTRIBUTING -> publish |= distribute(r);
                case KeyRotationRecord.RETIRING -> publish |= retire(r);
                default -> {
                    // REQUESTED waits for the device; SWITCHING for its report; DONE and CANCELLED are history
                }
            }
        }
        return publish;
    }

    private boolean distribute(KeyRotationRecord r) {
        return store.transact("system", tx -> {
            KeyRotationRecord cur = tx.store().keyRotation(r.siteId()).orElse(null);
            if (cur == null || !cur.phase().equals(KeyRotationRecord.DISTRIBUTING)) {
                return false;
            }
            Map<String, Long> carried = new HashMap<>(cur.distributedIn());
            List<String> waiting = new ArrayList<>();
            for (ApplianceRecord peer : peers(cur.siteId())) {
                Optional<BundleVersion> b = tx.store().bundle(peer.siteId());
                boolean carries = b.flatMap(x -> publisher.peerKeys(x, cur.siteId())).flatMap(PeerKeys::next)
                        .equals(cur.nextPublicKey());
                if (carries) {
                    carried.putIfAbsent(peer.siteId(), b.get().version());
                }
                Long needed = carried.get(peer.siteId());
                if (needed == null || peer.appliedVersion() < needed) {
                    waiting.add(peer.siteId());
                }
            }
            if (waiting.isEmpty()) {
                KeyRotationRecord s = cur.withDistribution(carried, "", tx.now()).switching(tx.now(),
                        "every peer has the next key; the appliance is told to switch");
                tx.putKeyRotation(s);
                tx.audit(organisation(cur.siteId()), "system", "key.rotate.switch", "site/" + cur.siteId(), cur.id() + ": " + carried.size()
                        + " peer(s) applied the next key; switch ordered", "");
                return true;
            }
            String detail = "waiting for " + waiting.size() + " peer(s) to apply the next key: " + String.join(", ", waiting);
            if (!carried.equals(cur.distributedIn()) || !detail.equals(cur.detail())) {
                tx.putKeyRotation(cur.withDistribution(carried, detail, tx.now()));
            }
            return false;
        });
    }

    private boolean retire(KeyRotationRecord r) {
        if (clock.instant().isBefore(r.retireUntil().orElse(Instant.MIN))) {
            return false;
        }
        return store.transact("system", tx -> {
            KeyRotationRecord cur = tx.store().keyRotation(r.siteId()).orElse(null);
            if (cur == null || !cur.phase().equals(KeyRotationRecord.RETIRING)) {
                return false;
            }
            tx.putKeyRotation(cur.done(tx.now(), "grace period over; peers dropped the old key"));
            tx.audit(organisation(cur.siteId()), "system", "key.rotate.done", "site/" + cur.siteId(), cur.id() + ": old key " + cur.oldPublicKey()
                    + " dropped from every peer's bundle", "");
            return true;
        });
    }

    /**
     * The enrolled appliances of the other sites of the site's organisation: every one of them has the site in its
     * bundle (and no appliance of another organisation has).
     */
    private List<ApplianceRecord> peers(String siteId) {
        String organisation = organisation(siteId);
        return store.appliances().stream().filter(a -> !a.siteId().equals(siteId))
                .filter(a -> store.site(a.siteId()).filter(s -> s.organisation().equals(organisation))
                        .map(SiteRecord::enrolled).orElse(false)).toList();
    }

    /** The organisation of a site, "" once it is deleted (its audit lines then concern no organisation). */
    private String organisation(String siteId) {
        return store.site(siteId).map(SiteRecord::organisation).orElse("");
    }

    // ---- views ----------------------------------------------------------------------------------------------------

    /** When the site's current key came into use: its appliance's enrolment, or the last switch after it. */
    public Optional<Instant> keyCreatedAt(String siteId) {
        Optional<ApplianceRecord> a = store.appliance(siteId);
        if (a.isEmpty() || !store.site(siteId).map(SiteRecord::enrolled).orElse(false)) {
            return Optional.empty();
        }
        Instant enrolled = a.get().enrolledAt();
        Optional<Instant> switched = store.keyRotation(siteId).flatMap(KeyRotationRecord::switchedAt).filter(t -> t.isAfter(enrolled));
        return Optional.of(switched.orElse(enrolled));
    }

    /** When the site's key is due for automatic rotation; empty when off, not enrolled, or rotating now. */
    public Optional<Instant> nextRotationDue(String siteId) {
        if (interval.isZero() || store.keyRotation(siteId).map(KeyRotationRecord::open).orElse(false)) {
            return Optional.empty();
        }
        return keyCreatedAt(siteId).map(t -> t.plus(interval));
    }

    public Duration interval() {
        return interval;
    }

    public Duration grace() {
        return grace;
    }

    /** A rotation for the admin views, with the peers it waits for while distributing. */
    public Map<String, Object> view(KeyRotationRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("siteId", r.siteId());
        m.put("phase", r.phaseName());
        m.put("trigger", r.trigger());
        m.put("requestedBy", r.requestedBy());
        m.put("requestedAt", r.requestedAt());
        m.put("oldPublicKey", r.oldPublicKey());
        r.nextPublicKey().ifPresent(k -> m.put("nextPublicKey", k));
        if (r.phase().equals(KeyRotationRecord.DISTRIBUTING)) {
            List<Map<String, Object>> waiting = new ArrayList<>();
            for (ApplianceRecord peer : peers(r.siteId())) {
                Long needed = r.distributedIn().get(peer.siteId());
                if (needed == null || peer.appliedVersion() < needed) {
                    Map<String, Object> w = new LinkedHashMap<>();
                    w.put("siteId", peer.siteId());
                    w.put("appliedVersion", peer.appliedVersion());
                    if (needed != null) {
                        w.put("neededVersion", needed);
                    }
                    w.put("online", peer.lastSeen().map(t -> !clock.instant().isAfter(t.plus(heartbeatInterval.multipliedBy(3))))
                            .orElse(false));
                    waiting.add(w);
                }
            }
            m.put("waitingFor", waiting);
        }
        m.put("distributedIn", r.distributedIn());
        r.switchOrderedAt().ifPresent(t -> m.put("switchOrderedAt", t));
        r.switchedAt().ifPresent(t -> m.put("switchedAt", t));
        r.retireUntil().ifPresent(t -> m.put("retireUntil", t));
        r.finishedAt().ifPresent(t -> m.put("finishedAt", t));
        m.put("detail", r.detail());
        m.put("updatedAt", r.updatedAt());
        return m;
    }

    /** A site's key: current public key, its age, the next automatic rotation and the latest rotation. */
    public Map<String, Object> siteKey(SiteRecord s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("siteId", s.id());
        m.put("organisation", s.organisation());
        s.wireguardPublicKey().ifPresent(k -> m.put("publicKey", k));
        keyCreatedAt(s.id()).ifPresent(t -> {
            m.put("keyCreatedAt", t);
            m.put("keyAgeSeconds", Math.max(0, Duration.between(t, clock.instant()).toSeconds()));
        });
        nextRotationDue(s.id()).ifPresent(t -> m.put("nextRotationDue", t));
        store.keyRotation(s.id()).ifPresent(r -> m.put("rotation", view(r)));
        return m;
    }
}
