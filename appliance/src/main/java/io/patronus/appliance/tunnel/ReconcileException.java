package io.patronus.appliance.tunnel;

import java.util.List;

/**
 * A tunnel reconcile that applied what it could but not everything: names each route or rule change that failed (the
 * first is the cause, the others are suppressed) and what was changed, so the operator sees the whole picture in one
 * message. The reconcile runs again at its next interval.
 */
public final class ReconcileException extends RuntimeException {
    private static final int NAMED = 3;
    private final String failures;
    private final TunnelReconciler.Report applied;

    private ReconcileException(String failures, RuntimeException first, TunnelReconciler.Report applied) {
        super(failures + " (the others were applied: " + applied + ")", first);
        this.failures = failures;
        this.applied = applied;
    }

    static ReconcileException of(List<RuntimeException> failed, TunnelReconciler.Report applied) {
        StringBuilder m = new StringBuilder().append(failed.size()).append(failed.size() == 1 ? " route or rule change" : " route or rule changes")
                .append(" failed: ");
        for (int i = 0; i < Math.min(NAMED, failed.size()); i++) {
            m.append(i == 0 ? "" : "; ").append(failed.get(i).getMessage());
        }
        if (failed.size() > NAMED) {
            m.append("; and ").append(failed.size() - NAMED).append(" more");
        }
        ReconcileException e = new ReconcileException(m.toString(), failed.getFirst(), applied);
        failed.stream().skip(1).limit(20).forEach(e::addSuppressed); // a log line, not a list of every route
        return e;
    }

    /** What failed, without what was applied: the same failures again read the same, whatever else changed. */
    public String failures() {
        return failures;
    }

    /** What the failed reconcile did change. */
    public TunnelReconciler.Report applied() {
        return applied;
    }
}
