package io.patronus.appliance.api;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A time query parameter: an ISO-8601 instant, or a duration back from now such as {@code 90m}, {@code 24h}, {@code 7d}. */
final class TimeParam {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private TimeParam() {
    }

    static Optional<Instant> parse(ApiRequest r, String name, Instant now) {
        Optional<String> v = r.query(name);
        if (v.isEmpty() || v.get().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(instant(v.get().strip(), name, now));
    }

    /** An ISO-8601 instant, or a duration meaning "that long ago"; a 400 naming {@code field} otherwise. */
    static Instant instant(String text, String field, Instant now) {
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field + " must be an ISO-8601 instant (2026-11-23T08:00:00Z) or a duration "
                    + "ago like 90s, 15m, 24h, 7d; was '" + (text.length() > 40 ? text.substring(0, 40) : text) + "'", field);
        }
    }
}
