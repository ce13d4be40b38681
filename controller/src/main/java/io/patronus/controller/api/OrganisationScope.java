package io.patronus.controller.api;

import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.OrganisationRecord;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which organisation an admin request addresses, and which objects it may see.
 *
 * <h2>Why a query parameter, not a path prefix</h2>
 * The organisation is the query parameter {@code organisation=ID} on every admin route (and, on creates, optionally
 * the body field {@code organisation}), not a prefix such as {@code /v1/admin/organisations/ID/sites}, because:
 * <ul>
 * <li>site ids are unique on the whole controller (a site id is its appliances' certificate subject and the key of
 *     their bundles and telemetry), so {@code /v1/admin/sites/ID}, {@code /appliances/ID} and the rest already name
 *     one object; its organisation follows from it, and a prefix would only be a second name that can disagree;</li>
 * <li>a controller with one organisation keeps the API it had: every route and every client (the CLI, the appliance
 *     tests, operators' scripts) works unchanged, the organisation being the default;</li>
 * <li>the same parameter narrows a fleet-wide token to one organisation, or widens a listing to all of them
 *     ({@code organisation=*}), without a second set of routes.</li>
 * </ul>
 *
 * <h2>The rules</h2>
 * <ul>
 * <li><b>Lists and creates</b> (and group routes, whose names are unique within an organisation only): an
 *     organisation admin token always addresses its own organisation. The fleet token addresses the one it names; when
 *     it names none, the controller's only organisation, and when there are several, the request is refused with 400
 *     {@code organisation_required} naming them. {@code organisation=*} lists every organisation's objects (an
 *     organisation token: its own).</li>
 * <li><b>One object by id</b>: the object's organisation must be the caller's (an organisation token), or the one the
 *     fleet token named, if it named one. Otherwise the answer is the 404 of an object that does not exist, never a
 *     403, so an organisation's operator cannot learn what other organisations hold.</li>
 * <li>An organisation that does not exist, or is deleted, or that an organisation token is not for: 404 alike.</li>
 * </ul>
 * Thread-safe: reads the store lock-free; a handler that creates in an organisation checks again inside its
 * transaction that the organisation is still live.
 */
final class OrganisationScope {
    /** The query parameter (and body field) naming the organisation. */
    static final String PARAM = "organisation";
    /** {@code organisation=*}: every organisation the caller sees, for lists. */
    static final String ALL = "*";

    private final ControllerStore store;

    OrganisationScope(ControllerStore store) {
        this.store = store;
    }

    /** The organisations a list shows: one, or every one ({@code organisation=*} with the fleet token). */
    record Listing(Optional<String> organisation) {
        /** Whether an object of {@code org} is listed. */
        boolean includes(String org) {
            return organisation.map(org::equals).orElse(true);
        }

        /** Whether the listing spans every organisation (the views then show each object's organisation). */
        boolean all() {
            return organisation.isEmpty();
        }
    }

    /** The organisations a list route shows (see the class comment). */
    Listing listing(ApiRequest r) {
        Optional<String> named = r.query(PARAM);
        if (r.caller() instanceof Caller.OrganisationAdmin o) {
            if (named.isPresent() && !named.get().equals(ALL) && !named.get().equals(o.organisation())) {
                throw unknown(r, named.get());
            }
            return new Listing(Optional.of(o.organisation()));
        }
        if (named.isPresent() && named.get().equals(ALL)) {
            return new Listing(Optional.empty());
        }
        String org = named.map(n -> live(r, n)).orElseGet(() -> onlyOrganisation(true));
        r.auditOrganisation(org);
        return new Listing(Optional.of(org));
    }

    /**
     * The one organisation a create or a group route addresses: the query parameter, else {@code fromBody}, else the
     * default (see the class comment); always a live organisation the caller may change.
     */
    String target(ApiRequest r, Optional<String> fromBody) {
        Optional<String> query = r.query(PARAM);
        Optional<String> body = fromBody.filter(s -> !s.isBlank());
        if (query.isPresent() && body.isPresent() && !query.get().equals(body.get())) {
            throw ApiException.badRequest("organisation_mismatch", "the query names organisation " + query.get()
                    + " and the body organisation " + body.get() + "; give one of them", PARAM);
        }
        Optional<String> named = query.or(() -> body);
        if (named.isPresent() && named.get().equals(ALL)) {
            throw ApiException.badRequest("organisation_required", "organisation=* lists every organisation's objects; "
                    + "this call changes one organisation: name it", PARAM);
        }
        String org;
        if (r.caller() instanceof Caller.OrganisationAdmin o) {
            if (named.isPresent() && !named.get().equals(o.organisation())) {
                throw unknown(r, named.get());
            }
            org = o.organisation();
        } else {
            org = named.map(n -> live(r, n)).orElseGet(() -> onlyOrganisation(false));
        }
        r.auditOrganisation(org);
        return org;
    }

    /**
     * Whether the caller may see an object of {@code org}: an organisation token only its own; the fleet token any,
     * unless it named one organisation. Callers answer 404, as for a missing object, when it may not.
     */
    boolean visible(ApiRequest r, String org) {
        if (r.caller() instanceof Caller.OrganisationAdmin o) {
            return o.organisation().equals(org);
        }
        Optional<String> named = r.query(PARAM);
        return named.isEmpty() || named.get().equals(ALL) || named.get().equals(org);
    }

    /**
     * Refuses an organisation admin token with 403 {@code fleet_token_required}: organisations and their admin tokens
     * are the fleet operator's. A 403 here reveals nothing: it is the answer whatever the request names.
     */
    static void requireFleet(ApiRequest r, String what) {
        if (!(r.caller() instanceof Caller.Admin)) {
            throw new ApiException(403, "fleet_token_required", what + " needs the fleet admin token "
                    + "(<dataDir>/secrets/admin.token on the controller); an organisation admin token administers its own "
                    + "organisation only");
        }
    }

    /** The 404 of an organisation the caller cannot see; for the fleet token it names the organisations there are. */
    ApiException unknown(ApiRequest r, String org) {
        String known = r.caller() instanceof Caller.Admin ? " (organisations: " + names() + ")" : "";
        return new ApiException(404, "organisation_unknown", "organisation " + org + " does not exist" + known,
                Optional.of(PARAM));
    }

    private String live(ApiRequest r, String org) {
        if (store.organisation(org).filter(OrganisationRecord::live).isEmpty()) {
            throw unknown(r, org);
        }
        return org;
    }

    private String onlyOrganisation(boolean listing) {
        List<OrganisationRecord> live = store.liveOrganisations();
        if (live.size() == 1) {
            return live.getFirst().id();
        }
        if (live.isEmpty()) {
            throw new ApiException(409, "no_organisation", "this controller has no organisation: create one with POST "
                    + "/v1/admin/organisations (patronus-controller organisations create ID)", Optional.of(PARAM));
        }
        throw ApiException.badRequest("organisation_required", "this controller has " + live.size() + " organisations ("
                + names() + "): name one with organisation=ID (CLI: --organisation ID or PATRONUS_ORGANISATION)"
                + (listing ? ", or list every organisation's with organisation=* (CLI: --all-organisations)" : ""), PARAM);
    }

    private String names() {
        return store.liveOrganisations().stream().map(OrganisationRecord::id).collect(Collectors.joining(", "));
    }
}
