package io.patronus.controller.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.List;

/**
 * One atomic change to the controller's state as written to the write-ahead log (record type {@code STATE_MUTATION})
 * before it is applied: a list of whole-object puts and deletes applied together, with who made it and when. A change
 * is replayed exactly once after the checkpoint it follows, so an enrolment (token used, appliance created, audit
 * line) is never half there.
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
            @JsonSubTypes.Type(value = Op.DeleteBundle.class, name = "bundle.delete"),
            @JsonSubTypes.Type(value = Op.PutEvents.class, name = "events.put"),
            @JsonSubTypes.Type(value = Op.PutAudit.class, name = "audit.put"),
            @JsonSubTypes.Type(value = Op.PutRollout.class, name = "rollout.put"),
            @JsonSubTypes.Type(value = Op.PutKeyRotation.class, name = "keyRotation.put"),
            @JsonSubTypes.Type(value = Op.DeleteKeyRotation.class, name = "keyRotation.delete")})
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

        record PutBundle(PublishedBundle bundle) implements Op {
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
    }
}
