package io.patronus.controller.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.patronus.controller.enrol.Tokens;
import io.patronus.controller.fleet.FleetException;
import io.patronus.controller.store.AdminTokenRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.StoreException;
import io.patronus.model.ValidationException;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.model.Json;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The controller's HTTPS server on Helidon SE: one socket, client certificates optional at the TLS layer (the CA's
 * trust manager refuses foreign ones in the handshake) and required per route. Registers every {@link ApiRoute}
 * with its authentication, a body limit and uniform JSON errors, and audits every refusal of a matched route with its
 * code. Anything else a handler throws is logged and answered as a plain 500 without internals.
 */
public final class ControllerServer {
    /** Request bodies above this are refused with 413 before they are parsed. */
    static final int MAX_BODY_BYTES = 4 << 20;
    private static final System.Logger LOG = System.getLogger(ControllerServer.class.getName());

    private final List<ApiRoute> routes;
    private final String adminToken;
    private final DeviceAuthenticator devices;
    private final ControllerStore store;

    public ControllerServer(List<ApiRoute> routes, String adminToken, DeviceAuthenticator devices, ControllerStore store) {
        this.routes = List.copyOf(routes);
        this.adminToken = adminToken;
        this.devices = devices;
        this.store = store;
    }

    /** Starts HTTPS on {@code host:port} (0 picks a free port) with {@code tls} and client auth optional. */
    public WebServer start(String host, int port, SSLContext tls) {
        return WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .tls(Tls.builder().sslContext(tls).clientAuth(TlsClientAuth.OPTIONAL).build())
                .routing(this::routing)
                .build()
                .start();
    }

    /** Registers the routes on a routing builder. */
    public void routing(HttpRouting.Builder rules) {
        for (ApiRoute route : routes) {
            rules.route(Method.create(route.method()), route.path(), (req, res) -> serve(route, req, res));
        }
        rules.any((req, res) -> {
            String path = req.path().path();
            String method = req.prologue().method().text();
            List<String> allowed = routes.stream().filter(r -> r.matchesPath(path)).map(ApiRoute::method).distinct().toList();
            if (allowed.isEmpty()) {
                sendError(res, ApiException.notFound("no such route: " + method + " " + path + " (see docs/FEDERATION.md "
                        + "and controller/README.md)"));
            } else {
                res.header(HeaderNames.ALLOW, String.join(", ", allowed));
                sendError(res, new ApiException(405, "method_not_allowed", method + " is not allowed on " + path
                        + "; allowed: " + String.join(", ", allowed)));
            }
        });
    }

    private void serve(ApiRoute route, ServerRequest req, ServerResponse res) {
        String remote = remote(req.remotePeer().address());
        String action = route.method() + " " + route.path();
        ApiRequest request = null;
        Caller caller = new Caller.Anonymous();
        try {
            caller = switch (route.auth()) {
                case NONE -> new Caller.Anonymous();
                case ADMIN -> admin(req);
                case DEVICE -> devices.authenticate(req.remotePeer().tlsCertificates());
            };
            byte[] body = readBody(req, route.method());
            Map<String, String> params = new HashMap<>();
            for (String name : req.path().pathParameters().names()) {
                params.put(name, URLDecoder.decode(req.path().pathParameters().get(name), StandardCharsets.UTF_8));
            }
            Map<String, String> query = new HashMap<>();
            for (String name : req.query().names()) {
                query.put(name, req.query().get(name));
            }
            request = new ApiRequest(caller, route.method(), req.path().path(), params, query, body, remote);
            if (caller instanceof Caller.Device d) {
                request.auditOrganisation(store.site(d.siteId()).map(SiteRecord::organisation).orElse(""));
            }
            send(res, route.handler().handle(request));
        } catch (ApiException | FleetException | ProvisioningException | ValidationException e) {
            ApiException api = toApi(e);
            audit(request, caller, action, req.path().path(), api, remote);
            sendError(res, api);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.ERROR, "store failure in " + action, e);
            sendError(res, new ApiException(503, "store_unavailable", "the controller could not save the change: "
                    + e.getMessage()));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure in " + action, e);
            sendError(res, new ApiException(500, "internal", "internal error while handling " + action
                    + "; the controller log has the details"));
        }
    }

    /** The API form of a refusal raised by a handler or a service. */
    static ApiException toApi(RuntimeException e) {
        return switch (e) {
            case ApiException a -> a;
            case FleetException f -> new ApiException(f.status(), f.code(), f.getMessage(), f.field());
            case ProvisioningException p -> ApiRequest.fromProvisioning(p);
            case ValidationException v -> ApiException.invalidField(v.field(), v.getMessage());
            default -> new ApiException(500, "internal", "internal error");
        };
    }

    private void audit(ApiRequest request, Caller caller, String action, String path, ApiException e, String remote) {
        String actor = request == null ? caller.actor() : request.auditActor();
        String target = request == null || request.auditTarget().isEmpty() ? path : request.auditTarget();
        String organisation = request != null ? request.auditOrganisation()
                : caller instanceof Caller.OrganisationAdmin o ? o.organisation() : "";
        try {
            store.refusal(organisation, actor, action, target, e.code(), e.getMessage(), remote);
        } catch (RuntimeException failure) {
            LOG.log(System.Logger.Level.WARNING, "cannot audit the refusal " + e.code() + " of " + action + ": " + failure);
        }
    }

    /**
     * The fleet admin token (compared in constant time) or an organisation admin token (looked up by the SHA-256 of its
     * text, so the lookup reveals nothing of the secret; valid while neither it nor its organisation is revoked).
     */
    private Caller admin(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty()) {
            throw new ApiException(401, "admin_token_required", "admin routes need Authorization: Bearer <admin token> "
                    + "(the fleet token is in <dataDir>/secrets/admin.token on the controller; an organisation's token "
                    + "comes from patronus-controller admin-tokens create)");
        }
        String h = header.get().trim();
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "admin_token_required", "the Authorization header must be 'Bearer <admin token>'");
        }
        String token = h.substring(7).trim();
        if (MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
            return new Caller.Admin();
        }
        Optional<AdminTokenRecord> scoped = token.startsWith(OrganisationRoutes.TOKEN_PREFIX)
                ? store.adminTokenBySecretHash(Tokens.sha256(token)) : Optional.empty();
        if (scoped.isPresent() && scoped.get().active()) {
            return new Caller.OrganisationAdmin(scoped.get().id(), scoped.get().organisation());
        }
        throw new ApiException(401, "admin_token_invalid", scoped.isPresent()
                ? "organisation admin token " + scoped.get().id() + " was revoked at "
                + scoped.get().revokedAt().orElseThrow() + "; ask the fleet operator for a new one"
                : "the bearer token is neither this controller's fleet admin token (see <dataDir>/secrets/admin.token) "
                + "nor a valid organisation admin token");
    }

    private static String remote(SocketAddress address) {
        if (address instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return String.valueOf(address);
    }

    private static byte[] readBody(ServerRequest req, String method) throws IOException {
        if (!method.equals("POST") && !method.equals("PUT")) {
            return new byte[0];
        }
        Optional<String> type = req.headers().first(HeaderNames.CONTENT_TYPE);
        if (type.isPresent() && !type.get().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be application/json, was " + type.get());
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
            if (data.length > MAX_BODY_BYTES) {
                throw new ApiException(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes");
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
        } else if (body instanceof byte[] raw) {
            res.send(raw);
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
