package io.patronus.appliance.federation;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Json;
import io.patronus.provisioning.BundleConfig;
import io.patronus.wal.LogRecord;
import io.patronus.wal.RecordType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Journals the federation's progress: {@code CONFIG_APPLY}, {@code CONFIG_COMMIT}, {@code CONFIG_ROLLBACK} and
 * {@code OUTBOX_ACK} records in the appliance's write-ahead log (durable before the step is acted on, and the audit
 * trail of what the controller changed), and the resulting {@link FederationState} in {@code federation/state.json}.
 *
 * <p>Why both. A checkpoint retires log segments, so the log alone cannot say, a month later, which bundle runs or how
 * far the outbox was acknowledged. The state file can, and records the log sequence of the last journal record it
 * includes; at open the records after that sequence that the log still holds are folded in, which covers a crash
 * between a log append and the state file write. Refusals, the reported state and the local change count live only
 * in the state file (they are reports, not steps to redo).
 *
 * <p>Thread-safety: every method is synchronized on this journal, which calls nothing but the log and the file while
 * holding it, so any other lock may be held when calling in (the store calls in from its mutation listener).
 */
final class FederationJournal {
    private static final System.Logger LOG = System.getLogger(FederationJournal.class.getName());

    /** Payload of {@code CONFIG_APPLY}. */
    record ApplyRecord(long version, long previousVersion, BundleConfig config, BundleConfig previous, int previousLocalChanges,
                       Instant at, Instant deadline) {
    }

    /** Payload of {@code CONFIG_COMMIT}. */
    record CommitRecord(long version, Instant at) {
    }

    /** Payload of {@code CONFIG_ROLLBACK}. */
    record RollbackRecord(long version, String reason, Instant at) {
    }

    /** Payload of {@code OUTBOX_ACK}. */
    record AckRecord(long acknowledged, Instant at) {
    }

    private final StateStore store;
    private final Path file;
    private FederationState state;

    private FederationJournal(StateStore store, Path file, FederationState state) {
        this.store = store;
        this.file = file;
        this.state = state;
    }

