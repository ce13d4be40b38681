package io.patronus.appliance.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Numbers and times as people read them in tables. */
final class Units {
    private Units() {
    }

    /** "1 Gbit/s", "50 Mbit/s", "512 kbit/s", "1.5 Mbit/s". */
    static String kbps(long kbps) {
        if (kbps >= 1_000_000) {
            return decimal(kbps / 1_000_000.0) + " Gbit/s";
        }
        if (kbps >= 1000) {
            return decimal(kbps / 1000.0) + " Mbit/s";
        }
        return kbps + " kbit/s";
    }

    private static String decimal(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** "12s ago", "5m ago", "3h ago", "2d ago" from an ISO instant; "never" when empty; the text itself when unparsable. */
    static String ago(String iso, Instant now) {
        if (iso.isEmpty()) {
            return "never";
        }
        try {
            long s = Duration.between(Instant.parse(iso), now).toSeconds();
            if (s < 0) {
                return "just now";
            }
            return s < 120 ? s + "s ago" : s < 7200 ? s / 60 + "m ago" : s < 172_800 ? s / 3600 + "h ago" : s / 86_400 + "d ago";
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    /** "12.3 ms". */
    static String ms(double v) {
        return String.format(Locale.ROOT, "%.1f ms", v);
    }

    /** "0.25%". */
    static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", v);
    }

    /** "3d 4h", "2h 5m", "5m 3s", "42s". */
    static String uptime(long seconds) {
        long d = seconds / 86_400;
        long h = seconds % 86_400 / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m > 0 ? m + "m " + s + "s" : s + "s";
    }
}
