package io.patronus.controller.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The changes one {@link ControllerStore#transact} body collects. Reads go to the store itself (the store's lock is
 * held, so nothing else changes meanwhile); puts are collected here and written as one {@link Change} when the body
 * returns. Reads do not see this transaction's own puts. Not thread-safe: use it only inside its body.
 */
public final class Tx {
    private final ControllerStore store;
    private final Instant now;
    private final List<Change.Op> ops = new ArrayList<>();
    private long nextAuditId;

    Tx(ControllerStore store, Instant now, long nextAuditId) {
        this.store = store;
        this.now = now;
        this.nextAuditId = nextAuditId;
    }

    /** The store, for reads. */
    public ControllerStore store() {
        return store;
    }

    /** The time of this transaction (the store's clock when it began). */
    public Instant now() {
        return now;
    }

    public Tx put(Change.Op op) {
        ops.add(op);
        return this;
    }

    public Tx putSite(SiteRecord s) {
        return put(new Change.Op.PutSite(s));
    }

    public Tx putAppliance(ApplianceRecord a) {
        return put(new Change.Op.PutAppliance(a));
    }

    public Tx putToken(TokenRecord t) {
        return put(new Change.Op.PutToken(t));
    }

    public Tx putGroup(GroupRecord g) {
        return put(new Change.Op.PutGroup(g));
    }

    /** A new bundle version for a site's appliance (see {@link BundleVersion}); raises its desired version too. */
    public Tx publish(BundleVersion b) {
        return put(new Change.Op.Publish(b.siteId(), b.version(), b.issuedAt(), b.digest()));
    }

    public Tx putRollout(RolloutRecord r) {
        return put(new Change.Op.PutRollout(r));
    }

    public Tx putKeyRotation(KeyRotationRecord r) {
        return put(new Change.Op.PutKeyRotation(r));
    }

    public Tx putOrganisation(OrganisationRecord o) {
        return put(new Change.Op.PutOrganisation(o));
    }

    /** A new device enrolled for {@code siteId}: its events are stored above the site's earlier ones. */
    public Tx startTelemetryStream(String siteId) {
        return put(new Change.Op.StartTelemetryStream(siteId));
    }

    public Tx putAdminToken(AdminTokenRecord t) {
        return put(new Change.Op.PutAdminToken(t));
    }

    /**
     * Adds an audit line of a successful action.
     *
     * @param organisation the organisation the action concerned, "" when none (see {@link AuditRecord})
     */
    public Tx audit(String organisation, String actor, String action, String target, String message, String remote) {
        return put(new Change.Op.PutAudit(new AuditRecord(nextAuditId++, now, organisation, actor, action, target, "ok",
                "", message, remote)));
    }

    /** Adds an audit line of a refusal with its error code. */
    public Tx refusal(String organisation, String actor, String action, String target, String code, String message,
                      String remote) {
        return put(new Change.Op.PutAudit(new AuditRecord(nextAuditId++, now, organisation, actor, action, target,
                "refused", code, message, remote)));
    }

    /** A point to {@link #rollback} to: what the transaction had collected when it was taken. */
    public record Savepoint(int ops, long nextAuditId) {
    }

    /** The current point, for {@link #rollback}. */
    public Savepoint savepoint() {
        return new Savepoint(ops.size(), nextAuditId);
    }

    /**
     * Drops what was collected after {@code point}: one step of a transaction that runs several callers' steps (a
     * batch of status reports) fails alone.
     */
    public void rollback(Savepoint point) {
        if (point.ops() > ops.size()) {
            throw new IllegalArgumentException("savepoint at " + point.ops() + " ops is ahead of this transaction's "
                    + ops.size() + " ops");
        }
        ops.subList(point.ops(), ops.size()).clear();
        nextAuditId = point.nextAuditId();
    }

    /** Whether this transaction has collected any change yet. */
    public boolean hasChanges() {
        return !ops.isEmpty();
    }

    List<Change.Op> ops() {
        return ops;
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }
}