    /** Loads the state file (a fresh state when there is none) and folds in the journal records logged after it. */
    static FederationJournal open(StateStore store, Path file) {
        FederationState s = FederationState.enrolled();
        if (Files.exists(file)) {
            try {
                s = Json.mapper().readValue(Files.readAllBytes(file), FederationState.class);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "federation: " + file + " is unreadable (" + e.getMessage()
                        + "); rebuilding the federation state from the write-ahead log records still present");
            }
        }
        long from = Math.max(s.journalSequence(), store.log().firstSequence() - 1);
        if (from > s.journalSequence() && s.journalSequence() > 0) {
            LOG.log(System.Logger.Level.WARNING, "federation: journal records " + (s.journalSequence() + 1) + ".." + from
                    + " were retired from the log before the state file caught up; using the state file as is");
        }
        FederationState[] folded = {s};
        int[] count = {0};
        store.log().replay(from, r -> {
            FederationState next = fold(folded[0], r);
            if (next != folded[0]) {
                count[0]++;
                folded[0] = next;
            }
        });
        FederationJournal j = new FederationJournal(store, file, folded[0]);
        if (count[0] > 0) {
            LOG.log(System.Logger.Level.INFO, "federation: " + count[0] + " journal record(s) recovered from the write-ahead log");
            j.write();
        }
        return j;
    }

    /**
     * Starts the journal of a new enrolment: a fresh state that ignores the journal records already in the log (those
     * of an earlier enrolment, with another controller's versions).
     */
    static void startFresh(StateStore store, Path file) {
        try {
            FederationFiles.writePublic(file, Json.mapper().writeValueAsString(
                    FederationState.enrolled().withJournalSequence(store.log().lastSequence())));
        } catch (IOException e) {
            throw new FederationException("identity_unwritable", "cannot write " + file + ": " + e.getMessage(), false, e);
        }
    }

    /** The state after one log record; the same instance for records that are not federation journal records. */
    static FederationState fold(FederationState s, LogRecord r) {
        try {
            return switch (r.type()) {
                case CONFIG_APPLY -> {
                    ApplyRecord a = Json.mapper().readValue(r.payload(), ApplyRecord.class);
                    yield s.withPending(Optional.of(new FederationState.Pending(a.version(), a.previousVersion(), a.config(),
                            a.previous(), a.previousLocalChanges(), a.at(), a.deadline(), false))).withLocalChanges(0)
                            .withJournalSequence(r.sequence());
                }
                case CONFIG_COMMIT -> {
                    CommitRecord c = Json.mapper().readValue(r.payload(), CommitRecord.class);
                    yield (s.pending().isPresent() && s.pending().get().version() == c.version() ? s.committedPending() : s)
                            .withJournalSequence(r.sequence());
                }
                case CONFIG_ROLLBACK -> {
                    RollbackRecord b = Json.mapper().readValue(r.payload(), RollbackRecord.class);
                    yield (s.pending().isPresent() && s.pending().get().version() == b.version() ? s.rolledBackPending(b.reason()) : s)
                            .withJournalSequence(r.sequence());
                }
                case OUTBOX_ACK -> s.withOutboxAck(Json.mapper().readValue(r.payload(), AckRecord.class).acknowledged())
                        .withJournalSequence(r.sequence());
                default -> s;
            };
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "federation: skipping undecodable journal record " + r.sequence() + " ("
                    + r.type() + "): " + e.getMessage());
            return s;
        }
    }

    synchronized FederationState state() {
        return state;
    }

    /** Journals {@code CONFIG_APPLY} and makes the bundle pending; the local change count restarts at 0. */
    synchronized FederationState apply(FederationState.Pending p) {
        long seq = append(RecordType.CONFIG_APPLY, new ApplyRecord(p.version(), p.previousVersion(), p.config(), p.previous(),
                p.previousLocalChanges(), p.appliedAt(), p.deadline()));
        return set(state.withPending(Optional.of(p)).withLocalChanges(0).withJournalSequence(seq));
    }

    /** Journals {@code CONFIG_COMMIT}: the pending bundle is the applied one. */
    synchronized FederationState commit(Instant at) {
        long version = state.pending().orElseThrow().version();
        long seq = append(RecordType.CONFIG_COMMIT, new CommitRecord(version, at));
        return set(state.committedPending().withJournalSequence(seq));
    }

    /** Journals {@code CONFIG_ROLLBACK}: the pending bundle is refused for good. */
    synchronized FederationState rollback(String reason, Instant at) {
        long version = state.pending().orElseThrow().version();
        long seq = append(RecordType.CONFIG_ROLLBACK, new RollbackRecord(version, reason, at));
        return set(state.rolledBackPending(reason).withJournalSequence(seq));
    }

    /** Journals {@code OUTBOX_ACK} when {@code acknowledged} moves the acknowledgement forward. */
    synchronized FederationState outboxAck(long acknowledged, Instant at) {
        if (acknowledged <= state.outboxAck()) {
            return state;
        }
        long seq = append(RecordType.OUTBOX_ACK, new AckRecord(acknowledged, at));
        return set(state.withOutboxAck(acknowledged).withJournalSequence(seq));
    }

    /** A change recorded in the state file only (refusals, the reported state, the local change count). */
    synchronized FederationState update(UnaryOperator<FederationState> change) {
        FederationState next = change.apply(state);
        return next.equals(state) ? state : set(next);
    }

    private long append(RecordType type, Object payload) {
        try {
            return store.append(type, Json.mapper().writeValueAsBytes(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a journal record always serialises: " + e.getMessage(), e);
        }
    }

    private FederationState set(FederationState next) {
        state = next;
        write();
        return next;
    }

    private void write() {
        try {
            FederationFiles.writePublic(file, Json.mapper().writeValueAsString(state));
        } catch (IOException e) {
            // The log has the steps; the next write or the next start's replay catches up.
            LOG.log(System.Logger.Level.WARNING, "federation: cannot write " + file + ": " + e.getMessage());
        }
    }
}
