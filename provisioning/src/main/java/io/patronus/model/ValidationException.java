package io.patronus.model;

/**
 * Thrown when a model value breaks a rule; names the field and the rule so that the API and the CLI
 * can tell an operator exactly what to fix.
 */
public final class ValidationException extends RuntimeException {
    private final String field;
    private final String rule;

    public ValidationException(String field, String rule, String message) {
        super(field + ": " + message);
        this.field = field;
        this.rule = rule;
    }

    /** The offending field, dotted for nested values ({@code match.destinationPorts[0]}). */
    public String field() {
        return field;
    }

    /** A short machine-readable rule name such as {@code required}, {@code range} or {@code format}. */
    public String rule() {
        return rule;
    }

    /** The message without the field prefix. */
    public String detail() {
        String m = getMessage();
        return m.substring(field.length() + 2);
    }

    /** The same error, nested under {@code parent} (so {@code port} becomes {@code endpoints.fiber.port}). */
    public ValidationException under(String parent) {
        return new ValidationException(parent + (field.startsWith("[") ? "" : ".") + field, rule, detail());
    }
}
