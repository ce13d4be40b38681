package io.patronus.controller.fleet;

import io.patronus.controller.store.PublishedBundle;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Parks long-poll requests until a newer bundle is published for their site, or their wait ends. Every publish wakes
 * every waiter, which re-checks its own site: publishes are rare (operator changes, enrolments), so one condition is
 * simpler than one per site and costs nothing. No polling: a waiter sleeps until {@link #published()} or its deadline.
 * Waiters run on Helidon's virtual threads, so thousands of parked requests are cheap.
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
     * The newest bundle once its version is above {@code after}, or empty when {@code wait} passes first (or the
     * controller is closing). Thread-safe; restores the interrupt flag if interrupted.
     */
    public Optional<PublishedBundle> await(Supplier<Optional<PublishedBundle>> newest, long after, Duration wait) {
        long remaining = wait.toNanos();
        lock.lock();
        try {
            while (true) {
                Optional<PublishedBundle> b = newest.get();
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
