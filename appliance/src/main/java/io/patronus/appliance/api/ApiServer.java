package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.patronus.appliance.auth.AuthException;
import io.patronus.appliance.auth.Principal;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.model.Json;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The appliance's REST API on Helidon SE: registers every {@link ApiRoute} with authentication, role checks, body
 * limits and uniform JSON errors. Anything a handler throws that is not an {@link ApiException} is logged with its
 * stack trace and answered as a plain 500 without internals; the tests treat any 500 as a bug.
 */
public final class ApiServer {
    /** Request bodies above this are refused with 413 before they are parsed. */
    static final int MAX_BODY_BYTES = 1 << 20;
    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());

    private ApiServer() {
    }

    /** Starts a server on {@code host:port} (port 0 picks a free one). */
    public static WebServer start(String host, int port, List<ApiRoute> routes, Function<String, Principal> authenticator,
                                  ApplianceMetrics metrics) {
        return start(host, port, routes, authenticator, metrics, Optional.empty());
    }

    /**
     * As above; {@code unavailable}, when given, answers every request that matches no route (instead of 404): the
     * reduced API of an appliance still enrolling says why the rest of API v1 is not there yet.
     */
    public static WebServer start(String host, int port, List<ApiRoute> routes, Function<String, Principal> authenticator,
                                  ApplianceMetrics metrics, Optional<Function<String, ApiException>> unavailable) {
        return WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .routing(r -> routing(r, routes, authenticator, metrics, unavailable))
                .build()
                .start();
    }

    /** Registers the routes on a Helidon routing builder; shared by the daemon and the tests. */
    public static void routing(HttpRouting.Builder rules, List<ApiRoute> routes, Function<String, Principal> authenticator,
                               ApplianceMetrics metrics) {
        routing(rules, routes, authenticator, metrics, Optional.empty());
    }

    private static void routing(HttpRouting.Builder rules, List<ApiRoute> routes, Function<String, Principal> authenticator,
                                ApplianceMetrics metrics, Optional<Function<String, ApiException>> unavailable) {
        for (ApiRoute route : routes) {
            rules.route(Method.create(route.method()), route.path(),
                    (req, res) -> serve(route, req, res, authenticator, metrics));
        }
        rules.any((req, res) -> {
            String path = req.path().path();
            String method = req.prologue().method().text();
            List<String> allowed = routes.stream().filter(r -> r.matchesPath(path)).map(ApiRoute::method).distinct().toList();
            ApiException e = allowed.isEmpty() && unavailable.isPresent() ? unavailable.get().apply(method + " " + path)
                    : allowed.isEmpty()
                    ? ApiException.notFound("no such route: " + method + " " + path + " (see docs/api/openapi.yaml)")
                    : new ApiException(405, "method_not_allowed", method + " is not allowed on " + path
                    + "; allowed: " + String.join(", ", allowed), Optional.empty());
            if (!allowed.isEmpty()) {
                res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            }
            sendError(res, e);
            metrics.httpRequest("unmatched", method, e.status());
        });
    }

    private static void serve(ApiRoute route, ServerRequest req, ServerResponse res,
                              Function<String, Principal> authenticator, ApplianceMetrics metrics) {
        long start = System.nanoTime();
        int status;
        try {
            Optional<Principal> principal = Optional.empty();
            if (route.minRole().isPresent()) {
                Principal p = authenticate(req, authenticator);
                if (!p.role().atLeast(route.minRole().get())) {
                    throw ApiException.forbidden("user " + p.username() + " has role " + p.role().wire() + "; "
                            + route.method() + " " + route.path() + " needs " + route.minRole().get().wire());
                }
                principal = Optional.of(p);
            }
            byte[] body = readBody(req, route.method());
            Map<String, String> params = new HashMap<>();
            for (String name : req.path().pathParameters().names()) {
                params.put(name, URLDecoder.decode(req.path().pathParameters().get(name), StandardCharsets.UTF_8));
            }
            Map<String, String> query = new HashMap<>();
            for (String name : req.query().names()) {
                query.put(name, req.query().get(name));
            }
            Reply reply = route.handler().handle(new ApiRequest(principal, params, query, body));
            status = reply.status();
            send(res, reply);
        } catch (ApiException e) {
            status = e.status();
            sendError(res, e);
        } catch (AuthException e) {
            status = 401;
            sendError(res, ApiException.unauthorized(e.getMessage()));
        } catch (Exception e) {
            status = 500;
            LOG.log(System.Logger.Level.ERROR, "unexpected failure in " + route.method() + " " + route.path(), e);
            sendError(res, new ApiException(500, "internal", "internal error while handling "
                    + route.method() + " " + route.path() + "; the appliance log has the details", Optional.empty()));
        }
        metrics.httpRequest(route.path(), route.method(), status);
        metrics.httpLatency(route.path(), route.method(), System.nanoTime() - start);
    }

    private static Principal authenticate(ServerRequest req, Function<String, Principal> authenticator) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty()) {
            throw ApiException.unauthorized("this route needs a bearer token: log in with POST /v1/auth/login "
                    + "(or `patronus login`) and send Authorization: Bearer <token>");
        }
        String h = header.get().trim();
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("the Authorization header must be 'Bearer <token>'");
        }
        return authenticator.apply(h.substring(7).trim());
    }

    private static byte[] readBody(ServerRequest req, String method) throws IOException {
        if (!method.equals("POST") && !method.equals("PUT")) {
            return new byte[0];
        }
        Optional<String> type = req.headers().first(HeaderNames.CONTENT_TYPE);
        if (type.isPresent() && !type.get().toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be application/json, was " + type.get(),
                    Optional.empty());
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
            if (data.length > MAX_BODY_BYTES) {
                throw new ApiException(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes",
                        Optional.empty());
            }
            return data;
        }
    }

    private static void send(ServerResponse res, Reply reply) throws IOException {
        res.status(Status.create(reply.status()));
        reply.headers().forEach(res::header);
        if (reply.body().isEmpty()) {
            res.send();
            return;
        }
        Object body = reply.body().get();
        res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
        if (body instanceof String s && !reply.contentType().equals(Reply.JSON)) {
            res.send(s.getBytes(StandardCharsets.UTF_8));
        } else {
            res.send(Json.mapper().writeValueAsBytes(body));
        }
    }

    static void sendError(ServerResponse res, ApiException e) {
        ObjectNode root = Json.mapper().createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("code", e.code());
        err.put("message", e.getMessage());
        e.field().ifPresent(f -> err.put("field", f));
        res.status(Status.create(e.status()));
        res.header(HeaderNames.CONTENT_TYPE, Reply.JSON);
        try {
            res.send(Json.mapper().writeValueAsBytes(root));
        } catch (IOException ex) {
            res.send();
        }
    }
}
