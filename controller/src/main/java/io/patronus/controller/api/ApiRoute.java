package io.patronus.controller.api;

import java.util.regex.Pattern;

/**
 * One route of the controller: method, path template ({@code /v1/admin/sites/{id}}), how callers authenticate and
 * the handler. The list of these is the single truth for the server's routing.
 */
public record ApiRoute(String method, String path, Auth auth, Handler handler) {
    /** How a route authenticates its caller. */
    public enum Auth {
        /** Nobody: the CA certificate and enrolment (which carries its token in the body). */
        NONE,
        /** A device certificate issued by the controller's CA, current for its appliance. */
        DEVICE,
        /** An admin bearer token: the fleet token, or an organisation admin token (which sees its organisation only). */
        ADMIN
    }

    /** Handles one request. */
    @FunctionalInterface
    public interface Handler {
        Reply handle(ApiRequest request) throws Exception;
    }

    /** True when a concrete request path fits this route's template. */
    public boolean matchesPath(String concrete) {
        return Pattern.compile(path.replaceAll("\\{[^/]+}", "[^/]+")).matcher(concrete).matches();
    }
}
