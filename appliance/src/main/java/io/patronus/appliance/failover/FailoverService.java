package io.patronus.appliance.failover;

import io.patronus.appliance.classify.PolicyClassifier;
import io.patronus.appliance.events.EventJournal;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.wal.RecordType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the {@link FailoverEngine} on the appliance: on every path state change (at once, on its own thread) and on a
 * tick (so failback holds expire), applies the changes to the classifier's steering map in one batch, then journals
 * each decision with its evidence in the write-ahead log (after steering, so an fsync never delays a failover) and
 * counts it in the metrics. Nothing here waits for, or talks to, the controller.
 */
public final class FailoverService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FailoverService.class.getName());
    private final FailoverEngine engine;
    private final PolicyClassifier classifier;
    private final EventJournal journal;
    private final ApplianceMetrics metrics;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean pending = new AtomicBoolean();

    public FailoverService(FailoverEngine engine, PolicyClassifier classifier, EventJournal journal, ApplianceMetrics metrics) {
        this.engine = engine;
        this.classifier = classifier;
        this.journal = journal;
        this.metrics = metrics;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "failover");
            t.setDaemon(true);
            return t;
        });
        classifier.choices((policyId, siteId) -> engine.choice(new Target(policyId, siteId)).map(Choice::colour)
                .filter(c -> !c.isEmpty()));
    }

    public FailoverEngine engine() {
        return engine;
    }

    /** Starts the tick; the first evaluation runs at once. */
    public void start(Duration tick) {
        executor.scheduleWithFixedDelay(this::evaluateQuietly, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for an evaluation as soon as possible (coalesced): called on path state changes. */
    public void evaluateSoon() {
        if (pending.compareAndSet(false, true)) {
            executor.execute(() -> {
                pending.set(false);
                evaluateQuietly();
            });
        }
    }

    private void evaluateQuietly() {
        try {
            evaluateNow();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "failover evaluation failed: " + e.getMessage(), e);
        }
    }

    /** Evaluates and applies now, on the calling thread; returns the decisions taken. */
    public synchronized List<Decision> evaluateNow() {
        List<Decision> decisions = engine.evaluate();
        if (decisions.isEmpty()) {
            return decisions;
        }
        List<PolicyClassifier.SteerChange> changes = new ArrayList<>(decisions.size());
        for (Decision d : decisions) {
            changes.add(new PolicyClassifier.SteerChange(d.target().policyId(), d.target().siteId(), d.to()));
        }
        classifier.steer(changes);
        // All decisions of one evaluation in one group commit: a storm of 100 failing paths journals 200 decisions,
        // and one fsync each kept this thread from the next evaluation for seconds on a busy disk.
        List<EventJournal.NewEvent> events = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.from().isEmpty()) {
                continue; // the first choice for a target is the plan, not a failover
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("policyId", d.target().isDefault() ? null : d.target().policyId());
            details.put("siteId", d.target().siteId());
            details.put("from", d.from().orElse(null));
            details.put("to", d.to());
            details.put("cause", d.cause().wire());
            details.put("reason", d.reason());
            details.put("paths", d.paths());
            events.add(new EventJournal.NewEvent(RecordType.FAILOVER_DECISION, d.at(), "failover", d.target().toString(),
                    d.target() + ": " + d.from().orElse("-") + " -> " + d.to() + " (" + d.cause().wire() + ")", details));
            metrics.count("patronus_failover_decisions", "cause", d.cause().wire(), "to", d.to());
            LOG.log(System.Logger.Level.INFO, "failover: " + d.target() + " " + d.from().orElse("-") + " -> " + d.to() + ": " + d.reason());
        }
        if (!events.isEmpty()) {
            journal.appendAll(RecordType.FAILOVER_DECISION, events);
        }
        return decisions;
    }

    /** Pins a target to a colour (operator action) and applies it at once. */
    public Decision trigger(Target t, String colour, String actor) {
        engine.trigger(t, colour);
        journal.append(RecordType.FAILOVER_DECISION, java.time.Instant.now(), "failover-pin", t.toString(),
                actor + " pinned " + t + " to " + colour, Map.of("policyId", t.policyId(), "siteId", t.siteId(), "colour", colour,
                        "actor", actor));
        evaluateNow();
        return engine.choice(t).map(c -> new Decision(java.time.Instant.now(), t, Optional.empty(), c.colour(), c.cause(), c.reason(),
                Map.of())).orElseThrow();
    }

    /** Removes a pin and lets health decide again at once. */
    public boolean clear(Target t, String actor) {
        boolean had = engine.clear(t);
        if (had) {
            journal.append(RecordType.FAILOVER_DECISION, java.time.Instant.now(), "failover-pin", t.toString(),
                    actor + " cleared the pin of " + t, Map.of("policyId", t.policyId(), "siteId", t.siteId(), "actor", actor));
            evaluateNow();
        }
        return had;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
