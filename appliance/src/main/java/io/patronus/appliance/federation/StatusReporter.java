package io.patronus.appliance.federation;

import io.patronus.appliance.paths.PathMonitor;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Path;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.PathSummary;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Reports this appliance's state to the controller ({@code POST /v1/device/status}): as the heartbeat and, coalesced,
 * after every change. A report that gets through tells the {@link ConfigAgent} (the controller half of a bundle's
 * confirmation, counted only for reports taken after the apply). Sends run on one thread of their own, so a slow
 * controller delays nothing else.
 */
final class StatusReporter {
    private static final System.Logger LOG = System.getLogger(StatusReporter.class.getName());
    private final Supplier<ControllerClient> client;
    private final FederationJournal journal;
    private final ConfigAgent agent;
    private final StateStore store;
    private final PathMonitor monitor;
    private final java.util.function.Supplier<List<SlaClass>> slaClasses;
    private final Supplier<String> dataPlaneProblem;
    private final FederationHealth health;
    private final Clock clock;
    private final ExecutorService sender;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile long delivered;
    private volatile boolean stopped;
    // The observed configuration (all sites and policies: ~250 bytes a site) goes with a report only when it changed
    // since the controller last received it, the controller asks for it, or OBSERVED_REFRESH has passed; otherwise a
    // heartbeat is a few hundred bytes. Sender thread only.
    private String deliveredObservedDigest = "";
    private Instant deliveredObservedAt = Instant.MIN;
    private boolean observedWanted = true;
    /** How often the observed configuration is sent even unchanged: a controller restored from a backup catches up. */
    static final java.time.Duration OBSERVED_REFRESH = java.time.Duration.ofMinutes(10);

    StatusReporter(Supplier<ControllerClient> client, FederationJournal journal, ConfigAgent agent, StateStore store,
                   PathMonitor monitor, java.util.function.Supplier<List<SlaClass>> slaClasses, Supplier<String> dataPlaneProblem,
                   FederationHealth health, Clock clock, ExecutorService sender) {
        this.client = client;
        this.dataPlaneProblem = dataPlaneProblem;
        this.journal = journal;
        this.agent = agent;
        this.store = store;
        this.monitor = monitor;
        this.slaClasses = slaClasses;
        this.health = health;
        this.clock = clock;
        this.sender = sender;
    }

    /** Queues a report unless one is queued already. Any thread. */
    void sendSoon() {
        if (queued.compareAndSet(false, true)) {
            try {
                sender.execute(() -> {
                    queued.set(false);
                    sendNow();
                });
            } catch (RejectedExecutionException e) {
                queued.set(false); // stopping
            }
        }
    }

    /** Sends one report now, on the caller's thread; nothing once stopped. */
    void sendNow() {
        if (stopped) {
            return;
        }
        Instant takenAt = clock.instant();
        DeviceStatus status;
        String observedDigest;
        try {
            BundleConfig observed = observed();
            observedDigest = digest(observed);
            boolean withObserved = observedWanted || !observedDigest.equals(deliveredObservedDigest)
                    || !takenAt.isBefore(deliveredObservedAt.plus(OBSERVED_REFRESH));
            status = snapshot(takenAt, withObserved ? Optional.of(observed) : Optional.empty());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "federation: cannot build the status report: " + e, e);
            return;
        }
        try {
            observedWanted = client.get().status(status);
            if (status.observedConfig().isPresent()) {
                deliveredObservedDigest = observedDigest;
                deliveredObservedAt = takenAt;
            }
        } catch (FederationException e) {
            if (stopped) {
                return; // the client was closed under the report: the appliance is stopping
            }
            if (health.error("status: " + e.getMessage(), clock.instant())) {
                LOG.log(System.Logger.Level.WARNING, "federation: status report failed: " + e.getMessage()
                        + " (local operation continues; retried at the next heartbeat)");
            }
            return;
        }
        delivered++;
        health.contact(clock.instant());
        if (!stopped) {
            agent.statusDelivered(takenAt);
        }
    }

    void stop() {
        stopped = true;
    }

    long delivered() {
        return delivered;
    }

    /** What this appliance runs now, as the controller compares it with what it published (drift). */
    BundleConfig observed() {
        return new BundleConfig(store.sites(), store.policies(), slaClasses.get());
    }

    private static String digest(BundleConfig c) {
        try {
            byte[] json = io.patronus.model.Json.mapper().writeValueAsBytes(c);
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest the observed configuration: " + e.getMessage(), e);
        }
    }

    DeviceStatus snapshot(Instant at, Optional<BundleConfig> observed) {
        FederationState s = journal.state();
        int up = 0;
        int degraded = 0;
        int down = 0;
        for (Path p : monitor.paths()) {
            switch (p.status()) {
                case UP -> up++;
                case DEGRADED -> degraded++;
                default -> down++; // down, or not measured yet: not known to be up
            }
        }
        return new DeviceStatus(s.reported(), s.appliedVersion(), s.rejectedVersion(), s.reason(), at,
                new PathSummary(up, degraded, down), observed, s.localChanges(), reportable(dataPlaneProblem.get()));
    }

    /**
     * The problem as the protocol takes it (no control characters, at most 4,096 characters): a report the controller
     * refused for its wording would hide the very problem it carries, and stop the heartbeat with it.
     */
    static String reportable(String problem) {
        String flat = problem.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        return flat.length() <= 4096 ? flat : flat.substring(0, 4093) + "...";
    }
}
