package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.events.EventJournal;
import io.patronus.appliance.failover.Choice;
import io.patronus.appliance.failover.FailoverService;
import io.patronus.appliance.failover.Target;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Link;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.Role;
import io.patronus.model.Site;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Failover in API v1: the colour each (policy, site) and each site's default traffic uses now and why
 * ({@code GET /v1/failover}), manual pins ({@code POST /v1/failover/trigger}, {@code /clear}), and the event log of
 * decisions ({@code GET /v1/events}).
 */
public final class FailoverRoutes {
    private static final int MAX_LIMIT = 10_000;
    private final StateStore store;
    private final FailoverService failover;
    private final EventJournal events;
    private final List<Link> links;
    private final Clock clock;

    public FailoverRoutes(StateStore store, FailoverService failover, EventJournal events, List<Link> links, Clock clock) {
        this.store = store;
        this.failover = failover;
        this.events = events;
        this.links = List.copyOf(links);
        this.clock = clock;
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/v1/events", Role.VIEWER, this::listEvents),
                ApiRoute.get("/v1/failover", Role.VIEWER, this::status),
                ApiRoute.post("/v1/failover/trigger", Role.OPERATOR, this::trigger),
                ApiRoute.post("/v1/failover/clear", Role.OPERATOR, this::clear));
    }

    private Reply listEvents(ApiRequest r) {
        Instant now = clock.instant();
        Optional<Instant> since = TimeParam.parse(r, "since", now);
        Optional<Instant> until = TimeParam.parse(r, "until", now);
        if (since.isPresent() && until.isPresent() && since.get().isAfter(until.get())) {
            throw ApiException.badRequest("since: must not be after until", "since");
        }
        int limit = 100;
        Optional<String> l = r.query("limit");
        if (l.isPresent()) {
            try {
                limit = Integer.parseInt(l.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiException.badRequest("limit: must be a whole number 1-" + MAX_LIMIT + ", was '" + clip(l.get()) + "'", "limit");
            }
        }
        Optional<String> type = r.query("type").filter(t -> !t.isBlank());
        if (type.isPresent() && !List.of("failover", "failover-pin", "path").contains(type.get())) {
            throw ApiException.badRequest("type: must be failover, failover-pin or path, was '" + clip(type.get()) + "'", "type");
        }
        return Reply.ok(Map.of("items", events.list(since, until, type, limit)));
    }

    private Reply status(ApiRequest r) {
        Map<Target, String> pins = failover.engine().overrides().all();
        List<Map<String, Object>> items = new ArrayList<>();
        failover.engine().choices().entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<Target, Choice> e) -> e.getKey().siteId()).thenComparing(e -> e.getKey().policyId()))
                .forEach(e -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("policyId", e.getKey().isDefault() ? null : e.getKey().policyId());
                    m.put("siteId", e.getKey().siteId());
                    m.put("colour", e.getValue().colour());
                    m.put("cause", e.getValue().cause().wire());
                    m.put("reason", e.getValue().reason());
                    m.put("pinned", pins.containsKey(e.getKey()));
                    items.add(m);
                });
        return Reply.ok(Map.of("items", items, "failbackHoldSeconds", failover.engine().failbackHold().toSeconds()));
    }

    private Target target(ObjectNode body) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("policyId", "siteId", "colour").contains(f)) {
                throw ApiException.invalidField(f, f + ": unknown field; known fields here: [policyId, siteId, colour]");
            }
        }
        String siteId = textField(body, "siteId", true);
        Site site = store.site(siteId).orElseThrow(() -> ApiException.invalidField("siteId", "siteId: site " + clip(siteId)
                + " does not exist"));
        String policyId = textField(body, "policyId", false);
        if (!policyId.isEmpty()) {
            Policy p = store.policy(policyId).orElseThrow(() -> ApiException.invalidField("policyId", "policyId: policy "
                    + clip(policyId) + " does not exist"));
            if (!(p.action() instanceof PolicyAction.Route)) {
                throw ApiException.invalidField("policyId", "policyId: policy " + policyId + " is not a route policy; only route"
                        + " policies choose a colour");
            }
        }
        return new Target(policyId, site.id());
    }

    private Reply trigger(ApiRequest r) {
        ObjectNode body = r.jsonObject();
        Target t = target(body);
        String colour = textField(body, "colour", true);
        if (links.stream().noneMatch(l -> l.colour().equals(colour))) {
            throw ApiException.invalidField("colour", "colour: this appliance has no link of colour " + clip(colour) + " (it has "
                    + String.join(", ", links.stream().map(Link::colour).toList()) + ")");
        }
        Site site = store.site(t.siteId()).orElseThrow();
        if (!site.endpoints().containsKey(colour)) {
            throw ApiException.invalidField("colour", "colour: site " + site.id() + " has no " + colour + " endpoint, so there is no "
                    + colour + " path to it");
        }
        var d = failover.trigger(t, colour, r.principal().username());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policyId", t.isDefault() ? null : t.policyId());
        out.put("siteId", t.siteId());
        out.put("colour", d.to());
        out.put("cause", d.cause().wire());
        out.put("reason", d.reason());
        out.put("pinned", true);
        return Reply.ok(out);
    }

    private Reply clear(ApiRequest r) {
        ObjectNode body = r.jsonObject();
        Target t = target(body);
        if (body.has("colour")) {
            throw ApiException.invalidField("colour", "colour: not used by clear");
        }
        boolean had = failover.clear(t, r.principal().username());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policyId", t.isDefault() ? null : t.policyId());
        out.put("siteId", t.siteId());
        out.put("cleared", had);
        failover.engine().choice(t).ifPresent(c -> {
            out.put("colour", c.colour());
            out.put("cause", c.cause().wire());
            out.put("reason", c.reason());
        });
        return Reply.ok(out);
    }

    private static String textField(ObjectNode body, String field, boolean required) {
        var n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw ApiException.invalidField(field, field + ": is required");
            }
            return "";
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw ApiException.invalidField(field, field + ": must be a non-empty string");
        }
        return n.asText();
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
