package io.patronus.appliance.federation;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.store.ConflictException;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.provisioning.SignedEnvelope;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Takes signed configuration bundles from the controller, applies them, and keeps them only once they are confirmed.
 *
 * <h2>What it guarantees</h2>
 * <ul>
 * <li>Nothing is applied unless its envelope verifies against the pinned CA and it passes {@link BundleRules}: a
 *     refusal changes no configuration, is reported ({@code REJECTED} with the code and reason) and is audited
 *     locally. A verified version that was refused is never taken again; only a newer one is.</li>
 * <li>A bundle replaces every site and every policy in one journalled store mutation (actor
 *     {@code controller:v<version>}), after a {@code CONFIG_APPLY} journal record holding the configuration it
 *     replaces. So at every instant the appliance runs either the old or the new configuration, and it can always go
 *     back.</li>
 * <li>An applied bundle is <em>pending</em> until both (a) a status report taken after the apply reached the
 *     controller over mutual TLS, and (b) the {@link MeshCheck} passes for the bundle's sites. Then
 *     {@code CONFIG_COMMIT} is journalled and {@code CONFIG_APPLIED} reported. If that has not happened by the deadline
 *     ({@code federation.confirmTimeout} after the apply) the previous sites and policies are restored in one mutation,
 *     {@code CONFIG_ROLLBACK} is journalled with the reason, the version is refused for good and {@code ROLLED_BACK}
 *     is reported (the heartbeat carries it until the controller is reached).</li>
 * <li>A restart inside the window resumes it: the pending bundle and its deadline come back from the journal; a
 *     status report must reach the controller again after the restart.</li>
 * <li>At most one bundle is pending: {@link #offer} answers {@link Outcome#BUSY} meanwhile and the poller waits.</li>
 * </ul>
 *
 * <h2>Why this shape</h2>
 * A configuration that cuts the appliance off its controller (a policy that black-holes the controller's address,
 * a site list that breaks the mesh) must undo itself without anybody reaching the box: hence the confirmation by a
 * round trip over the new configuration, and a deadline enforced locally by {@link #tick()}. The agent does no I/O
 * of its own besides the journal and the store, so the rules and the state machine run in unit tests on a fake
 * clock; the threads that long-poll and report live in {@link Federation}.
 *
 * <p>Thread-safety: every public method is synchronized; they are called by the poller, the status reporter and the
 * ticker threads. The store's mutation listener does not call in (it only touches the journal).
 */
public final class ConfigAgent {
    private static final System.Logger LOG = System.getLogger(ConfigAgent.class.getName());

    /** What the agent changes: the appliance's sites and policies (and, read only, its SLA classes). */
    interface ConfigTarget {
        BundleConfig current();

        void replace(List<Site> sites, List<Policy> policies, String actor);
    }

    /** The mesh half of the confirmation: empty when the bundle's sites are reachable, else what is missing. */
    interface MeshCheck {
        Optional<String> missing(List<Site> sites);

        /**
         * From when the data plane carries a config applied at {@code appliedAt} (its routes may be what cuts the
         * controller off); empty while it does not yet.
         */
        default Optional<Instant> inEffectSince(Instant appliedAt) {
            return Optional.of(appliedAt);
        }

        /** Why the data plane does not carry the config yet, when something keeps it from doing so (shown and reported). */
        default Optional<String> notInEffectBecause() {
            return Optional.empty();
        }
    }

    /** Where refusals are audited (the appliance's write-ahead log). */
    interface AuditSink {
        void refused(long version, String code, String detail);
    }

    /** What {@link #offer} did with a bundle. */
    enum Outcome {
        /** Applied; pending until confirmed. */
        APPLIED,
        /** Refused (reported and audited). */
        REFUSED,
        /** Another bundle is pending: offer it again once that one is resolved. */
        BUSY
    }

    /** The agent's state for the API and the debug dump. */
    record View(long appliedVersion, Optional<Long> pendingVersion, Optional<Instant> pendingDeadline, String waitingFor,
                long rejectedVersion, String reason, DeviceState reported) {
    }

    private final String siteId;
    private final EnvelopeVerifier verifier;
    private final FederationJournal journal;
    private final ConfigTarget target;
    private final MeshCheck mesh;
    private final BooleanSupplier allPathsUp;
    private final AuditSink audit;
    private final Clock clock;
    private final Duration confirmTimeout;
    private final Runnable changed;
    /** Whether a status report taken after the pending apply reached the controller (not journalled: a restart asks again). */
    private boolean statusConfirmed;
    /** The newest status report that reached the controller, by when it was taken. */
    private Instant lastStatusTaken = Instant.EPOCH;
    /** Whether this pending bundle already asked for a status report once its config was in effect. */
    private boolean reportRequested;
    /** When the data plane first carried the pending bundle (fixed once known, so later reconciles do not move it). */
    private Optional<Instant> inEffectAt = Optional.empty();
    private String waitingFor = "";

    ConfigAgent(String siteId, EnvelopeVerifier verifier, FederationJournal journal, ConfigTarget target, MeshCheck mesh,
                BooleanSupplier allPathsUp, AuditSink audit, Clock clock, Duration confirmTimeout, Runnable changed) {
        this.siteId = siteId;
        this.verifier = verifier;
        this.journal = journal;
        this.target = target;
        this.mesh = mesh;
        this.allPathsUp = allPathsUp;
        this.audit = audit;
        this.clock = clock;
        this.confirmTimeout = confirmTimeout;
        this.changed = changed;
    }

    /**
     * After a restart: resumes the confirm window of a pending bundle, first finishing its store mutation when the
     * restart cut in between the journal record and the mutation.
     */
    public synchronized void resume() {
        Optional<FederationState.Pending> pending = journal.state().pending();
        if (pending.isEmpty()) {
            return;
        }
        FederationState.Pending p = pending.get();
        statusConfirmed = false;
        reportRequested = false;
        inEffectAt = Optional.empty();
        if (!p.storeApplied()) {
            BundleConfig now = target.current();
            if (!(now.sites().equals(p.config().sites()) && now.policies().equals(p.config().policies()))) {
                LOG.log(System.Logger.Level.INFO, "federation: bundle v" + p.version() + " was journalled but not applied before"
                        + " the restart; applying it now");
                target.replace(p.config().sites(), p.config().policies(), actor(p.version()));
            }
            journal.update(s -> s.withPending(s.pending().map(FederationState.Pending::withStoreApplied)));
        }
        LOG.log(System.Logger.Level.INFO, "federation: resuming the confirm window of bundle v" + p.version() + " (deadline "
                + p.deadline() + ")");
        changed.run();
    }

    /** Verifies, checks and applies one bundle from the controller. */
    public synchronized Outcome offer(SignedEnvelope envelope) {
        FederationState s = journal.state();
        if (s.pending().isPresent()) {
            return Outcome.BUSY;
        }
        byte[] payload;
        try {
            payload = verifier.verify(envelope);
        } catch (ProvisioningException e) {
            refuse(claimedVersion(envelope), e.code(), "bundle signature refused: " + e.getMessage(), false);
            return Outcome.REFUSED;
        } catch (RuntimeException e) {
            refuse(claimedVersion(envelope), "bad_signature", "bundle envelope unusable: " + e.getMessage(), false);
            return Outcome.REFUSED;
        }
        ConfigBundle bundle;
        try {
            bundle = Json.mapper().readValue(payload, ConfigBundle.class);
        } catch (IOException | RuntimeException e) {
            refuse(claimedVersion(envelope), "invalid_bundle", "signed bundle does not decode: " + e.getMessage(), false);
            return Outcome.REFUSED;
        }
        Optional<BundleRules.Refusal> refusal = BundleRules.check(bundle, siteId, s.appliedVersion(), s.refusedUpTo());
        if (refusal.isPresent()) {
            refuse(bundle.version(), refusal.get().code(), refusal.get().message(), true);
            return Outcome.REFUSED;
        }
        try {
            StateStore.checkConfig(bundle.config().sites(), bundle.config().policies());
        } catch (ConflictException e) {
            refuse(bundle.version(), "invalid_bundle", "bundle v" + bundle.version() + " cannot be applied: " + e.field() + ": "
                    + e.getMessage(), true);
            return Outcome.REFUSED;
        }
        return apply(bundle);
    }

    private Outcome apply(ConfigBundle bundle) {
        Instant now = clock.instant();
        FederationState s = journal.state();
        FederationState.Pending p = new FederationState.Pending(bundle.version(), s.appliedVersion(), bundle.config(),
                target.current(), s.localChanges(), now, now.plus(confirmTimeout), false);
        journal.apply(p);
        statusConfirmed = false;
        reportRequested = false;
        inEffectAt = Optional.empty();
        waitingFor = "a status report to reach the controller";
        try {
            target.replace(bundle.config().sites(), bundle.config().policies(), actor(bundle.version()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "federation: applying bundle v" + bundle.version() + " failed: " + e.getMessage());
            rollback("apply_failed: " + e.getMessage());
            return Outcome.REFUSED;
        }
        journal.update(st -> st.withPending(st.pending().map(FederationState.Pending::withStoreApplied)));
        LOG.log(System.Logger.Level.INFO, "federation: applied bundle v" + bundle.version() + " (" + bundle.config().sites().size()
                + " sites, " + bundle.config().policies().size() + " policies); it is rolled back unless confirmed by "
                + p.deadline());
        changed.run();
        return Outcome.APPLIED;
    }

    /** A status report taken at {@code takenAt} reached the controller. */
    public synchronized void statusDelivered(Instant takenAt) {
        Optional<FederationState.Pending> p = journal.state().pending();
        if (takenAt.isAfter(lastStatusTaken)) {
            lastStatusTaken = takenAt;
        }
        tick();
    }

    /** Commits or rolls back the pending bundle when its time has come; reports {@code MESH_UP} once all paths are up. */
    public synchronized void tick() {
        FederationState s = journal.state();
        if (s.pending().isEmpty()) {
            if (s.reported() == DeviceState.CONFIG_APPLIED && allPathsUp.getAsBoolean()) {
                journal.update(st -> st.withReported(DeviceState.MESH_UP, ""));
                LOG.log(System.Logger.Level.INFO, "federation: mesh up: every path of bundle v" + s.appliedVersion() + " is up");
                changed.run();
            }
            return;
        }
        FederationState.Pending p = s.pending().get();
        // A report proves the controller reachable under the new config only if it was taken once the data plane
        // carried it: a report sent between the store change and the route change would confirm a config that cuts
        // the appliance off a moment later.
        if (inEffectAt.isEmpty()) {
            inEffectAt = mesh.inEffectSince(p.appliedAt());
        }
        statusConfirmed = inEffectAt.isPresent() && !lastStatusTaken.isBefore(inEffectAt.get())
                && !lastStatusTaken.isBefore(p.appliedAt());
        if (inEffectAt.isPresent() && !statusConfirmed && !reportRequested) {
            reportRequested = true;
            changed.run(); // a status report now rather than at the next heartbeat
        }
        Optional<String> missing = mesh.missing(p.config().sites());
        if (statusConfirmed && missing.isEmpty()) {
            journal.commit(clock.instant());
            waitingFor = "";
            LOG.log(System.Logger.Level.INFO, "federation: bundle v" + p.version() + " confirmed and committed"
                    + (p.config().slaClasses().isEmpty() || p.config().slaClasses().equals(p.previous().slaClasses()) ? ""
                    : "; its SLA classes take effect now"));
            changed.run();
            return;
        }
        waitingFor = inEffectAt.isEmpty() ? "the data plane to carry the bundle" + mesh.notInEffectBecause().map(b -> " (" + b + ")")
                .orElse("") + "; a status report to reach the controller"
                : !statusConfirmed ? "a status report to reach the controller" + missing.map(m -> "; " + m).orElse("")
                : missing.orElse("");
        if (!clock.instant().isBefore(p.deadline())) {
            rollback("not confirmed within " + confirmTimeout.toSeconds() + " s: waiting for " + waitingFor);
        }
    }

    private void rollback(String reason) {
        FederationState.Pending p = journal.state().pending().orElseThrow();
        target.replace(p.previous().sites(), p.previous().policies(), "controller:rollback-v" + p.version());
        journal.rollback(reason, clock.instant());
        waitingFor = "";
        LOG.log(System.Logger.Level.WARNING, "federation: bundle v" + p.version() + " rolled back to the configuration of v"
                + p.previousVersion() + ": " + reason);
        changed.run();
    }

    private void refuse(long version, String code, String message, boolean verified) {
        String reason = code + ": " + message;
        journal.update(s -> s.withRejected(version, reason, verified));
        LOG.log(System.Logger.Level.WARNING, "federation: refused " + (version > 0 ? "bundle v" + version : "a bundle") + ": "
                + reason);
        try {
            audit.refused(version, code, message);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "federation: cannot audit the refusal: " + e.getMessage());
        }
        changed.run();
    }

    /** The version an unverified payload claims, for the report only (never trusted for anything else); 0 if none. */
    private static long claimedVersion(SignedEnvelope envelope) {
        try {
            JsonNode n = Json.mapper().readTree(Base64.getDecoder().decode(envelope.payload()));
            return Math.max(0, n.path("version").asLong(0));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String actor(long version) {
        return "controller:v" + version;
    }

    /** Whether a bundle is in its confirm window. */
    public synchronized boolean pending() {
        return journal.state().pending().isPresent();
    }

    /** The {@code after} of the next long-poll: nothing at or below it is taken. */
    public synchronized long pollAfter() {
        return journal.state().pollAfter();
    }

    public synchronized View view() {
        FederationState s = journal.state();
        return new View(s.appliedVersion(), s.pending().map(FederationState.Pending::version),
                s.pending().map(FederationState.Pending::deadline), waitingFor, s.rejectedVersion(), s.reason(), s.reported());
    }
}
