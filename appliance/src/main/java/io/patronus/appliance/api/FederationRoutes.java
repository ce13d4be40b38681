package io.patronus.appliance.api;

import io.patronus.appliance.federation.Federation;
import io.patronus.model.Role;

import java.util.List;

/** Federation in API v1: {@code GET /v1/federation}, the enrolment and configuration state towards the controller. */
public final class FederationRoutes {
    private final Federation federation;

    public FederationRoutes(Federation federation) {
        this.federation = federation;
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/v1/federation", Role.VIEWER, r -> Reply.ok(federation.status())));
    }
}
