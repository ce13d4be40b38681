package io.patronus.appliance.federation;

import io.patronus.provisioning.TelemetryAck;
import io.patronus.provisioning.TelemetryBatch;
import io.patronus.provisioning.TelemetryEvent;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Sends the appliance's events and audit records to the controller, in log sequence order, in batches of up to
 * {@value #BATCH}, and journals the controller's acknowledgement ({@code OUTBOX_ACK}); after a restart or a disconnect
 * it resends from the last acknowledged sequence. At-least-once on the wire; the controller stores by (site,
 * sequence), so exactly once there. An unreachable controller is retried with the 1 s .. 60 s backoff; nothing local
 * waits for it.
 *
 * <p>Runs on its own thread ({@code federation-outbox}); {@link #wake()} may be called from any thread.
 */
final class Outbox implements Runnable {
    private static final System.Logger LOG = System.getLogger(Outbox.class.getName());
    static final int BATCH = 500;
    /** How often the outbox looks for new records when nobody wakes it. */
    private static final Duration IDLE = Duration.ofSeconds(2);

    private final TelemetrySource source;
    private final FederationJournal journal;
    private final Supplier<ControllerClient> client;
    private final FederationHealth health;
    private final Clock clock;
    private final Object signal = new Object();
    private volatile boolean running = true;
    private volatile long sentBatches;

    Outbox(TelemetrySource source, FederationJournal journal, Supplier<ControllerClient> client, FederationHealth health, Clock clock) {
        this.source = source;
        this.journal = journal;
        this.client = client;
        this.health = health;
        this.clock = clock;
    }

    @Override
    public void run() {
        Backoff backoff = Backoff.controller();
        while (running) {
            Duration wait = IDLE;
            try {
                if (sendOnce()) {
                    backoff.reset();
                    continue;
                }
            } catch (FederationException e) {
                wait = backoff.next();
                if (health.error("telemetry: " + e.getMessage(), clock.instant())) {
                    LOG.log(System.Logger.Level.WARNING, "federation: outbox: " + e.getMessage() + "; retrying with backoff (now "
                            + wait.toSeconds() + " s)");
                }
            } catch (RuntimeException e) {
                wait = backoff.next();
                LOG.log(System.Logger.Level.WARNING, "federation: outbox failed: " + e, e);
            }
            pause(wait);
        }
    }

    /** Sends one batch if there is one; true when the acknowledgement moved (more may follow at once). */
    boolean sendOnce() {
        long ack = journal.state().outboxAck();
        List<TelemetryEvent> batch = source.after(ack, BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        TelemetryAck answer = client.get().telemetry(new TelemetryBatch(batch));
        health.contact(clock.instant());
        sentBatches++;
        if (answer.acknowledged() > ack) {
            journal.outboxAck(answer.acknowledged(), clock.instant());
            return true;
        }
        LOG.log(System.Logger.Level.WARNING, "federation: the controller acknowledged " + answer.acknowledged() + " for a batch of "
                + batch.getFirst().sequence() + ".." + batch.getLast().sequence() + "; resending later");
        return false;
    }

    long sentBatches() {
        return sentBatches;
    }

    void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void pause(Duration d) {
        synchronized (signal) {
            if (!running) {
                return;
            }
            try {
                signal.wait(Math.max(1, d.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    void stop() {
        running = false;
        wake();
    }
}
