package io.patronus.controller.api;

import java.util.Map;
import java.util.Optional;

/**
 * What a handler answers: a status, a JSON-serialisable body or raw text, and extra headers.
 *
 * @param body serialised to JSON when {@code contentType} is JSON; a String is sent as is otherwise
 */
public record Reply(int status, Optional<Object> body, String contentType, Map<String, String> headers) {
    static final String JSON = "application/json";

    public static Reply ok(Object body) {
        return new Reply(200, Optional.of(body), JSON, Map.of());
    }

    public static Reply created(Object body, String location) {
        return new Reply(201, Optional.of(body), JSON, Map.of("Location", location));
    }

    public static Reply noContent() {
        return new Reply(204, Optional.empty(), JSON, Map.of());
    }

    public static Reply text(String body, String contentType) {
        return new Reply(200, Optional.of(body), contentType, Map.of());
    }
}
