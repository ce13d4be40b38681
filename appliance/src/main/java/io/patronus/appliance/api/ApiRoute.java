package io.patronus.appliance.api;

import io.patronus.model.Role;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One route of the API: method, path template ({@code /v1/sites/{id}}), the least role that may call it (empty for
 * the login route) and its handler. The list of these is the single truth both for the server's routing and for the
 * test that compares the server with {@code docs/api/openapi.yaml}.
 */
public record ApiRoute(String method, String path, Optional<Role> minRole, ApiHandler handler) {
    public static ApiRoute get(String path, Role role, ApiHandler h) {
        return new ApiRoute("GET", path, Optional.of(role), h);
    }

    public static ApiRoute post(String path, Role role, ApiHandler h) {
        return new ApiRoute("POST", path, Optional.of(role), h);
    }

    public static ApiRoute put(String path, Role role, ApiHandler h) {
        return new ApiRoute("PUT", path, Optional.of(role), h);
    }

    public static ApiRoute delete(String path, Role role, ApiHandler h) {
        return new ApiRoute("DELETE", path, Optional.of(role), h);
    }

    /** True when a concrete request path fits this route's template. */
    public boolean matchesPath(String concrete) {
        return Pattern.compile(path.replaceAll("\\{[^/]+}", "[^/]+")).matcher(concrete).matches();
    }
}
