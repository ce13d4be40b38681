package io.patronus.controller.api;

import io.patronus.controller.config.Units;
import io.patronus.controller.enrol.Tokens;
import io.patronus.controller.fleet.ConfigPublisher;
import io.patronus.controller.fleet.ConfigRenderer;
import io.patronus.controller.fleet.Drift;
import io.patronus.controller.fleet.KeyRotations;
import io.patronus.controller.fleet.RolloutEngine;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.AuditRecord;
import io.patronus.controller.store.Change;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.RolloutRecord;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.StoredEvent;
import io.patronus.controller.store.TokenRecord;
import io.patronus.model.Check;
import io.patronus.model.IpPrefix;
import io.patronus.model.Policy;
import io.patronus.model.SlaClass;
import io.patronus.model.ValidationException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The fleet administration API under {@code /v1/admin}, for the controller CLI: sites, enrolment tokens, appliances,
 * group configurations and site overrides, drift, rollouts, WireGuard key rotations, telemetry events and the audit
 * trail. Lists answer {@code {"items":[...]}}; every change is audited with the admin as actor and the organisation it
 * concerned. Which organisation a request addresses and what it may see: {@link OrganisationScope} (the organisations
 * themselves and their admin tokens: {@link OrganisationRoutes}).
 */
public final class AdminRoutes {
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final ControllerStore store;
    private final Tokens tokens;
    private final ConfigPublisher publisher;
    private final RolloutEngine rollouts;
    private final Drift drift;
    private final KeyRotations keys;
    private final Duration defaultTokenTtl;
    private final Duration heartbeatInterval;
    private final Supplier<Map<String, Object>> info;
    private final Clock clock;
    private final OrganisationScope scope;

    public AdminRoutes(ControllerStore store, Tokens tokens, ConfigPublisher publisher, RolloutEngine rollouts, Drift drift,
                       KeyRotations keys, Duration defaultTokenTtl, Duration heartbeatInterval, Supplier<Map<String, Object>> info, Clock clock) {
        this.store = store;
        this.tokens = tokens;
        this.publisher = publisher;
        this.rollouts = rollouts;
        this.drift = drift;
        this.keys = keys;
        this.defaultTokenTtl = defaultTokenTtl;
        this.heartbeatInterval = heartbeatInterval;
        this.info = info;
        this.clock = clock;
        this.scope = new OrganisationScope(store);
    }

