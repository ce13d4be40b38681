package io.patronus.appliance.failover;

/**
 * The colour chosen for a {@link Target}, why (a short cause for metrics and filters, and a sentence with the
 * numbers for operators), and whether an operator pinned it.
 */
public record Choice(String colour, Cause cause, String reason) {
    /** Why a colour was chosen; lower-case in the API and metrics. */
    public enum Cause {
        PRIMARY, BACKUP, BEST_AVAILABLE, NO_USABLE_PATH, HOLD, MANUAL;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
