package io.patronus.common.units;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing and printing of the human units of the appliance's and the controller's configuration: durations
 * ({@code 250ms}, {@code 15s}, {@code 7d}) and sizes ({@code 64MiB}, {@code 1MB}).
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");

    private Units() {
    }

    /** {@code 250ms}, {@code 15s}, {@code 10m}, {@code 24h}, {@code 7d}; empty when the text is none of these. */
    public static Optional<Duration> duration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        });
    }

    /**
     * Bytes, optionally followed by a binary ({@code KiB}, {@code MiB}, {@code GiB}) or a decimal ({@code KB}, {@code MB},
     * {@code GB}) unit; empty when the text is none of these or the value does not fit in a long.
     */
    public static Optional<Long> size(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        long factor = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            default -> 1L;
        };
        return n > Long.MAX_VALUE / factor ? Optional.empty() : Optional.of(n * factor);
    }

    /** The shortest exact spelling of a duration in the units above; zero is {@code 0ms}. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0ms";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** The shortest exact spelling of a size in binary units, plain bytes when none divides it. */
    public static String size(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
