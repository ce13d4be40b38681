package io.patronus.appliance.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Human formatting for table output. */
final class Units {
    private Units() {
    }

    static String kbps(long kbps) {
        if (kbps >= 1_000_000 && kbps % 1_000_000 == 0) {
            return kbps / 1_000_000 + " Gbit/s";
        }
        if (kbps >= 1000 && kbps % 1000 == 0) {
            return kbps / 1000 + " Mbit/s";
        }
        return kbps + " kbit/s";
    }

    /** "12s ago" from an ISO instant; "never" when absent. */
    static String ago(String iso, Instant now) {
        if (iso == null || iso.isEmpty()) {
            return "never";
        }
        try {
            long s = Duration.between(Instant.parse(iso), now).toSeconds();
            if (s < 0) {
                return "now";
            }
            return s < 120 ? s + "s ago" : s < 7200 ? s / 60 + "m ago" : s / 3600 + "h ago";
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    static String ms(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", v);
    }

    static String pct(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f %%", v);
    }
}
