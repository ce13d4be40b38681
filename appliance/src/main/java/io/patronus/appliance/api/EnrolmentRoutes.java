package io.patronus.appliance.api;

import io.patronus.appliance.federation.EnrolmentProgress;
import io.patronus.model.Role;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reduced API v1 of an appliance that is still enrolling with its controller: everything else in the appliance
 * is built with the site identity the controller assigns, so until then only logging in, {@code GET /v1/health}
 * (status {@code enrolling}) and {@code GET /v1/federation} (the attempts, the last error, the next attempt) are
 * served; every other request gets a 503 {@code enrolling} that says so, rather than a connection refused that
 * looks like a dead box.
 */
public final class EnrolmentRoutes {
    private final AuthRoutes auth;
    private final EnrolmentProgress progress;
    private final String version;
    private final Instant startedAt;
    private final Clock clock;

    public EnrolmentRoutes(AuthRoutes auth, EnrolmentProgress progress, String version, Clock clock) {
        this.auth = auth;
        this.progress = progress;
        this.version = version;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>(auth.routes());
        routes.add(ApiRoute.get("/v1/health", Role.VIEWER, r -> Reply.ok(health())));
        routes.add(ApiRoute.get("/v1/federation", Role.VIEWER, r -> Reply.ok(progress.status())));
        return routes;
    }

    /** The answer to any other request: 503, naming the request and where the enrolment stands. */
    public ApiException unavailable(String request) {
        Map<String, Object> s = progress.status();
        Object controller = s.getOrDefault("controllerUrl", "the controller");
        return new ApiException(503, "enrolling", request + " is served once this appliance has enrolled with "
                + controller + " (" + progress.attempts() + " attempt(s) so far"
                + Optional.ofNullable(s.get("lastError")).map(e -> ", last error: " + e).orElse("")
                + "); GET /v1/federation or `patronus federation status` shows the progress", Optional.empty());
    }

    private Map<String, Object> health() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "enrolling");
        out.put("version", version);
        out.put("uptimeSeconds", Duration.between(startedAt, clock.instant()).toSeconds());
        out.put("federation", progress.status());
        return out;
    }
}