    public List<ApiRoute> routes() {
        return List.of(
                admin("GET", "/v1/admin/info", this::info),
                admin("GET", "/v1/admin/sites", r -> {
                    OrganisationScope.Listing l = scope.listing(r);
                    Map<String, TokenRecord> waiting = activeTokensBySite();
                    return Reply.ok(items(store.sites().stream().filter(s -> l.includes(s.organisation()))
                            .map(s -> siteView(s, waiting)).toList()));
                }),
                admin("POST", "/v1/admin/sites", this::createSite),
                admin("GET", "/v1/admin/sites/{id}", r -> Reply.ok(siteView(site(r, r.pathParam("id"))))),
                admin("DELETE", "/v1/admin/sites/{id}", this::deleteSite),
                admin("GET", "/v1/admin/sites/{id}/config", this::siteConfig),
                admin("PUT", "/v1/admin/sites/{id}/overrides", this::putOverrides),
                admin("GET", "/v1/admin/sites/{id}/key", r -> Reply.ok(keys.siteKey(site(r, r.pathParam("id"))))),
                admin("POST", "/v1/admin/sites/{id}/rotate-key", this::rotateKey),
                admin("POST", "/v1/admin/sites/{id}/rotate-key/cancel", this::cancelRotation),
                admin("POST", "/v1/admin/rotate-keys", this::rotateKeys),
                admin("GET", "/v1/admin/keys", this::keyStatus),
                admin("GET", "/v1/admin/tokens", r -> {
                    OrganisationScope.Listing l = scope.listing(r);
                    return Reply.ok(items(store.tokens().stream().filter(t -> l.includes(t.organisation()))
                            .map(this::tokenView).toList()));
                }),
                admin("POST", "/v1/admin/tokens", this::createToken),
                admin("POST", "/v1/admin/tokens/{id}/revoke", r -> Reply.ok(tokenView(tokens.revoke(r.pathParam("id"),
                        org -> scope.visible(r, org), r.auditActor(), r.remote())))),
                admin("GET", "/v1/admin/appliances", r -> {
                    OrganisationScope.Listing l = scope.listing(r);
                    return Reply.ok(items(store.appliances().stream().filter(a -> l.includes(organisationOf(a.siteId())))
                            .map(this::applianceSummary).toList()));
                }),
                admin("GET", "/v1/admin/appliances/{id}", r -> Reply.ok(applianceDetail(appliance(r, r.pathParam("id"))))),
                admin("GET", "/v1/admin/appliances/{id}/drift", r -> Reply.ok(drift.report(appliance(r, r.pathParam("id"))
                        .siteId()))),
                admin("POST", "/v1/admin/appliances/{id}/drift/adopt", r -> Reply.ok(drift.adopt(
                        appliance(r, r.pathParam("id")).siteId(), r.auditActor(), r.remote()))),
                admin("POST", "/v1/admin/appliances/{id}/drift/overwrite", this::overwrite),
                admin("GET", "/v1/admin/groups", r -> {
                    OrganisationScope.Listing l = scope.listing(r);
                    return Reply.ok(items(store.groups().stream().filter(g -> l.includes(g.organisation()))
                            .map(AdminRoutes::groupView).toList()));
                }),
                admin("GET", "/v1/admin/groups/{group}/config", r -> Reply.ok(groupView(group(r, r.pathParam("group"))))),
                admin("PUT", "/v1/admin/groups/{group}/config", this::putGroupConfig),
                admin("POST", "/v1/admin/groups/{group}/push", this::push),
                admin("GET", "/v1/admin/rollouts", r -> {
                    OrganisationScope.Listing l = scope.listing(r);
                    return Reply.ok(items(store.rollouts().stream().filter(x -> l.includes(x.organisation()))
                            .map(AdminRoutes::rolloutView).toList()));
                }),
                admin("GET", "/v1/admin/rollouts/{id}", r -> Reply.ok(rolloutView(store.rollout(r.pathParam("id"))
                        .filter(x -> scope.visible(r, x.organisation()))
                        .orElseThrow(() -> ApiException.notFound("rollout " + r.pathParam("id") + " does not exist"))))),
                admin("GET", "/v1/admin/events", this::events),
                admin("GET", "/v1/admin/audit", this::audit));
    }

    private static ApiRoute admin(String method, String path, ApiRoute.Handler h) {
        return new ApiRoute(method, path, ApiRoute.Auth.ADMIN, h);
    }

    private static Map<String, Object> items(List<?> items) {
        return Map.of("items", items);
    }

