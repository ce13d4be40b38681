package io.patronus.controller.fleet;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.Change;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.ObservedConfig;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.Progress;
import io.patronus.controller.store.StoredEvent;
import io.patronus.controller.store.TelemetryCounter;
import io.patronus.controller.store.Tx;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.TelemetryAck;
import io.patronus.provisioning.TelemetryBatch;
import io.patronus.provisioning.TelemetryEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * What appliances report: status (the heartbeat, progress, applied and rejected versions, paths, observed config)
 * and telemetry. Telemetry is journalled before it is acknowledged and stored by (site, sequence), so a resent
 * event is stored once and counted as a duplicate: at-least-once on the wire, exactly once here.
 *
 * <p>A status report is journalled only when it changes something that must survive a crash: the state, the applied
 * or rejected version and reason, the local change count, or the observed configuration (by digest; stored by
 * reference to the published version it equals, see {@link ConfigPublisher#observed}). A report that changes none of
 * these, the heartbeat every 15 s, only updates {@code lastSeen} and the path summary in memory
 * ({@link ControllerStore#seen}): no fsync per heartbeat.
 *
 * <p>Group commit: after a fleet-wide publish every appliance reports its new version within a second or two, and
 * each report must be durable before it is answered. Reports arriving while a transaction is being written wait and
 * go together into the next one (one log record, one fsync), each still answered only once it is durable. A report
 * that fails (an unknown appliance) fails alone. Reports and telemetry of one batch see the earlier ones of the same
 * batch, so a batch behaves as if its reports had been written one by one.
 *
 * <p>Thread-safety: safe from any number of threads.
 */
public final class DeviceReports {
    /** Most reports written in one transaction. */
    static final int MAX_BATCH = 512;

    private final ControllerStore store;
    private final ConfigPublisher publisher;
    private final ReentrantLock leader = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending<?>> queue = new ConcurrentLinkedQueue<>();

    public DeviceReports(ControllerStore store, ConfigPublisher publisher) {
        this.store = store;
        this.publisher = publisher;
    }

    /** What a status report did: the appliance as now stored, and whether the report was journalled. */
    public record Reported(ApplianceRecord appliance, boolean journalled) {
    }

    /**
     * Records a status report as the appliance's last seen state; a new state, applied version or rejected version
     * also goes into its progress history.
     *
     * @throws FleetException 404 when the site has no enrolled appliance
     */
    public Reported status(String siteId, DeviceStatus s, String actor) {
        // Outside any lock: a mesh configuration is as large as the fleet.
        Optional<ObservedConfig> observed = s.observedConfig().map(c -> publisher.observed(siteId, c));
        boolean journalled = submit(actor, batch -> {
            ApplianceRecord a = batch.appliance(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId
                    + " has no enrolled appliance"));
            long rejected = s.rejectedVersion() > 0 ? s.rejectedVersion() : a.rejectedVersion();
            String reason = s.rejectedVersion() > 0 ? s.reason() : a.rejectReason();
            boolean progressed = !a.state().equals(s.state().name()) || a.appliedVersion() != s.appliedVersion()
                    || a.rejectedVersion() != rejected;
            boolean observedChanged = observed.isPresent()
                    && !observed.get().digest().equals(a.observedDigest().orElse(""));
            if (!progressed && !observedChanged && a.rejectReason().equals(reason) && a.localChanges() == s.localChanges()
                    && a.dataPlaneProblem().equals(s.dataPlaneProblem())) {
                return false;
            }
            Optional<Progress> progress = Optional.empty();
            if (progressed) {
                StringBuilder detail = new StringBuilder("applied " + s.appliedVersion());
                if (s.rejectedVersion() > 0) {
                    detail.append(", rejected ").append(s.rejectedVersion());
                }
                if (!s.reason().isEmpty()) {
                    detail.append(": ").append(s.reason());
                }
                detail.append(" (appliance time ").append(s.at()).append(")");
                progress = Optional.of(new Progress(batch.tx.now(), s.state().name(), s.appliedVersion(),
                        s.rejectedVersion(), detail.toString()));
            }
            Change.Op.Status op = new Change.Op.Status(siteId, batch.tx.now(), s.state().name(), s.appliedVersion(),
                    rejected, reason, s.paths(), s.localChanges(), observedChanged ? observed : Optional.empty(), progress,
                    s.dataPlaneProblem());
            batch.tx.put(op);
            batch.appliances.put(siteId, op.applyTo(a));
            return true;
        });
        if (!journalled) {
            store.seen(siteId, store.now(), s.paths(), observed.isPresent());
        }
        return new Reported(store.appliance(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId
                + " has no enrolled appliance")), journalled);
    }

    /** Stores a telemetry batch durably and answers the highest sequence now held for the site. */
    public TelemetryAck telemetry(String siteId, TelemetryBatch events, String actor) {
        return submit(actor, batch -> {
            // Kept with each event: its organisation's views show it, and no other's, even after the site is deleted.
            String organisation = batch.tx.store().site(siteId).map(SiteRecord::organisation).orElse("");
            TelemetryCounter counter = batch.telemetry(siteId);
            List<StoredEvent> fresh = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            long duplicates = 0;
            long highest = counter.highestSequence();
            for (TelemetryEvent e : events.events()) {
                long sequence = counter.stored(e.sequence()); // in the controller's numbering (see TelemetryCounter)
                // At or below the retention's cut: stored once already, then expired; the appliance resends it.
                if (sequence <= counter.prunedThrough() || batch.hasEvent(siteId, sequence) || !seen.add(sequence)) {
                    duplicates++;
                    continue;
                }
                fresh.add(new StoredEvent(siteId, organisation, sequence, e.at(), e.kind(), e.body(), batch.tx.now()));
                highest = Math.max(highest, sequence);
            }
            TelemetryCounter after = counter.with(counter.stored() + fresh.size(), counter.duplicates() + duplicates, highest,
                    counter.prunedThrough());
            if (!fresh.isEmpty() || duplicates > 0) {
                batch.tx.put(new Change.Op.PutEvents(siteId, fresh, duplicates));
                fresh.forEach(e -> batch.events.add(StoredEvent.key(siteId, e.sequence())));
                batch.counters.put(siteId, after);
            }
            return new TelemetryAck(after.deviceAcknowledged());
        });
    }

    // ---- group commit ---------------------------------------------------------------------------------------------------

    /** One transaction's worth of reports, and what the earlier ones changed (the store shows it only after the write). */
    private final class Batch {
        final Tx tx;
        final Map<String, ApplianceRecord> appliances = new HashMap<>();
        final Map<String, TelemetryCounter> counters = new HashMap<>();
        final Set<String> events = new HashSet<>();

        Batch(Tx tx) {
            this.tx = tx;
        }

        Optional<ApplianceRecord> appliance(String siteId) {
            ApplianceRecord a = appliances.get(siteId);
            return a != null ? Optional.of(a) : tx.store().appliance(siteId);
        }

        TelemetryCounter telemetry(String siteId) {
            TelemetryCounter c = counters.get(siteId);
            return c != null ? c : tx.store().telemetry(siteId).orElse(new TelemetryCounter(siteId, 0, 0, 0));
        }

        boolean hasEvent(String siteId, long sequence) {
            return events.contains(StoredEvent.key(siteId, sequence)) || tx.store().hasEvent(siteId, sequence);
        }
    }

    private static final class Pending<R> {
        final String actor;
        final Function<Batch, R> step;
        R result;
        RuntimeException error;
        volatile boolean done;

        Pending(String actor, Function<Batch, R> step) {
            this.actor = actor;
            this.step = step;
        }

        void run(Batch batch) {
            Tx.Savepoint before = batch.tx.savepoint();
            try {
                result = step.apply(batch);
            } catch (RuntimeException e) {
                batch.tx.rollback(before);
                error = e;
            }
        }
    }

    /**
     * Runs {@code step} in a transaction shared with the steps queued meanwhile, and returns once that transaction is
     * durable. Whoever holds the leader lock writes the queue; the others wait for it and find their step done, or
     * write the next batch.
     */
    private <R> R submit(String actor, Function<Batch, R> step) {
        Pending<R> mine = new Pending<>(actor, step);
        queue.add(mine);
        leader.lock();
        try {
            while (!mine.done) {
                writeBatch();
            }
        } finally {
            leader.unlock();
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.result;
    }

    private void writeBatch() {
        List<Pending<?>> batch = new ArrayList<>();
        for (Pending<?> p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        String actor = batch.size() == 1 ? batch.getFirst().actor : "devices (" + batch.size() + " reports)";
        try {
            store.transact(actor, tx -> {
                Batch b = new Batch(tx);
                batch.forEach(p -> p.run(b));
                return null;
            });
        } catch (RuntimeException e) {
            // The write failed: no step of the batch is durable.
            batch.forEach(p -> {
                if (p.error == null) {
                    p.error = e;
                }
            });
        }
        batch.forEach(p -> p.done = true);
    }
}
