package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.auth.PasswordHasher;
import io.patronus.appliance.auth.Principal;
import io.patronus.appliance.auth.TokenService;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.AuditEvent;
import io.patronus.model.Json;
import io.patronus.model.User;
import io.patronus.wal.RecordType;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Logging in ({@code POST /v1/auth/login}) and checking bearer tokens: the part of API v1 that the full API and the
 * reduced API of an appliance still enrolling (see {@link EnrolmentRoutes}) share.
 */
public final class AuthRoutes {
    private static final String DUMMY_HASH = PasswordHasher.owaspDefaults().hash("not-a-user".toCharArray());

    private final StateStore store;
    private final TokenService tokens;
    private final PasswordHasher hasher;
    private final ApplianceMetrics metrics;
    private final Clock clock;

    public AuthRoutes(StateStore store, TokenService tokens, PasswordHasher hasher, ApplianceMetrics metrics, Clock clock) {
        this.store = store;
        this.tokens = tokens;
        this.hasher = hasher;
        this.metrics = metrics;
        this.clock = clock;
    }

    public List<ApiRoute> routes() {
        return List.of(new ApiRoute("POST", "/v1/auth/login", Optional.empty(), this::login));
    }

    /** Resolves a bearer token to its user; a token of a deleted user stops working at once. */
    public Principal authenticate(String token) {
        Principal p = tokens.verify(token);
        User u = store.user(p.username()).orElseThrow(() -> ApiException.unauthorized("user " + p.username()
                + " no longer exists: log in again"));
        return new Principal(u.username(), u.role());
    }

    private Reply login(ApiRequest r) {
        ObjectNode body = r.jsonObject();
        String username = text(body, "username");
        String password = text(body, "password");
        Optional<User> user = store.user(username);
        // Verify against a dummy hash when the user is unknown, so the answer time does not reveal which users exist.
        boolean ok = user.map(u -> hasher.verify(password.toCharArray(), u.passwordHash())).orElseGet(() -> {
            hasher.verify(password.toCharArray(), DUMMY_HASH);
            return false;
        });
        audit(username, ok ? "success" : "failure");
        metrics.count("patronus_logins", "outcome", ok ? "success" : "failure");
        if (!ok) {
            throw ApiException.unauthorized("invalid username or password");
        }
        User u = user.get();
        TokenService.Issued issued = tokens.issue(new Principal(u.username(), u.role()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", issued.token());
        out.put("tokenType", "Bearer");
        out.put("expiresAt", issued.expiresAt());
        out.put("username", u.username());
        out.put("role", u.role());
        return Reply.ok(out);
    }

    private static String text(ObjectNode body, String field) {
        var node = body.get(field);
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw ApiException.invalidField(field, field + ": is required and must be a non-empty string");
        }
        return node.asText();
    }

    private void audit(String username, String outcome) {
        String actor = username.isBlank() ? "-" : username.length() > 64 ? username.substring(0, 64) : username;
        AuditEvent e = new AuditEvent(0, clock.instant(), actor, "login", "user/" + username, outcome, "");
        try {
            store.append(RecordType.AUDIT, Json.mapper().writeValueAsBytes(e));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
