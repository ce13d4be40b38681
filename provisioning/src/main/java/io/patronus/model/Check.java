package io.patronus.model;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Validation primitives shared by the model records; each failure names the field and the rule. */
public final class Check {
    /** Identifiers: lower-case letters, digits and dashes, starting with a letter or digit, at most 63 characters. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** Link colours: short lower-case words, because they become interface names ({@code wg-<colour>}, 15 chars max). */
    public static final Pattern COLOUR = Pattern.compile("[a-z][a-z0-9]{0,11}");

    private Check() {
    }

    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new ValidationException(field, "required", "is required");
        }
        return value;
    }

    public static String text(String field, String value, int maxLength) {
        required(field, value);
        if (value.isBlank()) {
            throw new ValidationException(field, "required", "must not be blank");
        }
        if (value.length() > maxLength) {
            throw new ValidationException(field, "length", "must be at most " + maxLength + " characters, was " + value.length());
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new ValidationException(field, "format", "must not contain control characters");
            }
        }
        return value;
    }

    /** Like {@link #text} but an absent value becomes the empty string. */
    public static String optionalText(String field, String value, int maxLength) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return text(field, value, maxLength);
    }

    public static String id(String field, String value) {
        required(field, value);
        if (!ID.matcher(value).matches()) {
            throw new ValidationException(field, "format",
                    "must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit, was '" + clip(value) + "'");
        }
        return value;
    }

    public static String colour(String field, String value) {
        required(field, value);
        if (!COLOUR.matcher(value).matches()) {
            throw new ValidationException(field, "format",
                    "must be a colour name of 1-12 lower-case letters or digits starting with a letter (fiber, lte, broadband), was '"
                            + clip(value) + "'");
        }
        return value;
    }

    public static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ValidationException(field, "range", "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    public static long range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ValidationException(field, "range", "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    public static double range(String field, double value, double min, double max) {
        if (Double.isNaN(value) || value < min || value > max) {
            throw new ValidationException(field, "range", "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    /** Copies a list, rejecting null elements and lists longer than {@code max}. */
    public static <T> List<T> list(String field, List<T> value, int max) {
        if (value == null) {
            return List.of();
        }
        if (value.size() > max) {
            throw new ValidationException(field, "size", "must have at most " + max + " entries, had " + value.size());
        }
        for (int i = 0; i < value.size(); i++) {
            if (value.get(i) == null) {
                throw new ValidationException(field + "[" + i + "]", "required", "must not be null");
            }
        }
        return List.copyOf(value);
    }

    public static <K, V> Map<K, V> map(String field, Map<K, V> value, int max) {
        if (value == null) {
            return Map.of();
        }
        if (value.size() > max) {
            throw new ValidationException(field, "size", "must have at most " + max + " entries, had " + value.size());
        }
        for (Map.Entry<K, V> e : value.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new ValidationException(field, "required", "must not contain null keys or values");
            }
        }
        return Map.copyOf(value);
    }

    /** Rejects a repeated element, naming the repetition ({@code lanPrefixes[3]}) and what it repeats. */
    public static void unique(String field, Collection<?> values) {
        java.util.Map<Object, Integer> seen = new java.util.HashMap<>();
        int i = 0;
        for (Object v : values) {
            Integer first = seen.putIfAbsent(v, i);
            if (first != null) {
                throw new ValidationException(field + "[" + i + "]", "unique", "repeats " + field + "[" + first + "] (" + v + ")");
            }
            i++;
        }
    }

    /** True when {@code s} is 1 to {@code maxLength} ASCII digits; {@link Character#isDigit} would also accept other scripts' digits. */
    static boolean digits(String s, int maxLength) {
        if (s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    static String clip(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
