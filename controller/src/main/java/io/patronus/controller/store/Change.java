package io.patronus.controller.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.patronus.provisioning.PathSummary;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One atomic change to the controller's state as written to the write-ahead log (record type {@code STATE_MUTATION})
 * before it is applied: a list of puts, deletes and updates applied together, with who made it and when. A change
 * is replayed exactly once after the checkpoint it follows, so an enrolment (token used, appliance created, audit
 * line) is never half there.
 *
 * <p>Ops that happen per appliance and per fleet change record the fact, not the object: {@link Op.Publish} is a
 * version and a digest (the bundle is rendered and signed again on demand), {@link Op.Status} the durable part of a
 * status report (never the appliance's whole history). An op is applied to the state it finds, so replaying the log
 * after the checkpoint it follows gives the state the live store had; {@link Op.PruneEvents} and
 * {@link Op.PruneAudit} carry their cut-off for the same reason, not the list of what they removed, and so does
 * {@link Op.AssignOrganisation}, the schema 3 migration.
 */
public record Change(List<Op> ops, String actor, Instant at) {
    public Change {
        ops = List.copyOf(ops);
    }

    /** One put or delete of a stored object. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = Op.PutSite.class, name = "site.put"),
            @JsonSubTypes.Type(value = Op.DeleteSite.class, name = "site.delete"),
            @JsonSubTypes.Type(value = Op.PutGroup.class, name = "group.put"),
            @JsonSubTypes.Type(value = Op.PutToken.class, name = "token.put"),
            @JsonSubTypes.Type(value = Op.PutAppliance.class, name = "appliance.put"),
            @JsonSubTypes.Type(value = Op.DeleteAppliance.class, name = "appliance.delete"),
            @JsonSubTypes.Type(value = Op.PutBundle.class, name = "bundle.put"),
            @JsonSubTypes.Type(value = Op.Publish.class, name = "bundle.publish"),
            @JsonSubTypes.Type(value = Op.Status.class, name = "appliance.status"),
            @JsonSubTypes.Type(value = Op.PruneEvents.class, name = "events.prune"),
            @JsonSubTypes.Type(value = Op.PruneAudit.class, name = "audit.prune"),
            @JsonSubTypes.Type(value = Op.DeleteBundle.class, name = "bundle.delete"),
            @JsonSubTypes.Type(value = Op.PutEvents.class, name = "events.put"),
            @JsonSubTypes.Type(value = Op.PutAudit.class, name = "audit.put"),
            @JsonSubTypes.Type(value = Op.PutRollout.class, name = "rollout.put"),
            @JsonSubTypes.Type(value = Op.PutKeyRotation.class, name = "keyRotation.put"),
            @JsonSubTypes.Type(value = Op.DeleteKeyRotation.class, name = "keyRotation.delete"),
            @JsonSubTypes.Type(value = Op.PutOrganisation.class, name = "organisation.put"),
            @JsonSubTypes.Type(value = Op.AssignOrganisation.class, name = "organisation.assign"),
            @JsonSubTypes.Type(value = Op.PutAdminToken.class, name = "adminToken.put"),
            @JsonSubTypes.Type(value = Op.StartTelemetryStream.class, name = "telemetry.stream")})
    public sealed interface Op {
        record PutSite(SiteRecord site) implements Op {
        }

        record DeleteSite(String id) implements Op {
        }

        record PutGroup(GroupRecord group) implements Op {
        }

        record PutToken(TokenRecord token) implements Op {
        }

        record PutAppliance(ApplianceRecord appliance) implements Op {
        }

        record DeleteAppliance(String siteId) implements Op {
        }

        /** A whole bundle, as logs before checkpoint schema 2 hold it; read, never written (see {@link LegacyBundle}). */
        record PutBundle(LegacyBundle bundle) implements Op {
        }

        /**
         * A new bundle version for a site's appliance ({@link BundleVersion}); also raises the appliance's desired
         * version to it.
         */
        record Publish(String siteId, long version, Instant issuedAt, String digest) implements Op {
        }

        /**
         * The durable part of a status report: the appliance's state, versions, path summary, local change count and
         * data plane problem as reported at {@code at}, the observed configuration when it changed ({@code observed},
         * else the stored one is kept), and the progress line to append, if any.
         */
        record Status(String siteId, Instant at, String state, long appliedVersion, long rejectedVersion,
                      String rejectReason, PathSummary paths, int localChanges, Optional<ObservedConfig> observed,
                      Optional<Progress> progress, String dataPlaneProblem) implements Op {
            public Status {
                observed = observed == null ? Optional.empty() : observed;
                progress = progress == null ? Optional.empty() : progress;
                dataPlaneProblem = dataPlaneProblem == null ? "" : dataPlaneProblem; // journalled before the field
            }

            /** The appliance record after this report: how the store applies it (and a batch previews it). */
            public ApplianceRecord applyTo(ApplianceRecord a) {
                ApplianceRecord.Builder b = a.toBuilder()
                        .lastSeen(at)
                        .state(state)
                        .appliedVersion(appliedVersion)
                        .rejected(rejectedVersion, rejectReason)
                        .paths(paths)
                        .localChanges(localChanges)
                        .dataPlaneProblem(dataPlaneProblem);
                observed.ifPresent(o -> b.observed(o).observedAt(at));
                ApplianceRecord updated = b.build();
                return progress.isPresent() ? updated.withProgress(progress.get()) : updated;
            }
        }

        /** Removes the telemetry events the controller received before {@code before}. */
        record PruneEvents(Instant before) implements Op {
        }

        /** Removes the audit records older than {@code before}. */
        record PruneAudit(Instant before) implements Op {
        }

        record DeleteBundle(String siteId) implements Op {
        }

        /** New telemetry events of one site (already deduplicated) and how many duplicates the batch carried. */
        record PutEvents(String siteId, List<StoredEvent> events, long duplicates) implements Op {
            public PutEvents {
                events = List.copyOf(events);
            }
        }

        record PutAudit(AuditRecord audit) implements Op {
        }

        record PutRollout(RolloutRecord rollout) implements Op {
        }

        /** The latest key rotation of a site (replacing the one before). */
        record PutKeyRotation(KeyRotationRecord rotation) implements Op {
        }

        record DeleteKeyRotation(String siteId) implements Op {
        }

        /** An organisation created, renamed or deleted (a deleted one is kept with its {@code deletedAt}). */
        record PutOrganisation(OrganisationRecord organisation) implements Op {
        }

        /**
         * The schema 3 migration: every site, group, enrolment token, rollout, telemetry event and audit record
         * without an organisation (all of them, in a store written before organisations) now belongs to
         * {@code organisation}. One op, not a put per object, so the migration is one small log record whatever the
         * number of events: it is applied whole or, when a crash cut it off, not at all and run again.
         */
        record AssignOrganisation(String organisation) implements Op {
        }

        /** An organisation admin token created or revoked. */
        /**
         * A new device enrolled for the site: its events, numbered from 1 again, are stored above everything the site
         * stored so far ({@link TelemetryCounter#newStream}, computed from the state the op finds, so a replay agrees).
         */
        record StartTelemetryStream(String siteId) implements Op {
        }

        record PutAdminToken(AdminTokenRecord token) implements Op {
        }
    }
}
