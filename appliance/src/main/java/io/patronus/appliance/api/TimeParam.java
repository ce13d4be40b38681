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
        String s = v.get().strip();
        Matcher m = RELATIVE.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return Optional.of(now.minus(d));
        }
        try {
            return Optional.of(Instant.parse(s));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + ": must be an ISO-8601 instant (2026-11-23T12:00:00Z) or a duration back from now "
                    + "(90m, 24h, 7d), was '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'", name);
        }
    }
}