    /**
     * The controller's identity and counts: for the fleet token, everything and each organisation's counts; for an
     * organisation token, its own organisation's counts and nothing of the others or of the configuration.
     */
    private Reply info(ApiRequest r) {
        Map<String, Object> all = info.get();
        if (r.caller() instanceof Caller.OrganisationAdmin o) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", all.get("version"));
            m.put("url", all.get("url"));
            m.put("caFingerprint", all.get("caFingerprint"));
            m.put("organisation", organisationCounts(o.organisation()));
            return Reply.ok(m);
        }
        Map<String, Object> m = new LinkedHashMap<>(all);
        m.put("organisations", store.liveOrganisations().stream().map(x -> organisationCounts(x.id())).toList());
        return Reply.ok(m);
    }

    private Map<String, Object> organisationCounts(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        store.organisation(id).ifPresent(o -> m.put("name", o.name()));
        List<SiteRecord> sites = store.sites(id);
        m.put("sites", sites.size());
        m.put("appliances", sites.stream().filter(s -> store.appliance(s.id()).isPresent()).count());
        return m;
    }

    /** The organisation of a site; "" once it is deleted. */
    private String organisationOf(String siteId) {
        return store.site(siteId).map(SiteRecord::organisation).orElse("");
    }

    // ---- sites --------------------------------------------------------------------------------------------------------

    /** Body of POST /v1/admin/sites; {@code organisation} may be given here instead of as the query parameter. */
    record CreateSite(String id, String name, String location, String group, List<IpPrefix> lanPrefixes,
                      String organisation) {
    }

    private Reply createSite(ApiRequest r) {
        CreateSite c = r.bodyAs(CreateSite.class);
        String id;
        String name;
        String location;
        String group;
        List<IpPrefix> prefixes;
        try {
            id = Check.id("id", c.id());
            name = Check.text("name", c.name() == null ? c.id() : c.name(), 128);
            location = Check.optionalText("location", c.location(), 256);
            group = Check.id("group", c.group() == null ? "default" : c.group());
            prefixes = Check.list("lanPrefixes", c.lanPrefixes(), 1024);
            Check.unique("lanPrefixes", prefixes);
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.getMessage());
        }
        for (int i = 0; i < prefixes.size(); i++) {
            for (int j = i + 1; j < prefixes.size(); j++) {
                if (prefixes.get(i).overlaps(prefixes.get(j))) {
                    throw ApiException.invalidField("lanPrefixes[" + j + "]", "lanPrefixes[" + j + "]: " + prefixes.get(j)
                            + " overlaps " + prefixes.get(i));
                }
            }
        }
        String org = scope.target(r, Optional.ofNullable(c.organisation()));
        r.auditTarget("site/" + id);
        SiteRecord site = store.transact(r.auditActor(), tx -> {
            if (tx.store().organisation(org).filter(o -> o.live()).isEmpty()) {
                throw scope.unknown(r, org);
            }
            Optional<SiteRecord> existing = tx.store().site(id);
            if (existing.isPresent()) {
                // Site ids are unique on the controller (the appliance certificate's subject); say so without telling
                // an organisation's operator which other organisation has the id.
                throw ApiException.conflict(scope.visible(r, existing.get().organisation())
                        ? "site " + id + " already exists in organisation " + existing.get().organisation()
                        : "site id " + id + " is already used on this controller (site ids are unique across "
                        + "organisations: they name the appliance's certificate); choose another id", "id");
            }
            // Only this organisation's sites: it is one mesh, and other organisations' LANs are theirs to number.
            for (SiteRecord other : tx.store().sites(org)) {
                for (int i = 0; i < prefixes.size(); i++) {
                    for (IpPrefix theirs : other.lanPrefixes()) {
                        if (prefixes.get(i).overlaps(theirs)) {
                            throw ApiException.conflict("LAN prefix " + prefixes.get(i) + " overlaps " + theirs + " of site "
                                    + other.id(), "lanPrefixes[" + i + "]");
                        }
                    }
                }
            }
            long revision = tx.store().group(org, group).map(GroupRecord::currentRevision).orElse(0L);
            SiteRecord s = new SiteRecord(id, org, name, location, group, prefixes, Optional.empty(), Map.of(),
                    SiteOverrides.none(), revision, tx.now());
            tx.putSite(s);
            tx.audit(org, r.auditActor(), "site.create", "site/" + id, "staged in group " + group + " with LAN prefixes "
                    + prefixes, r.remote());
            return s;
        });
        return Reply.created(siteView(site), "/v1/admin/sites/" + id);
    }

    private Reply deleteSite(ApiRequest r) {
        String id = r.pathParam("id");
        r.auditTarget("site/" + id);
        store.transact(r.auditActor(), tx -> {
            SiteRecord s = visibleSite(r, tx.store().site(id), id);
            tx.put(new Change.Op.DeleteSite(id));
            boolean hadAppliance = tx.store().appliance(id).isPresent();
            if (hadAppliance) {
                tx.put(new Change.Op.DeleteAppliance(id));
            }
            tx.put(new Change.Op.DeleteBundle(id));
            if (tx.store().keyRotation(id).isPresent()) {
                tx.put(new Change.Op.DeleteKeyRotation(id));
            }
            for (TokenRecord t : tx.store().tokens()) {
                if (t.siteId().equals(id) && t.state(tx.now()).equals("active")) {
                    tx.putToken(t.revoke());
                }
            }
            tx.audit(s.organisation(), r.auditActor(), "site.delete", "site/" + id, "deleted" + (hadAppliance
                    ? " with its appliance (its certificate is refused from now on)" : "") + "; group was " + s.group(),
                    r.remote());
            return null;
        });
        publisher.reconcile(r.auditActor());
        return Reply.noContent();
    }

    private Reply siteConfig(ApiRequest r) {
        SiteRecord s = site(r, r.pathParam("id"));
        GroupRecord g = store.group(s.organisation(), s.group())
                .orElse(GroupRecord.initial(s.organisation(), s.group(), clock.instant()));
        ConfigRenderer.Rendering rendering = ConfigRenderer.render(s, store.sites(s.organisation()), g);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("siteId", s.id());
        m.put("organisation", s.organisation());
        m.put("group", s.group());
        m.put("groupRevision", s.groupRevision());
        m.put("publishedVersion", store.bundle(s.id()).map(b -> b.version()).orElse(0L));
        m.put("config", ConfigRenderer.withKeys(rendering.config(), s.id(), store.keyRotations()));
        m.put("conflicts", rendering.conflicts());
        return Reply.ok(m);
    }

    private Reply putOverrides(ApiRequest r) {
        String id = r.pathParam("id");
        r.auditTarget("site/" + id);
        SiteOverrides o = r.bodyAs(SiteOverrides.class);
        SiteRecord updated = store.transact(r.auditActor(), tx -> {
            SiteRecord s = visibleSite(r, tx.store().site(id), id);
            GroupConfig base = tx.store().group(s.organisation(), s.group()).map(g -> g.revision(s.groupRevision()))
                    .orElse(GroupConfig.empty());
            List<String> conflicts = ConfigRenderer.conflicts(s.id(), base, o);
            if (!conflicts.isEmpty()) {
                throw ApiException.conflict(String.join("; ", conflicts), "policies");
            }
            SiteRecord u = s.withOverrides(o);
            tx.putSite(u);
            tx.audit(s.organisation(), r.auditActor(), "site.overrides.put", "site/" + id, o.policies().size()
                    + " policies, " + o.removePolicies().size() + " removed, " + o.slaClasses().size() + " SLA classes, "
                    + o.removeSlaClasses().size() + " removed", r.remote());
            return u;
        });
        Map<String, Long> published = publisher.reconcile(r.auditActor());
        Map<String, Object> m = siteView(updated);
        m.put("published", published);
        return Reply.ok(m);
    }

    private Map<String, Object> siteView(SiteRecord s) {
        return siteView(s, activeTokensBySite());
    }

    private Map<String, Object> siteView(SiteRecord s, Map<String, TokenRecord> activeTokens) {
        Map<String, Object> m = siteFields(s);
        m.put("enrolment", enrolment(s, Optional.ofNullable(activeTokens.get(s.id()))));
        keys.keyCreatedAt(s.id()).ifPresent(t -> m.put("keyCreatedAt", t));
        store.keyRotation(s.id()).ifPresent(r -> m.put("keyRotation", keys.view(r)));
        return m;
    }

    /** Per site, its newest token that can still enrol a device. */
    private Map<String, TokenRecord> activeTokensBySite() {
        Instant now = clock.instant();
        Map<String, TokenRecord> out = new java.util.HashMap<>();
        for (TokenRecord t : store.tokens()) {
            if (t.state(now).equals("active")) {
                out.merge(t.siteId(), t, (a, b) -> b.createdAt().isAfter(a.createdAt()) ? b : a);
            }
        }
        return out;
    }

    /**
     * Where a site's appliance stands, from before it exists to mesh up: {@code staged} (no token yet),
     * {@code awaiting_device} (a token is out, no device has used it), {@code refused} (the last device that tried
     * was refused, and no newer token is out: the code says why), then the appliance's reported state
     * ({@code enrolled}, {@code config_applied}, {@code mesh_up}, ...). An appliance cannot report anything before it
     * has enrolled; its own local API shows its attempts (docs/FEDERATION.md).
     */
    private Map<String, Object> enrolment(SiteRecord s, Optional<TokenRecord> active) {
        Map<String, Object> e = new LinkedHashMap<>();
        Optional<ApplianceRecord> appliance = store.appliance(s.id());
        if (appliance.isPresent()) {
            e.put("state", appliance.get().state().toLowerCase(java.util.Locale.ROOT));
            e.put("serial", appliance.get().serial());
            e.put("enrolledAt", appliance.get().enrolledAt());
            return e;
        }
        Optional<io.patronus.controller.store.AuditRecord> refusal = store.lastEnrolmentRefusal(s.id());
        boolean newerToken = active.isPresent() && refusal.isPresent() && active.get().createdAt().isAfter(refusal.get().at());
        if (refusal.isPresent() && !newerToken) {
            e.put("state", "refused");
        } else if (active.isPresent()) {
            e.put("state", "awaiting_device");
        } else {
            e.put("state", "staged");
            e.put("next", "patronus-controller tokens create --site " + s.id());
        }
        active.ifPresent(t -> {
            e.put("token", t.id());
            e.put("tokenExpiresAt", t.expiresAt());
        });
        refusal.ifPresent(a -> {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("at", a.at());
            last.put("code", a.code());
            last.put("message", a.message());
            last.put("by", a.actor());
            last.put("remote", a.remote());
            e.put("lastRefusal", last);
        });
        return e;
    }

    static Map<String, Object> siteFields(SiteRecord s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("organisation", s.organisation());
        m.put("name", s.name());
        m.put("location", s.location());
        m.put("group", s.group());
        m.put("lanPrefixes", s.lanPrefixes());
        m.put("enrolled", s.enrolled());
        s.wireguardPublicKey().ifPresent(k -> m.put("wireguardPublicKey", k));
        m.put("endpoints", s.endpoints());
        m.put("groupRevision", s.groupRevision());
        m.put("overrides", s.overrides());
        m.put("createdAt", s.createdAt());
        return m;
    }

    /** A site the caller may see (404 alike when it does not exist or is another organisation's). */
    private SiteRecord site(ApiRequest r, String id) {
        return visibleSite(r, store.site(id), id);
    }

    private SiteRecord visibleSite(ApiRequest r, Optional<SiteRecord> site, String id) {
        SiteRecord s = site.filter(x -> scope.visible(r, x.organisation()))
                .orElseThrow(() -> ApiException.notFound("site " + id + " does not exist"));
        r.auditOrganisation(s.organisation());
        return s;
    }

    // ---- tokens -------------------------------------------------------------------------------------------------------

    /**
     * Body of POST /v1/admin/tokens; {@code ttl} like {@code 24h}, {@code serial} binds the token to one device. The
     * organisation is the site's; when {@code organisation} (or the query parameter) names one, the site must be in it.
     */
    record CreateToken(String siteId, String ttl, String serial, String organisation) {
    }

    private Reply createToken(ApiRequest r) {
        CreateToken c = r.bodyAs(CreateToken.class);
        if (c.siteId() == null || c.siteId().isBlank()) {
            throw ApiException.invalidField("siteId", "siteId: is required (the staged site the token enrols)");
        }
        Duration ttl = defaultTokenTtl;
        if (c.ttl() != null && !c.ttl().isBlank()) {
            ttl = Units.duration(c.ttl()).filter(d -> !d.isZero()).orElseThrow(() -> ApiException.invalidField("ttl",
                    "ttl: must be a duration such as 30m, 24h or 7d, was '" + c.ttl() + "'"));
        }
        Optional<String> serial = Optional.ofNullable(c.serial()).map(String::trim).filter(s -> !s.isEmpty());
        r.auditTarget("site/" + c.siteId());
        Optional<String> named = Optional.ofNullable(c.organisation()).filter(o -> !o.isBlank());
        Tokens.Issued issued = tokens.create(c.siteId(), ttl, serial,
                org -> scope.visible(r, org) && named.map(org::equals).orElse(true), r.auditActor(), r.remote());
        Map<String, Object> m = tokenView(issued.record());
        m.put("token", issued.token());
        return Reply.created(m, "/v1/admin/tokens/" + issued.record().id());
    }

    private Map<String, Object> tokenView(TokenRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("organisation", t.organisation());
        m.put("siteId", t.siteId());
        t.serial().ifPresent(s -> m.put("serial", s));
        m.put("state", t.state(clock.instant()));
        m.put("createdAt", t.createdAt());
        m.put("expiresAt", t.expiresAt());
        t.usedAt().ifPresent(u -> m.put("usedAt", u));
        t.usedBySerial().ifPresent(u -> m.put("usedBySerial", u));
        m.put("revoked", t.revoked());
        return m;
    }

    // ---- appliances ---------------------------------------------------------------------------------------------------

    /** The appliance of a site the caller may see (404 alike when there is none or it is another organisation's). */
    private ApplianceRecord appliance(ApiRequest r, String id) {
        ApplianceRecord a = store.appliance(id).filter(x -> scope.visible(r, organisationOf(x.siteId())))
                .orElseThrow(() -> ApiException.notFound("no appliance is enrolled for site " + id));
        r.auditOrganisation(organisationOf(id));
        return a;
    }

    /** Online while the last report is at most three heartbeat intervals old. */
    private boolean online(ApplianceRecord a) {
        return a.lastSeen().map(t -> !clock.instant().isAfter(t.plus(heartbeatInterval.multipliedBy(3)))).orElse(false);
    }

    private Map<String, Object> applianceSummary(ApplianceRecord a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("siteId", a.siteId());
        m.put("organisation", organisationOf(a.siteId()));
        m.put("serial", a.serial());
        m.put("group", store.site(a.siteId()).map(SiteRecord::group).orElse(""));
        m.put("online", online(a));
        a.lastSeen().ifPresent(t -> m.put("lastSeen", t));
        m.put("state", a.state());
        m.put("desiredVersion", a.desiredVersion());
        m.put("appliedVersion", a.appliedVersion());
        m.put("rejectedVersion", a.rejectedVersion());
        m.put("paths", a.paths());
        m.put("localChanges", a.localChanges());
        m.put("dataPlaneProblem", a.dataPlaneProblem());
        m.put("applianceVersion", a.applianceVersion());
        return m;
    }

    private Map<String, Object> applianceDetail(ApplianceRecord a) {
        Map<String, Object> m = applianceSummary(a);
        m.put("rejectReason", a.rejectReason());
        m.put("certificateSerial", a.certificateSerial());
        m.put("certificateNotAfter", a.certificateNotAfter());
        a.previousCertificateSerial().ifPresent(s -> m.put("previousCertificateSerial", s));
        m.put("enrolledAt", a.enrolledAt());
        a.observedAt().ifPresent(t -> m.put("observedAt", t));
        // highestSequence in the controller's numbering; acknowledged in the current device's (see TelemetryCounter).
        store.telemetry(a.siteId()).ifPresent(t -> m.put("telemetry", Map.of("stored", t.stored(),
                "duplicates", t.duplicates(), "highestSequence", t.highestSequence(), "acknowledged", t.deviceAcknowledged(),
                "streamStart", t.streamStart())));
        keys.keyCreatedAt(a.siteId()).ifPresent(t -> m.put("keyCreatedAt", t));
        store.keyRotation(a.siteId()).ifPresent(r -> m.put("keyRotation", keys.view(r)));
        m.put("progress", a.progress());
        return m;
    }

    // ---- WireGuard keys -----------------------------------------------------------------------------------------------

    private Reply rotateKey(ApiRequest r) {
        String id = site(r, r.pathParam("id")).id();
        r.auditTarget("site/" + id);
        return Reply.ok(keys.view(keys.request(id, r.auditActor(), r.remote())));
    }

    private Reply cancelRotation(ApiRequest r) {
        String id = site(r, r.pathParam("id")).id();
        r.auditTarget("site/" + id);
        return Reply.ok(keys.view(keys.cancel(id, r.auditActor(), r.remote())));
    }

    private Reply rotateKeys(ApiRequest r) {
        String org = scope.target(r, Optional.empty());
        r.auditTarget("organisation/" + org);
        KeyRotations.Batch b = keys.requestAll(org, r.auditActor(), r.remote());
        List<Map<String, Object>> skipped = new ArrayList<>();
        b.skipped().forEach((site, why) -> skipped.add(Map.of("siteId", site, "reason", why)));
        return Reply.ok(Map.of("started", b.started().stream().map(keys::view).toList(), "skipped", skipped));
    }

    private Reply keyStatus(ApiRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keyRotationInterval", Units.duration(keys.interval()));
        m.put("keyRotationGrace", Units.duration(keys.grace()));
        OrganisationScope.Listing l = scope.listing(r);
        m.put("items", store.sites().stream().filter(s -> s.enrolled() && l.includes(s.organisation())).map(keys::siteKey)
                .toList());
        return Reply.ok(m);
    }

    private Reply overwrite(ApiRequest r) {
        String id = appliance(r, r.pathParam("id")).siteId();
        r.auditTarget("site/" + id);
        Map<String, Long> published = drift.overwrite(id, r.auditActor(), r.remote());
        return Reply.ok(Map.of("siteId", id, "published", published));
    }

    // ---- groups and rollouts -------------------------------------------------------------------------------------------

    /** A group of the organisation the request addresses; group names are unique within an organisation only. */
    private GroupRecord group(ApiRequest r, String name) {
        try {
            Check.id("group", name);
        } catch (ValidationException e) {
            throw ApiException.invalidField("group", e.getMessage());
        }
        String org = scope.target(r, Optional.empty());
        return store.group(org, name).orElse(GroupRecord.initial(org, name, clock.instant()));
    }

    static Map<String, Object> groupView(GroupRecord g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("organisation", g.organisation());
        m.put("group", g.name());
        m.put("revision", g.currentRevision());
        m.put("policies", g.current().policies());
        m.put("slaClasses", g.current().slaClasses());
        m.put("updatedAt", g.updatedAt());
        return m;
    }

    /** Body of PUT /v1/admin/groups/{group}/config. */
    record PutGroupConfig(List<Policy> policies, List<SlaClass> slaClasses, RolloutOptions rollout) {
    }

    /** Optional rollout settings of a group change: waves ("1", "50%", "100%") and the gate timeout ("10m"). */
    record RolloutOptions(List<String> waves, String gateTimeout) {
    }

    private Reply putGroupConfig(ApiRequest r) {
        GroupRecord group = group(r, r.pathParam("group"));
        String name = group.name();
        r.auditTarget("group/" + name);
        PutGroupConfig body = r.bodyAs(PutGroupConfig.class);
        GroupConfig config = new GroupConfig(body.policies(), body.slaClasses());
        checkUnique(config);
        List<String> waves = body.rollout() == null || body.rollout().waves() == null ? List.of() : body.rollout().waves();
        Optional<Duration> gate = Optional.empty();
        if (body.rollout() != null && body.rollout().gateTimeout() != null) {
            gate = Optional.of(Units.duration(body.rollout().gateTimeout()).filter(d -> !d.isZero())
                    .orElseThrow(() -> ApiException.invalidField("rollout.gateTimeout", "rollout.gateTimeout: must be a "
                            + "duration such as 90s or 10m, was '" + body.rollout().gateTimeout() + "'")));
        }
        RolloutEngine.GroupChange change = rollouts.changeGroup(group.organisation(), name, config, waves, gate,
                r.auditActor(), r.remote());
        Map<String, Object> m = groupView(change.group());
        m.put("changed", change.changed());
        change.rollout().ifPresent(ro -> m.put("rollout", rolloutView(ro)));
        return Reply.ok(m);
    }

    private static void checkUnique(GroupConfig c) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        Map<Integer, Integer> priorities = new LinkedHashMap<>();
        for (int i = 0; i < c.policies().size(); i++) {
            Policy p = c.policies().get(i);
            if (ids.putIfAbsent(p.id(), i) != null) {
                throw ApiException.invalidField("policies[" + i + "].id", "policies[" + i + "].id: " + p.id() + " is used twice");
            }
            if (names.putIfAbsent(p.name(), i) != null) {
                throw ApiException.invalidField("policies[" + i + "].name", "policies[" + i + "].name: '" + p.name()
                        + "' is used twice (sites override policies by name)");
            }
            Integer other = priorities.putIfAbsent(p.priority(), i);
            if (other != null) {
                throw ApiException.invalidField("policies[" + i + "].priority", "policies[" + i + "].priority: "
                        + p.priority() + " is already the priority of policies[" + other + "]");
            }
        }
        Map<String, Integer> sla = new LinkedHashMap<>();
        for (int i = 0; i < c.slaClasses().size(); i++) {
            if (sla.putIfAbsent(c.slaClasses().get(i).name(), i) != null) {
                throw ApiException.invalidField("slaClasses[" + i + "].name", "slaClasses[" + i + "].name: "
                        + c.slaClasses().get(i).name() + " is used twice");
            }
        }
    }

    private Reply push(ApiRequest r) {
        GroupRecord group = group(r, r.pathParam("group"));
        r.auditTarget("group/" + group.name());
        GroupRecord g = rollouts.push(group.organisation(), group.name(), r.auditActor(), r.remote());
        return Reply.ok(groupView(g));
    }

    static Map<String, Object> rolloutView(RolloutRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("organisation", r.organisation());
        m.put("group", r.group());
        m.put("fromRevision", r.fromRevision());
        m.put("toRevision", r.toRevision());
        m.put("state", r.state());
        m.put("reason", r.reason());
        m.put("currentWave", r.currentWave() + 1);
        List<Map<String, Object>> waves = new ArrayList<>();
        for (int i = 0; i < r.waves().size(); i++) {
            RolloutRecord.Wave w = r.waves().get(i);
            Map<String, Object> wm = new LinkedHashMap<>();
            wm.put("wave", i + 1);
            wm.put("sites", w.sites());
            wm.put("state", w.state());
            w.releasedAt().ifPresent(t -> wm.put("releasedAt", t));
            w.completedAt().ifPresent(t -> wm.put("completedAt", t));
            wm.put("targetVersions", w.targetVersions());
            wm.put("detail", w.detail());
            waves.add(wm);
        }
        m.put("waves", waves);
        m.put("gateTimeout", Units.duration(r.gateTimeout()));
        m.put("createdAt", r.createdAt());
        m.put("updatedAt", r.updatedAt());
        m.put("createdBy", r.createdBy());
        return m;
    }

    // ---- events and audit ---------------------------------------------------------------------------------------------

    private Reply events(ApiRequest r) {
        Optional<String> site = r.query("site");
        Optional<Instant> since = since(r);
        Optional<String> kind = r.query("kind");
        int limit = limit(r);
        OrganisationScope.Listing l = scope.listing(r);
        Predicate<StoredEvent> filter = e -> l.includes(e.organisation())
                && since.map(s -> !e.at().isBefore(s)).orElse(true) && kind.map(k -> k.equals(e.kind())).orElse(true);
        List<StoredEvent> all = new ArrayList<>(store.events(site, filter));
        if (site.isEmpty()) {
            all.sort(Comparator.comparing(StoredEvent::at).thenComparing(StoredEvent::siteId).thenComparingLong(StoredEvent::sequence));
        }
        List<StoredEvent> last = all.subList(Math.max(0, all.size() - limit), all.size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", last);
        m.put("total", all.size());
        // Counters are per site: those of the sites the listing covers (a deleted site's only with organisation=*).
        m.put("telemetry", site.map(s -> store.telemetry(s).stream().toList()).orElseGet(store::telemetry).stream()
                .filter(c -> l.all() || l.includes(organisationOf(c.siteId()))).toList());
        return Reply.ok(m);
    }

    private Reply audit(ApiRequest r) {
        Optional<Instant> since = since(r);
        Optional<String> code = r.query("code");
        Optional<String> outcome = r.query("outcome");
        int limit = limit(r);
        OrganisationScope.Listing l = scope.listing(r);
        // Records of no organisation (refused calls without credentials, retention) are the fleet operator's: the
        // fleet token sees them with any organisation, an organisation token never.
        boolean fleet = r.caller() instanceof Caller.Admin;
        List<AuditRecord> all = store.audit(a -> (l.includes(a.organisation()) || fleet && a.organisation().isEmpty())
                && since.map(s -> !a.at().isBefore(s)).orElse(true)
                && code.map(c -> c.equals(a.code())).orElse(true)
                && outcome.map(o -> o.equals(a.outcome())).orElse(true));
        return Reply.ok(Map.of("items", all.subList(Math.max(0, all.size() - limit), all.size()), "total", all.size()));
    }

    /** {@code since}: an instant (2026-11-23T10:00:00Z) or a duration back from now (15m, 24h). */
    private Optional<Instant> since(ApiRequest r) {
        Optional<String> v = r.query("since");
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> ago = Units.duration(v.get());
        if (ago.isPresent()) {
            return Optional.of(clock.instant().minus(ago.get()));
        }
        try {
            return Optional.of(Instant.parse(v.get()));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid_request", "since must be an instant such as 2026-11-23T10:00:00Z or a "
                    + "duration back from now such as 15m, was '" + v.get() + "'", "since");
        }
    }

    private static int limit(ApiRequest r) {
        Optional<String> v = r.query("limit");
        if (v.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n < 1 || n > MAX_LIMIT) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_request", "limit must be between 1 and " + MAX_LIMIT + ", was '"
                    + v.get() + "'", "limit");
        }
    }
}
