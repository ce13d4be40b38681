package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.auth.PasswordHasher;
import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.wg.DeviceState;
import io.patronus.appliance.wg.PeerState;
import io.patronus.appliance.auth.Principal;
import io.patronus.appliance.auth.TokenService;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.appliance.paths.PathMonitor;
import io.patronus.appliance.paths.PathSample;
import io.patronus.appliance.store.ConflictException;
import io.patronus.appliance.store.NotFoundException;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreCheck;
import io.patronus.model.Json;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.PathStatus;
import io.patronus.model.Policy;
import io.patronus.model.Role;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The handlers of API v1. Each route states the least role it needs: viewers read, operators change sites and
 * policies, admins run diagnostics.
 */
public final class V1Routes {

    /** Facts about the running appliance shown by {@code /v1/health}. */
    public record Info(String siteId, String version, Instant startedAt, String dataPlane, String dataPlaneReason,
                       String publicKey) {
    }

    private final StateStore store;
    private final PathMonitor paths;
    private final AuthRoutes auth;
    private final ApplianceMetrics metrics;
    private final List<Link> links;
    private final Info info;
    private final Supplier<Map<String, Object>> dump;
    private final Clock clock;
    private final DataPlane dataPlane;

    public V1Routes(StateStore store, PathMonitor paths, TokenService tokens, PasswordHasher hasher,
                    ApplianceMetrics metrics, List<Link> links, Info info, Supplier<Map<String, Object>> dump, Clock clock,
                    DataPlane dataPlane) {
        this.store = store;
        this.paths = paths;
        this.auth = new AuthRoutes(store, tokens, hasher, metrics, clock);
        this.metrics = metrics;
        this.links = List.copyOf(links);
        this.info = info;
        this.dump = dump;
        this.clock = clock;
        this.dataPlane = dataPlane;
    }

    /** Every route of API v1. */
    public List<ApiRoute> routes() {
        return List.of(
                auth.routes().getFirst(),
                ApiRoute.get("/v1/health", Role.VIEWER, this::health),
                ApiRoute.get("/v1/sites", Role.VIEWER, this::listSites),
                ApiRoute.post("/v1/sites", Role.OPERATOR, this::createSite),
                ApiRoute.get("/v1/sites/{id}", Role.VIEWER, r -> Reply.ok(site(r.pathParam("id")))),
                ApiRoute.put("/v1/sites/{id}", Role.OPERATOR, this::replaceSite),
                ApiRoute.delete("/v1/sites/{id}", Role.OPERATOR, this::deleteSite),
                ApiRoute.get("/v1/sites/{id}/health", Role.VIEWER, this::siteHealth),
                ApiRoute.get("/v1/links", Role.VIEWER, r -> Reply.ok(Map.of("items", links))),
                ApiRoute.get("/v1/paths", Role.VIEWER, this::listPaths),
                ApiRoute.get("/v1/paths/{id}", Role.VIEWER, r -> Reply.ok(withTunnel(path(r.pathParam("id"))))),
                ApiRoute.get("/v1/paths/{id}/health", Role.VIEWER, this::pathHealth),
                ApiRoute.get("/v1/policies", Role.VIEWER, r -> Reply.ok(Map.of("items", store.policies()))),
                ApiRoute.post("/v1/policies", Role.OPERATOR, this::createPolicy),
                ApiRoute.get("/v1/policies/{id}", Role.VIEWER, r -> Reply.ok(policy(r.pathParam("id")))),
                ApiRoute.put("/v1/policies/{id}", Role.OPERATOR, this::replacePolicy),
                ApiRoute.delete("/v1/policies/{id}", Role.OPERATOR, this::deletePolicy),
                ApiRoute.get("/v1/metrics/export", Role.VIEWER, this::metricsExport),
                ApiRoute.get("/v1/wg", Role.VIEWER, this::wgShow),
                ApiRoute.get("/v1/wg/{colour}/export", Role.OPERATOR, this::wgExport),
                ApiRoute.get("/v1/db/check", Role.ADMIN, this::dbCheck),
                ApiRoute.get("/v1/debug/dump", Role.ADMIN, r -> Reply.ok(dump.get())));
    }

