package io.patronus.controller.api;

import java.util.Optional;

/**
 * An error answered to a caller with its HTTP status, a stable machine code (the codes of docs/FEDERATION.md on device
 * and enrolment routes) and a message saying what to fix; rendered as {@code {"error":{"code","message","field"}}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Optional<String> field;

    public ApiException(int status, String code, String message, Optional<String> field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public ApiException(int status, String code, String message) {
        this(status, code, message, Optional.empty());
    }

    public static ApiException badRequest(String code, String message, String field) {
        return new ApiException(400, code, message, Optional.ofNullable(field));
    }

    public static ApiException malformedJson(String message) {
        return new ApiException(400, "malformed_json", message, Optional.empty());
    }

    public static ApiException invalidField(String field, String message) {
        return new ApiException(422, "invalid_field", message, Optional.of(field));
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, Optional.empty());
    }

    public static ApiException conflict(String message, String field) {
        return new ApiException(409, "conflict", message, Optional.ofNullable(field));
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
