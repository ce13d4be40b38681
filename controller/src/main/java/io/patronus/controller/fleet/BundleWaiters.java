package io.patronus.controller.fleet;

import io.patronus.controller.store.BundleVersion;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Parks long-poll requests until a newer bundle is published for their site, or their wait ends. Every publish wakes
 * every waiter, which re-checks its own site: publishes are rare (operator changes, enrolments) and one publish
 * transaction bumps the whole fleet at once, so one wake-up per change reaches every appliance whose bundle changed,
 * and one condition is simpler than one per site. No polling: a waiter sleeps until {@link #published()} or its
 * deadline. Waiters run on Helidon's virtual threads, so thousands of parked requests are cheap; the bundle is signed
 * after the wait, on the waiter's own thread, so a fleet-wide publish is signed in parallel.
 */
public final class BundleWaiters {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean closed;

    /** Wakes every waiter; call after a bundle was stored. Thread-safe. */
    public void published() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The newest bundle version once it is above {@code after}, or empty when {@code wait} passes first (or the
     * controller is closing). Thread-safe; restores the interrupt flag if interrupted.
     */
    public Optional<BundleVersion> await(Supplier<Optional<BundleVersion>> newest, long after, Duration wait) {
        long remaining = wait.toNanos();
        lock.lock();
        try {
            while (true) {
                Optional<BundleVersion> b = newest.get();
                if (b.isPresent() && b.get().version() > after) {
                    return b;
                }
                if (remaining <= 0 || closed) {
                    return Optional.empty();
                }
                remaining = changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Releases every waiter (they answer "no change") and every later one at once. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