    /** Resolves a bearer token to its user; a token of a deleted user stops working at once. */
    public Principal authenticate(String token) {
        return auth.authenticate(token);
    }

    // ---- health ------------------------------------------------------------------------------------------------------

    private Reply health(ApiRequest r) {
        List<Path> ps = paths.paths();
        boolean anyDown = ps.stream().anyMatch(p -> p.status() == PathStatus.DOWN);
        Optional<DataPlane.ReconcileStatus> reconcile = Optional.ofNullable(dataPlane).map(DataPlane::reconcileStatus);
        boolean reconcileFailing = reconcile.filter(DataPlane.ReconcileStatus::failing).isPresent();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", anyDown || reconcileFailing || store.log().recoveryReport().damaged() ? "degraded" : "ok");
        out.put("siteId", info.siteId());
        out.put("version", info.version());
        out.put("uptimeSeconds", Duration.between(info.startedAt(), clock.instant()).toSeconds());
        out.put("dataPlane", info.dataPlane());
        out.put("dataPlaneReason", info.dataPlaneReason());
        out.put("publicKey", dataPlane == null ? info.publicKey() : dataPlane.publicKey());
        reconcile.ifPresent(rs -> out.put("reconcile", reconcileView(rs)));
        out.put("wal", Map.of("lastSequence", store.log().lastSequence(), "segments", store.log().stats().segments()));
        out.put("counts", Map.of("sites", store.sites().size(), "policies", store.policies().size(),
                "links", links.size(), "paths", ps.size()));
        return Reply.ok(out);
    }

    /** The tunnel reconcile's state: whether the tunnels, routes and rules match the configuration, and if not why. */
    public static Map<String, Object> reconcileView(DataPlane.ReconcileStatus rs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", rs.failing() ? "failing" : rs.lastSuccessAt().isPresent() ? "ok" : "pending");
        rs.lastSuccessAt().ifPresent(t -> m.put("lastSuccessAt", t.toString()));
        if (rs.failing()) {
            m.put("failingSince", rs.lastFailureAt().map(Instant::toString).orElse(""));
            m.put("consecutiveFailures", rs.consecutiveFailures());
            m.put("lastError", rs.lastError());
        }
        m.put("failures", rs.failures());
        return m;
    }

    // ---- sites -------------------------------------------------------------------------------------------------------

