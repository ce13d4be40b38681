package io.patronus.appliance.federation;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.DeviceState;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The federation's durable progress ({@code federation/state.json}, rebuilt from the write-ahead log's
 * {@code CONFIG_*} and {@code OUTBOX_ACK} records after it): which bundle runs, which one is being confirmed, what was
 * refused, how far the controller acknowledged the telemetry. Immutable; the {@code with...} methods make copies.
 *
 * @param appliedVersion  the last committed bundle version, 0 for none
 * @param reported        the state the status reports carry
 * @param reason          why, for {@code REJECTED} and {@code ROLLED_BACK}; "" otherwise
 * @param rejectedVersion the last refused or rolled-back version (reported), 0 for none
 * @param refusedUpTo     the highest verified version refused or rolled back: never applied again, nor anything below
 * @param pending         the bundle in its confirm window
 * @param committed       the configuration of the last committed bundle (its SLA classes are used at the next start)
 * @param outboxAck       the highest log sequence the controller acknowledged holding
 * @param localChanges    local (non-controller) site and policy mutations since the last applied bundle
 * @param journalSequence the write-ahead log sequence of the last journal record this state includes
 */
record FederationState(long appliedVersion, DeviceState reported, String reason, long rejectedVersion, long refusedUpTo,
                       Optional<Pending> pending, Optional<BundleConfig> committed, long outboxAck, int localChanges,
                       long journalSequence) {
    FederationState {
        Objects.requireNonNull(reported, "reported");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(pending, "pending");
        Objects.requireNonNull(committed, "committed");
    }

    static FederationState enrolled() {
        return new FederationState(0, DeviceState.ENROLLED, "", 0, 0, Optional.empty(), Optional.empty(), 0, 0, 0);
    }

    /**
     * A bundle applied and waiting for confirmation.
     *
     * @param version              the bundle's version
     * @param previousVersion      the version that ran before (0 for none)
     * @param config               the bundle's configuration
     * @param previous             the sites and policies (and SLA classes) before the apply, restored by a rollback
     * @param previousLocalChanges the local change count before the apply, restored by a rollback
     * @param appliedAt            when it was applied: only a status report taken after this confirms it
     * @param deadline             when it is rolled back unless confirmed
     * @param storeApplied         whether the store mutation is known to be done (false between journal and store)
     */
    record Pending(long version, long previousVersion, BundleConfig config, BundleConfig previous, int previousLocalChanges,
                   Instant appliedAt, Instant deadline, boolean storeApplied) {
        Pending withStoreApplied() {
            return new Pending(version, previousVersion, config, previous, previousLocalChanges, appliedAt, deadline, true);
        }
    }

    /** The version below or at which no bundle is taken: the long-poll's {@code after}. */
    long pollAfter() {
        return Math.max(Math.max(appliedVersion, refusedUpTo), pending.map(Pending::version).orElse(0L));
    }

    FederationState withPending(Optional<Pending> p) {
        return new FederationState(appliedVersion, reported, reason, rejectedVersion, refusedUpTo, p, committed, outboxAck,
                localChanges, journalSequence);
    }

    FederationState withReported(DeviceState s, String why) {
        return new FederationState(appliedVersion, s, why, rejectedVersion, refusedUpTo, pending, committed, outboxAck,
                localChanges, journalSequence);
    }

    FederationState withLocalChanges(int n) {
        return new FederationState(appliedVersion, reported, reason, rejectedVersion, refusedUpTo, pending, committed, outboxAck,
                n, journalSequence);
    }

    FederationState withJournalSequence(long seq) {
        return new FederationState(appliedVersion, reported, reason, rejectedVersion, refusedUpTo, pending, committed, outboxAck,
                localChanges, Math.max(journalSequence, seq));
    }

    FederationState withOutboxAck(long ack) {
        return new FederationState(appliedVersion, reported, reason, rejectedVersion, refusedUpTo, pending, committed,
                Math.max(outboxAck, ack), localChanges, journalSequence);
    }

    /** A refusal: reported, and when {@code verified} the version is never taken again. */
    FederationState withRejected(long version, String why, boolean verified) {
        return new FederationState(appliedVersion, DeviceState.REJECTED, why, version,
                verified ? Math.max(refusedUpTo, version) : refusedUpTo, pending, committed, outboxAck, localChanges, journalSequence);
    }

    /** The pending bundle became the applied one. */
    FederationState committedPending() {
        Pending p = pending.orElseThrow();
        return new FederationState(p.version(), DeviceState.CONFIG_APPLIED, "", rejectedVersion, refusedUpTo, Optional.empty(),
                Optional.of(p.config()), outboxAck, localChanges, journalSequence);
    }

    /** The pending bundle was rolled back: the previous configuration and change count are back, the version refused. */
    FederationState rolledBackPending(String why) {
        Pending p = pending.orElseThrow();
        return new FederationState(appliedVersion, DeviceState.ROLLED_BACK, why, p.version(), Math.max(refusedUpTo, p.version()),
                Optional.empty(), committed, outboxAck, p.previousLocalChanges(), journalSequence);
    }
}
