package io.patronus.controller.fleet;

import java.util.Optional;

/**
 * A fleet operation was refused: an unknown site or group, a configuration that would give a site conflicting
 * policies, a state that does not allow the operation. Carries the HTTP status and code the API answers with.
 */
public final class FleetException extends RuntimeException {
    private final int status;
    private final String code;
    private final Optional<String> field;

    public FleetException(int status, String code, String message, Optional<String> field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public static FleetException notFound(String message) {
        return new FleetException(404, "not_found", message, Optional.empty());
    }

    public static FleetException conflict(String message, String field) {
        return new FleetException(409, "conflict", message, Optional.ofNullable(field));
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Optional<String> field() {
        return field;
    }
}