    private Reply listSites(ApiRequest r) {
        Optional<SiteStatus> status = r.query("status").map(s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "active" -> SiteStatus.ACTIVE;
            case "inactive" -> SiteStatus.INACTIVE;
            default -> throw ApiException.badRequest("status must be active or inactive, was '" + s + "'", "status");
        });
        List<Site> sites = store.sites().stream().filter(s -> status.isEmpty() || s.status() == status.get()).toList();
        return Reply.ok(Map.of("items", sites));
    }

    private Site site(String id) {
        return store.site(id).orElseThrow(() -> ApiException.notFound("site " + id + " does not exist"));
    }

    private Site siteFromBody(ApiRequest r, Optional<String> pathId) {
        ObjectNode body = r.jsonObject();
        if (pathId.isPresent()) {
            var id = body.get("id");
            if (id == null) {
                body.put("id", pathId.get());
            } else if (!id.isTextual() || !id.asText().equals(pathId.get())) {
                throw ApiException.invalidField("id", "id: must equal the id in the path (" + pathId.get() + ")");
            }
        }
        // The server owns createdAt: on create it is now, on replace the store keeps the original.
        body.put("createdAt", clock.instant().toString());
        return ApiRequest.convert(body, Site.class);
    }

    private Reply createSite(ApiRequest r) {
        Site site = siteFromBody(r, Optional.empty());
        Site saved = mutation(() -> store.createSite(site, r.principal().username()));
        return Reply.created(saved, "/v1/sites/" + saved.id());
    }

    private Reply replaceSite(ApiRequest r) {
        String id = r.pathParam("id");
        site(id);
        Site site = siteFromBody(r, Optional.of(id));
        return Reply.ok(mutation(() -> store.replaceSite(site, r.principal().username())));
    }

    private Reply deleteSite(ApiRequest r) {
        String id = r.pathParam("id");
        mutation(() -> {
            store.deleteSite(id, r.principal().username());
            return id;
        });
        return Reply.noContent();
    }

    private Reply siteHealth(ApiRequest r) {
        Site site = site(r.pathParam("id"));
        List<Path> ps = paths.paths().stream().filter(p -> p.destinationSite().equals(site.id())).toList();
        List<ObjectNode> withTunnels = ps.stream().map(this::withTunnel).toList();
        PathStatus status = ps.isEmpty() ? PathStatus.UNKNOWN
                : ps.stream().anyMatch(p -> p.status() == PathStatus.UP) ? PathStatus.UP
                : ps.stream().anyMatch(p -> p.status() == PathStatus.DEGRADED) ? PathStatus.DEGRADED
                : ps.stream().allMatch(p -> p.status() == PathStatus.UNKNOWN) ? PathStatus.UNKNOWN : PathStatus.DOWN;
        int score = ps.stream().mapToInt(Path::healthScore).max().orElse(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("siteId", site.id());
        out.put("status", status);
        out.put("healthScore", score);
        out.put("paths", withTunnels);
        return Reply.ok(out);
    }

    // ---- paths -------------------------------------------------------------------------------------------------------

    private Reply listPaths(ApiRequest r) {
        Optional<String> siteId = r.query("siteId");
        Optional<PathStatus> status = r.query("status").map(s -> {
            try {
                return PathStatus.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("status must be up, degraded, down or unknown, was '" + s + "'", "status");
            }
        });
        List<ObjectNode> out = paths.paths().stream()
                .filter(p -> siteId.isEmpty() || p.destinationSite().equals(siteId.get()) || p.sourceSite().equals(siteId.get()))
                .filter(p -> status.isEmpty() || p.status() == status.get())
                .map(this::withTunnel)
                .toList();
        return Reply.ok(Map.of("items", out));
    }

    /** A path as JSON with its tunnel's live counters (handshake age, bytes) from the WireGuard device. */
    private ObjectNode withTunnel(Path p) {
        ObjectNode node = Json.mapper().valueToTree(p);
        dataPlane.counters(p, store.site(p.destinationSite())).ifPresent(c -> node.set("tunnel", Json.mapper().valueToTree(c)));
        return node;
    }

    private Reply wgShow(ApiRequest r) {
        List<Map<String, Object>> devices = new ArrayList<>();
        Map<String, String> siteByKey = dataPlane.siteByKey();
        for (DeviceState d : dataPlane.devices()) {
            Map<String, Object> dev = new LinkedHashMap<>();
            dev.put("interface", d.name());
            dev.put("publicKey", d.publicKey().orElse(""));
            dev.put("listenPort", d.listenPort());
            dev.put("fwmark", d.fwmark());
            List<Map<String, Object>> peers = new ArrayList<>();
            for (PeerState p : d.peers()) {
                Map<String, Object> peer = new LinkedHashMap<>();
                peer.put("publicKey", p.publicKey());
                peer.put("site", siteByKey.getOrDefault(p.publicKey(), ""));
                p.endpoint().ifPresent(e -> peer.put("endpoint", DataPlane.endpoint(e)));
                peer.put("allowedIps", p.allowedIps().stream().map(Object::toString).toList());
                p.lastHandshake().ifPresent(h -> peer.put("latestHandshake", h));
                peer.put("rxBytes", p.rxBytes());
                peer.put("txBytes", p.txBytes());
                peer.put("persistentKeepalive", p.persistentKeepalive());
                peers.add(peer);
            }
            dev.put("peers", peers);
            devices.add(dev);
        }
        return Reply.ok(Map.of("backend", dataPlane.kind(), "interfaces", devices));
    }

    private Reply wgExport(ApiRequest r) {
        String colour = r.pathParam("colour");
        String iface = io.patronus.appliance.tunnel.TunnelPlan.interfaceName(colour);
        DeviceState d = dataPlane.wireGuard().read(iface).orElseThrow(() -> ApiException.notFound(
                "no WireGuard interface for colour " + colour + " (" + iface + "); see GET /v1/wg"));
        Map<String, String> siteByKey = dataPlane.siteByKey();
        StringBuilder sb = new StringBuilder();
        sb.append("# wg-quick configuration of ").append(iface).append(" on site ").append(info.siteId())
                .append(", exported ").append(clock.instant()).append('\n');
        sb.append("# The private key is never exported: PostUp loads it from the appliance's key file.\n");
        sb.append("[Interface]\n");
        sb.append("ListenPort = ").append(d.listenPort()).append('\n');
        sb.append("PostUp = wg set %i private-key ").append(dataPlane.keyFile()).append('\n');
        sb.append("Table = off\n");
        for (PeerState p : d.peers()) {
            sb.append('\n').append("[Peer]\n");
            sb.append("# site ").append(siteByKey.getOrDefault(p.publicKey(), "(unknown)")).append('\n');
            sb.append("PublicKey = ").append(p.publicKey()).append('\n');
            p.endpoint().ifPresent(e -> sb.append("Endpoint = ").append(DataPlane.endpoint(e)).append('\n'));
            if (!p.allowedIps().isEmpty()) {
                sb.append("AllowedIPs = ").append(String.join(", ", p.allowedIps().stream().map(Object::toString).toList())).append('\n');
            }
            if (p.persistentKeepalive() > 0) {
                sb.append("PersistentKeepalive = ").append(p.persistentKeepalive()).append('\n');
            }
        }
        return Reply.text(sb.toString(), "text/plain; charset=utf-8");
    }

    private Path path(String id) {
        return paths.path(id).orElseThrow(() -> ApiException.notFound("path " + id
                + " does not exist (path ids are source:destination:colour; see GET /v1/paths)"));
    }

    /**
     * The health history of a path in {@code [since, until]}: raw samples for a window within the raw history,
     * one-minute aggregates (then the raw samples of the open minute) beyond it, folded into wider buckets past
     * {@link io.patronus.appliance.paths.PathHistory#DEFAULT_MAX_POINTS} points. A path removed since is still
     * answered while its history lasts. {@code samples} repeats raw points in the shape of the first version of this
     * route, for its clients; it is empty when the answer is not at raw resolution.
     */
    private Reply pathHealth(ApiRequest r) {
        String id = r.pathParam("id");
        io.patronus.appliance.paths.PathHistory history = paths.history();
        if (paths.path(id).isEmpty() && !history.contains(id)) {
            path(id);
        }
        Instant now = clock.instant();
        Instant since = r.query("since").map(s -> instant(s, "since", now)).orElse(now.minus(Duration.ofHours(1)));
        Instant until = r.query("until").map(s -> instant(s, "until", now)).orElse(now);
        if (until.isBefore(since)) {
            throw ApiException.badRequest("until (" + until + ") is before since (" + since + ")", "until");
        }
        io.patronus.appliance.paths.HistoryWindow w = history.query(id, since, until);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pathId", id);
        out.put("since", since);
        out.put("until", until);
        out.put("resolution", w.resolutionLabel());
        out.put("folded", w.folded());
        out.put("maxPoints", w.maxPoints());
        out.put("points", w.points().stream().map(V1Routes::historyPoint).toList());
        List<PathSample> samples = w.resolution().isZero()
                ? w.points().stream().flatMap(p -> p.sample().stream()).toList() : List.of();
        out.put("samples", samples);
        return Reply.ok(out);
    }

    /** A history point as the API writes it: measurements rounded to microseconds, status time in seconds. */
    private static Map<String, Object> historyPoint(io.patronus.appliance.paths.HistoryPoint p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", p.at());
        m.put("resolution", p.resolution());
        m.put("sampleCount", p.sampleCount());
        m.put("latencyMs", round3(p.latencyMs()));
        m.put("latencyMinMs", round3(p.latencyMinMs()));
        m.put("latencyP95Ms", round3(p.latencyP95Ms()));
        m.put("latencyMaxMs", round3(p.latencyMaxMs()));
        m.put("packetLossPct", round3(p.packetLossPct()));
        m.put("packetLossMaxPct", round3(p.packetLossMaxPct()));
        m.put("jitterMs", round3(p.jitterMs()));
        m.put("healthScore", round3(p.healthScore()));
        m.put("healthScoreMin", p.healthScoreMin());
        m.put("status", p.status());
        if (!p.statusTime().isEmpty()) {
            Map<String, Object> seconds = new LinkedHashMap<>();
            p.statusTime().forEach((s, d) -> seconds.put(s.wire(), d.toMillis() / 1000.0));
            m.put("statusSeconds", seconds);
        }
        return m;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** An ISO-8601 instant, or a duration meaning "that long ago" (90s, 15m, 24h, 7d). */
    static Instant instant(String text, String field, Instant now) {
        return TimeParam.instant(text, field, now);
    }

    // ---- policies ----------------------------------------------------------------------------------------------------

    private Policy policy(String id) {
        return store.policy(id).orElseThrow(() -> ApiException.notFound("policy " + id + " does not exist"));
    }

    private Reply createPolicy(ApiRequest r) {
        Policy p = ApiRequest.convert(r.jsonObject(), Policy.class);
        Policy saved = mutation(() -> store.createPolicy(p, r.principal().username()));
        return Reply.created(saved, "/v1/policies/" + saved.id());
    }

    private Reply replacePolicy(ApiRequest r) {
        String id = r.pathParam("id");
        policy(id);
        ObjectNode body = r.jsonObject();
        var bodyId = body.get("id");
        if (bodyId == null) {
            body.put("id", id);
        } else if (!bodyId.isTextual() || !bodyId.asText().equals(id)) {
            throw ApiException.invalidField("id", "id: must equal the id in the path (" + id + ")");
        }
        Policy p = ApiRequest.convert(body, Policy.class);
        return Reply.ok(mutation(() -> store.replacePolicy(p, r.principal().username())));
    }

    private Reply deletePolicy(ApiRequest r) {
        String id = r.pathParam("id");
        mutation(() -> {
            store.deletePolicy(id, r.principal().username());
            return id;
        });
        return Reply.noContent();
    }

    // ---- metrics, diagnostics -------------------------------------------------------------------------------------

    private Reply metricsExport(ApiRequest r) {
        String format = r.query("format").orElse("prometheus");
        metrics.paths(paths::paths);
        return switch (format) {
            case "prometheus" -> Reply.text(metrics.prometheus(), "text/plain; version=0.0.4; charset=utf-8");
            case "json" -> Reply.ok(Map.of("metrics", metrics.json()));
            default -> throw ApiException.badRequest("format must be prometheus or json, was '" + format + "'", "format");
        };
    }

    private Reply dbCheck(ApiRequest r) {
        StoreCheck c = store.check();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", c.ok());
        out.put("store", Map.of("schemaVersion", c.schemaVersion(), "appliedSequence", c.appliedSequence(),
                "sites", c.sites(), "policies", c.policies(), "users", c.users(), "historySamples", c.historySamples()));
        out.put("log", Map.of("lastSequence", c.logLastSequence(), "segments", c.logSegments(), "records", c.logRecords()));
        out.put("problems", c.problems());
        return Reply.ok(out);
    }

    private interface StoreCall<T> {
        T call();
    }

    /** Runs a store mutation, turning the store's domain errors into API errors. */
    private static <T> T mutation(StoreCall<T> call) {
        try {
            return call.call();
        } catch (ConflictException e) {
            throw ApiException.conflict(e.getMessage(), e.field());
        } catch (NotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }
}
