package io.patronus.controller.api;

import io.patronus.controller.enrol.Tokens;
import io.patronus.controller.store.AdminTokenRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.OrganisationRecord;
import io.patronus.controller.store.SiteRecord;
import io.patronus.model.Check;
import io.patronus.model.ValidationException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The organisations of the controller and their admin tokens, under {@code /v1/admin/organisations} and
 * {@code /v1/admin/admin-tokens}. Creating and deleting organisations and everything about admin tokens needs the
 * fleet admin token (403 {@code fleet_token_required} otherwise); an organisation admin token may list and show its
 * own organisation, and sees no other (404).
 *
 * <p>An organisation is deleted only when it has no site left (409 {@code organisation_not_empty} names them): its
 * sites are its meshes, appliances and enrolment tokens. Its admin tokens are revoked with it; its history (group
 * configurations, rollouts, spent tokens, telemetry events, audit records) stays stored under its id, which is
 * therefore never given to another organisation.
 *
 * <p>An organisation admin token is {@value #TOKEN_PREFIX} and 32 random bytes in URL-safe base64 (256 bits); only
 * its SHA-256 is stored and the secret is shown once, when it is created.
 */
public final class OrganisationRoutes {
    /** The prefix of every organisation admin token (the fleet token's is {@code padm_}). */
    public static final String TOKEN_PREFIX = "porg_";
    private static final int LISTED = 10;

    private final ControllerStore store;
    private final OrganisationScope scope;

    public OrganisationRoutes(ControllerStore store) {
        this.store = store;
        this.scope = new OrganisationScope(store);
    }

    public List<ApiRoute> routes() {
        return List.of(
                admin("GET", "/v1/admin/organisations", this::list),
                admin("POST", "/v1/admin/organisations", this::create),
                admin("GET", "/v1/admin/organisations/{id}", r -> Reply.ok(view(organisation(r, r.pathParam("id"))))),
                admin("DELETE", "/v1/admin/organisations/{id}", this::delete),
                admin("GET", "/v1/admin/admin-tokens", this::listTokens),
                admin("POST", "/v1/admin/admin-tokens", this::createToken),
                admin("POST", "/v1/admin/admin-tokens/{id}/revoke", this::revokeToken));
    }

    private static ApiRoute admin(String method, String path, ApiRoute.Handler h) {
        return new ApiRoute(method, path, ApiRoute.Auth.ADMIN, h);
    }

    // ---- organisations ----------------------------------------------------------------------------------------------

    private Reply list(ApiRequest r) {
        List<Map<String, Object>> items = store.liveOrganisations().stream()
                .filter(o -> !(r.caller() instanceof Caller.OrganisationAdmin a) || a.organisation().equals(o.id()))
                .map(this::view).toList();
        return Reply.ok(Map.of("items", items));
    }

    /** Body of POST /v1/admin/organisations. */
    record CreateOrganisation(String id, String name) {
    }

    private Reply create(ApiRequest r) {
        OrganisationScope.requireFleet(r, "creating an organisation");
        CreateOrganisation c = r.bodyAs(CreateOrganisation.class);
        String id;
        String name;
        try {
            id = Check.id("id", c.id());
            name = Check.text("name", c.name() == null ? c.id() : c.name(), 128);
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.getMessage());
        }
        r.auditTarget("organisation/" + id);
        r.auditOrganisation(id);
        OrganisationRecord created = store.transact(r.auditActor(), tx -> {
            Optional<OrganisationRecord> existing = tx.store().organisation(id);
            if (existing.isPresent() && existing.get().live()) {
                throw ApiException.conflict("organisation " + id + " already exists", "id");
            }
            if (existing.isPresent()) {
                throw ApiException.conflict("organisation id " + id + " belonged to an organisation deleted at "
                        + existing.get().deletedAt().orElseThrow() + "; its history is kept under that id, so choose "
                        + "another id", "id");
            }
            OrganisationRecord o = new OrganisationRecord(id, name, tx.now(), r.auditActor(), Optional.empty());
            tx.putOrganisation(o);
            tx.audit(id, r.auditActor(), "organisation.create", "organisation/" + id, "created, named '" + name + "'",
                    r.remote());
            return o;
        });
        return Reply.created(view(created), "/v1/admin/organisations/" + id);
    }

    private Reply delete(ApiRequest r) {
        OrganisationScope.requireFleet(r, "deleting an organisation");
        String id = r.pathParam("id");
        r.auditTarget("organisation/" + id);
        r.auditOrganisation(id);
        store.transact(r.auditActor(), tx -> {
            OrganisationRecord o = tx.store().organisation(id).filter(OrganisationRecord::live)
                    .orElseThrow(() -> scope.unknown(r, id));
            List<SiteRecord> sites = tx.store().sites(id);
            if (!sites.isEmpty()) {
                String listed = sites.stream().limit(LISTED)
                        .map(s -> s.id() + (tx.store().appliance(s.id()).isPresent() ? " (with its appliance)" : ""))
                        .collect(Collectors.joining(", "));
                throw new ApiException(409, "organisation_not_empty", "organisation " + id + " still has " + sites.size()
                        + " site(s): " + listed + (sites.size() > LISTED ? " and " + (sites.size() - LISTED) + " more" : "")
                        + "; delete them first (patronus-controller sites delete ID --organisation " + id + ")",
                        Optional.empty());
            }
            tx.putOrganisation(o.deleted(tx.now()));
            List<String> revoked = new ArrayList<>();
            for (AdminTokenRecord t : tx.store().adminTokens()) {
                if (t.organisation().equals(id) && t.active()) {
                    tx.putAdminToken(t.revoked(tx.now()));
                    revoked.add(t.id());
                }
            }
            tx.audit(id, r.auditActor(), "organisation.delete", "organisation/" + id, "deleted"
                    + (revoked.isEmpty() ? "" : "; admin token(s) revoked: " + String.join(", ", revoked)), r.remote());
            return null;
        });
        return Reply.noContent();
    }

    private OrganisationRecord organisation(ApiRequest r, String id) {
        boolean visible = !(r.caller() instanceof Caller.OrganisationAdmin a) || a.organisation().equals(id);
        return store.organisation(id).filter(o -> visible && o.live()).orElseThrow(() -> scope.unknown(r, id));
    }

    private Map<String, Object> view(OrganisationRecord o) {
        List<SiteRecord> sites = store.sites(o.id());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", o.id());
        m.put("name", o.name());
        m.put("createdAt", o.createdAt());
        m.put("createdBy", o.createdBy());
        m.put("sites", sites.size());
        m.put("appliances", sites.stream().filter(s -> store.appliance(s.id()).isPresent()).count());
        m.put("groups", store.groups(o.id()).size());
        m.put("adminTokens", store.adminTokens().stream().filter(t -> t.organisation().equals(o.id()) && t.active()).count());
        return m;
    }

    // ---- admin tokens -------------------------------------------------------------------------------------------------

    private Reply listTokens(ApiRequest r) {
        OrganisationScope.requireFleet(r, "listing admin tokens");
        OrganisationScope.Listing listing = scope.listing(r);
        return Reply.ok(Map.of("items", store.adminTokens().stream().filter(t -> listing.includes(t.organisation()))
                .map(OrganisationRoutes::tokenView).toList()));
    }

    /** Body of POST /v1/admin/admin-tokens. */
    record CreateAdminToken(String organisation, String description) {
    }

    private Reply createToken(ApiRequest r) {
        OrganisationScope.requireFleet(r, "creating an admin token");
        CreateAdminToken c = r.body().length == 0 ? new CreateAdminToken(null, null) : r.bodyAs(CreateAdminToken.class);
        String description;
        try {
            description = Check.optionalText("description", c.description(), 256);
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.getMessage());
        }
        String org = scope.target(r, Optional.ofNullable(c.organisation()));
        String secret = io.patronus.controller.enrol.Tokens.secret(TOKEN_PREFIX);
        String id = io.patronus.controller.enrol.Tokens.id("atok-");
        r.auditTarget("admin-token/" + id);
        AdminTokenRecord created = store.transact(r.auditActor(), tx -> {
            if (tx.store().organisation(org).filter(OrganisationRecord::live).isEmpty()) {
                throw scope.unknown(r, org);
            }
            AdminTokenRecord t = new AdminTokenRecord(id, org, Tokens.sha256(secret), description, tx.now(), r.auditActor(),
                    Optional.empty());
            tx.putAdminToken(t);
            tx.audit(org, r.auditActor(), "admin-token.create", "admin-token/" + id, "organisation admin token for " + org
                    + (description.isEmpty() ? "" : " (" + description + ")"), r.remote());
            return t;
        });
        Map<String, Object> m = tokenView(created);
        m.put("token", secret);
        return Reply.created(m, "/v1/admin/admin-tokens/" + id);
    }

    private Reply revokeToken(ApiRequest r) {
        OrganisationScope.requireFleet(r, "revoking an admin token");
        String id = r.pathParam("id");
        r.auditTarget("admin-token/" + id);
        AdminTokenRecord revoked = store.transact(r.auditActor(), tx -> {
            AdminTokenRecord t = tx.store().adminToken(id).filter(x -> scope.visible(r, x.organisation()))
                    .orElseThrow(() -> ApiException.notFound("admin token " + id + " does not exist"));
            r.auditOrganisation(t.organisation());
            if (!t.active()) {
                return t;
            }
            AdminTokenRecord x = t.revoked(tx.now());
            tx.putAdminToken(x);
            tx.audit(t.organisation(), r.auditActor(), "admin-token.revoke", "admin-token/" + id, "revoked", r.remote());
            return x;
        });
        return Reply.ok(tokenView(revoked));
    }

    private static Map<String, Object> tokenView(AdminTokenRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("organisation", t.organisation());
        m.put("description", t.description());
        m.put("state", t.active() ? "active" : "revoked");
        m.put("createdAt", t.createdAt());
        m.put("createdBy", t.createdBy());
        t.revokedAt().ifPresent(at -> m.put("revokedAt", at));
        return m;
    }
}
