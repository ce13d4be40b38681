package io.patronus.controller.fleet;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.Change;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.Progress;
import io.patronus.controller.store.StoredEvent;
import io.patronus.controller.store.TelemetryCounter;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.TelemetryAck;
import io.patronus.provisioning.TelemetryBatch;
import io.patronus.provisioning.TelemetryEvent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What appliances report: status (the heartbeat, progress, applied and rejected versions, paths, observed config)
 * and telemetry. Telemetry is journalled before it is acknowledged and stored by (site, sequence), so a resent
 * event is stored once and counted as a duplicate: at-least-once on the wire, exactly once here.
 */
public final class DeviceReports {
    private final ControllerStore store;

    public DeviceReports(ControllerStore store) {
        this.store = store;
    }

    /**
     * Records a status report as the appliance's last seen state; a new state, applied version or rejected version
     * also goes into its progress history. Returns the updated record.
     */
    public ApplianceRecord status(String siteId, DeviceStatus s, String actor) {
        return store.transact(actor, tx -> {
            ApplianceRecord a = tx.store().appliance(siteId).orElseThrow(() -> FleetException.notFound("site " + siteId
                    + " has no enrolled appliance"));
            ApplianceRecord.Builder b = a.toBuilder()
                    .lastSeen(tx.now())
                    .state(s.state().name())
                    .appliedVersion(s.appliedVersion())
                    .paths(s.paths())
                    .localChanges(s.localChanges());
            if (s.rejectedVersion() > 0) {
                b.rejected(s.rejectedVersion(), s.reason());
            }
            if (s.observedConfig().isPresent()) {
                b.observed(s.observedConfig(), Optional.of(tx.now()));
            }
            ApplianceRecord updated = b.build();
            boolean progressed = !a.state().equals(updated.state()) || a.appliedVersion() != updated.appliedVersion()
                    || a.rejectedVersion() != updated.rejectedVersion();
            if (progressed) {
                StringBuilder detail = new StringBuilder("applied " + s.appliedVersion());
                if (s.rejectedVersion() > 0) {
                    detail.append(", rejected ").append(s.rejectedVersion());
                }
                if (!s.reason().isEmpty()) {
                    detail.append(": ").append(s.reason());
                }
                detail.append(" (appliance time ").append(s.at()).append(")");
                updated = updated.withProgress(new Progress(tx.now(), s.state().name(), s.appliedVersion(),
                        s.rejectedVersion(), detail.toString()));
            }
            tx.putAppliance(updated);
            return updated;
        });
    }

    /** Stores a telemetry batch durably and answers the highest sequence now held for the site. */
    public TelemetryAck telemetry(String siteId, TelemetryBatch batch, String actor) {
        return store.transact(actor, tx -> {
            List<StoredEvent> fresh = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            long duplicates = 0;
            long highest = tx.store().telemetry(siteId).map(TelemetryCounter::highestSequence).orElse(0L);
            for (TelemetryEvent e : batch.events()) {
                if (tx.store().hasEvent(siteId, e.sequence()) || !seen.add(e.sequence())) {
                    duplicates++;
                    continue;
                }
                fresh.add(new StoredEvent(siteId, e.sequence(), e.at(), e.kind(), e.body(), tx.now()));
                highest = Math.max(highest, e.sequence());
            }
            if (!fresh.isEmpty() || duplicates > 0) {
                tx.put(new Change.Op.PutEvents(siteId, fresh, duplicates));
            }
            return new TelemetryAck(highest);
        });
    }
}
