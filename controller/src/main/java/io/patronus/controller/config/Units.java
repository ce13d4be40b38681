package io.patronus.controller.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The controller's spelling of the shared {@link io.patronus.common.units.Units}: sizes in binary units only, and a zero
 * duration printed {@code 0s}. Kept so that the configuration, the fleet code and the admin API go on calling
 * {@code Units} unqualified; callers may move to the shared class once these two differences are settled.
 */
public final class Units {
    private static final Pattern DECIMAL_SIZE = Pattern.compile("\\d+\\s*(KB|MB|GB)");

    private Units() {
    }

    /** {@code 250ms}, {@code 15s}, {@code 10m}, {@code 24h}, {@code 7d}; empty when the text is none of these. */
    public static Optional<Duration> duration(String text) {
        return io.patronus.common.units.Units.duration(text);
    }

    /** Bytes, optionally with {@code KiB}, {@code MiB} or {@code GiB}; the decimal units are not accepted here. */
    static Optional<Long> size(String text) {
        return DECIMAL_SIZE.matcher(text.trim()).matches() ? Optional.empty() : io.patronus.common.units.Units.size(text);
    }

    /** The shortest exact spelling of a duration in the units above; zero is {@code 0s}. */
    public static String duration(Duration d) {
        return d.toMillis() == 0 ? "0s" : io.patronus.common.units.Units.duration(d);
    }
}
