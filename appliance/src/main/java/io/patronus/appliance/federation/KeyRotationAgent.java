package io.patronus.appliance.federation;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.KeyRotation;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This appliance's side of a WireGuard key rotation (docs/FEDERATION.md, "WireGuard key rotation"): it follows the
 * {@code keyRotation} step of the bundle in effect.
 * <ul>
 * <li>{@code generate}: creates the next key pair once ({@code secrets/wg.next.key}, 0600) and reports its public key.
 *     Taken from a bundle as soon as it is applied: generating a key changes nothing that traffic depends on.</li>
 * <li>{@code switch}: taken only from a <em>committed</em> bundle (a switch cannot be rolled back with the bundle), and
 *     only to the key the bundle names, which is the one this appliance reported and the controller distributed to
 *     every peer. Switches the data plane to it, then reports it active once every interface uses it.</li>
 * </ul>
 * A report is repeated (with the controller backoff) until the controller answers; an answer ends it for that step,
 * and so does a refusal (it is logged: the controller's state is not what this appliance thinks, an operator decides).
 * The controller takes a repeated report as the same step, so a lost answer or a restart costs nothing. After a
 * restart in the middle of a switch the {@link io.patronus.appliance.wg.KeyRing} holds one consistent key, and the
 * step, still in the committed bundle, is finished from there.
 *
 * <p>Thread-safety: {@link #tick()} is synchronized; it is run by the federation's status thread.
 */
final class KeyRotationAgent {
    private static final System.Logger LOG = System.getLogger(KeyRotationAgent.class.getName());

    /** The site's keys in the data plane. */
    interface Keys {
        String publicKey();

        /** The next key pair's public key, generating the pair the first time. */
        String nextPublicKey() throws IOException;

        /** Switches to the next key, whose public key must be {@code expected}. */
        void switchKey(String expected) throws IOException;

        /** Whether every interface uses the current key. */
        boolean keyApplied();

        /** Reconciles the tunnels now. */
        void reconcile();
    }

    /** Sends a report to the controller ({@code POST /v1/device/keys}); throws {@link FederationException}. */
    interface Reporter {
        void report(KeyReport report);
    }

    private final Keys keys;
    private final Supplier<FederationState> state;
    private final Reporter reporter;
    private final FederationHealth health;
    private final Clock clock;
    private final Backoff backoff = Backoff.controller();
    private Instant nextAttempt = Instant.MIN;
    private Optional<KeyReport> answered = Optional.empty();
    private Optional<KeyRotation> step = Optional.empty();
    private String problem = "";

    KeyRotationAgent(Keys keys, Supplier<FederationState> state, Reporter reporter, FederationHealth health, Clock clock) {
        this.keys = keys;
        this.state = state;
        this.reporter = reporter;
        this.health = health;
        this.clock = clock;
    }

    /** The step to take: the committed bundle's, or a pending bundle's {@code generate} while nothing is switching. */
    static Optional<KeyRotation> step(FederationState s) {
        Optional<KeyRotation> committed = s.committed().flatMap(BundleConfig::keyRotation);
        Optional<KeyRotation> pending = s.pending().flatMap(p -> p.config().keyRotation());
        if (pending.isPresent() && pending.get().phase() == KeyRotation.Phase.GENERATE
                && committed.map(c -> c.phase() != KeyRotation.Phase.SWITCH).orElse(true)) {
            return pending;
        }
        return committed;
    }

    /** Takes the current step if it has not been answered yet. */
    synchronized void tick() {
        Optional<KeyRotation> now = step(state.get());
        if (!now.equals(step)) {
            step = now;
            nextAttempt = Instant.MIN;
            backoff.reset();
            problem = "";
        }
        if (now.isEmpty() || clock.instant().isBefore(nextAttempt)) {
            return;
        }
        KeyRotation r = now.get();
        boolean switching = r.phase() == KeyRotation.Phase.SWITCH;
        if (answered.filter(a -> a.rotationId().equals(r.id()) && a.active() == switching).isPresent()) {
            return;
        }
        KeyReport report;
        try {
            if (r.phase() == KeyRotation.Phase.GENERATE) {
                report = new KeyReport(r.id(), keys.nextPublicKey(), false);
            } else {
                String expected = r.publicKey().orElseThrow();
                if (!keys.publicKey().equals(expected)) {
                    LOG.log(System.Logger.Level.INFO, "federation: key rotation " + r.id() + ": every peer has the next key;"
                            + " switching to it");
                    keys.switchKey(expected);
                }
                if (!keys.keyApplied()) {
                    keys.reconcile();
                    if (!keys.keyApplied()) {
                        fail(r, "the new key is not on every tunnel interface yet; retrying");
                        return;
                    }
                }
                report = new KeyReport(r.id(), expected, true);
            }
        } catch (IOException | RuntimeException e) {
            fail(r, e.getMessage());
            return;
        }
        try {
            reporter.report(report);
            answered = Optional.of(report);
            backoff.reset();
            problem = "";
            health.contact(clock.instant());
            LOG.log(System.Logger.Level.INFO, "federation: key rotation " + r.id() + ": reported " + (report.active()
                    ? "the switch to " : "the next key ") + report.publicKey());
        } catch (FederationException e) {
            if (!e.retryable()) {
                answered = Optional.of(report); // the controller's word on this step; a new step is taken again
                problem = "refused: " + e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "federation: key rotation " + r.id() + ": the controller refused the report ("
                        + e.code() + "): " + e.getMessage());
                health.error("key rotation " + r.id() + ": " + e.getMessage(), clock.instant());
            } else {
                fail(r, e.getMessage());
            }
        }
    }

    private void fail(KeyRotation r, String why) {
        nextAttempt = clock.instant().plus(backoff.next());
        if (!why.equals(problem)) {
            LOG.log(System.Logger.Level.WARNING, "federation: key rotation " + r.id() + " (" + r.phase().name().toLowerCase(java.util.Locale.ROOT)
                    + "): " + why + "; retrying at " + nextAttempt);
        }
        problem = why;
        health.error("key rotation " + r.id() + ": " + why, clock.instant());
    }

    /** The rotation this appliance takes part in now, for {@code GET /v1/federation}; empty when none. */
    synchronized Optional<Map<String, Object>> view() {
        return step.map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("phase", r.phase().name().toLowerCase(java.util.Locale.ROOT));
            m.put("publicKey", keys.publicKey());
            m.put("reported", answered.map(a -> a.rotationId().equals(r.id())
                    && a.active() == (r.phase() == KeyRotation.Phase.SWITCH)).orElse(false));
            if (!problem.isEmpty()) {
                m.put("problem", problem);
            }
            return m;
        });
    }
}
