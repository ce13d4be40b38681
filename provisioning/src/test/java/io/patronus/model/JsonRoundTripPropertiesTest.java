package io.patronus.model;

import com.fasterxml.jackson.core.type.TypeReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every model type survives JSON (the API's, the log's and the bundles' format) unchanged, both as text and as the
 * UTF-8 bytes the log and the API actually write.
 */
class JsonRoundTripPropertiesTest {

    private static <T> T roundTrip(T value, Class<T> type) throws Exception {
        String json = Json.mapper().writeValueAsString(value);
        assertEquals(value, Json.mapper().readValue(json, type), json);
        byte[] bytes = Json.mapper().writeValueAsBytes(value);
        T back = Json.mapper().readValue(bytes, type);
        assertEquals(value, back, json);
        return back;
    }

    @Property
    void site_withEndpointsAndLanPrefixes_roundTrips(@ForAll("sites") Site v) throws Exception {
        roundTrip(v, Site.class);
    }

    @Property
    void link_roundTrips(@ForAll("links") Link v) throws Exception {
        roundTrip(v, Link.class);
    }

    @Property
    void path_measuredAndUnmeasured_roundTrips(@ForAll("paths") Path v) throws Exception {
        roundTrip(v, Path.class);
        roundTrip(Path.unmeasured(v.sourceSite(), v.destinationSite(), v.colour()), Path.class);
    }

    @Property
    void path_withAndWithoutLastCheck_roundTrips(@ForAll("paths") Path v, @ForAll("instants") Instant at) throws Exception {
        Path with = new Path(null, v.sourceSite(), v.destinationSite(), v.colour(), v.latencyMs(), v.packetLossPct(), v.jitterMs(),
                v.healthScore(), v.status(), Optional.of(at));
        Path without = new Path(null, v.sourceSite(), v.destinationSite(), v.colour(), v.latencyMs(), v.packetLossPct(), v.jitterMs(),
                v.healthScore(), v.status(), Optional.empty());
        assertEquals(Optional.of(at), roundTrip(with, Path.class).lastCheck());
        assertEquals(Optional.empty(), roundTrip(without, Path.class).lastCheck());
        assertFalse(Json.mapper().writeValueAsString(without).contains("lastCheck"), "an empty lastCheck is left out");
    }

    @Property
    void policy_withARouteAction_roundTrips(@ForAll("routePolicies") Policy v) throws Exception {
        assertInstanceOf(PolicyAction.Route.class, roundTrip(v, Policy.class).action());
        assertTrue(Json.mapper().writeValueAsString(v).contains("\"type\":\"route\""));
    }

    @Property
    void policy_withADropAction_roundTrips(@ForAll("dropPolicies") Policy v) throws Exception {
        assertInstanceOf(PolicyAction.Drop.class, roundTrip(v, Policy.class).action());
    }

    @Property
    void policy_withARateLimitAction_roundTrips(@ForAll("rateLimitPolicies") Policy v) throws Exception {
        assertInstanceOf(PolicyAction.RateLimit.class, roundTrip(v, Policy.class).action());
        assertTrue(Json.mapper().writeValueAsString(v).contains("\"type\":\"rate_limit\""));
    }

    @Property
    void policyAction_asItsSealedInterface_roundTrips(@ForAll("actions") PolicyAction v) throws Exception {
        roundTrip(v, PolicyAction.class);
    }

    @Property
    void policyMatch_everyProtocol_roundTrips(@ForAll("matches") PolicyMatch v) throws Exception {
        roundTrip(v, PolicyMatch.class);
    }

    @Property
    void slaClass_roundTrips(@ForAll("slas") SlaClass v) throws Exception {
        roundTrip(v, SlaClass.class);
    }

    @Property
    void user_roundTrips(@ForAll("users") User v) throws Exception {
        roundTrip(v, User.class);
    }

    @Property
    void auditEvent_roundTrips(@ForAll("audits") AuditEvent v) throws Exception {
        roundTrip(v, AuditEvent.class);
    }

    @Property
    void ipPrefix_ipv4AndIpv6_roundTripsAsCidrText(@ForAll("prefixes") IpPrefix v) throws Exception {
        roundTrip(v, IpPrefix.class);
        assertEquals("\"" + v + "\"", Json.mapper().writeValueAsString(v));
    }

    @Property
    void portRange_roundTripsAsText_andReadsAPlainNumber(@ForAll("ports") PortRange v) throws Exception {
        roundTrip(v, PortRange.class);
        assertEquals(PortRange.single(v.from()), Json.mapper().readValue(Integer.toString(v.from()), PortRange.class));
    }

    @Property
    void endpoint_roundTripsAsHostPortText(@ForAll("endpoints") Endpoint v) throws Exception {
        roundTrip(v, Endpoint.class);
    }

    @Property
    void enums_roundTripAsTheirLowerCaseWireNames(@ForAll Protocol p, @ForAll Role r, @ForAll SiteStatus s, @ForAll PathStatus ps)
            throws Exception {
        assertEquals("\"" + p.wire() + "\"", Json.mapper().writeValueAsString(roundTrip(p, Protocol.class)));
        assertEquals("\"" + r.wire() + "\"", Json.mapper().writeValueAsString(roundTrip(r, Role.class)));
        assertEquals("\"" + s.wire() + "\"", Json.mapper().writeValueAsString(roundTrip(s, SiteStatus.class)));
        assertEquals("\"" + ps.wire() + "\"", Json.mapper().writeValueAsString(roundTrip(ps, PathStatus.class)));
    }

    @Property(tries = 50)
    void listsOfMixedModelValues_roundTrip(@ForAll("siteLists") List<Site> sites) throws Exception {
        String json = Json.mapper().writeValueAsString(sites);
        assertEquals(sites, Json.mapper().readValue(json, new TypeReference<List<Site>>() { }));
    }

    /** Regression: an IPv4-mapped IPv6 LAN prefix was written as {@code 0.0.0.0/96} and the site could not be read back. */
    @Example
    void site_withAnIpv4MappedLanPrefix_roundTrips() throws Exception {
        Site s = new Site("s", "n", "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", java.util.Map.of(),
                List.of(IpPrefix.parse("::ffff:0:0/96")), SiteStatus.ACTIVE, Instant.EPOCH);
        roundTrip(s, Site.class);
    }

    @Provide Arbitrary<Site> sites() { return ModelArbitraries.sites(); }
    @Provide Arbitrary<List<Site>> siteLists() { return ModelArbitraries.sites().list().ofMaxSize(5); }
    @Provide Arbitrary<Link> links() { return ModelArbitraries.links(); }
    @Provide Arbitrary<Path> paths() { return ModelArbitraries.paths(); }
    @Provide Arbitrary<Instant> instants() { return ModelArbitraries.instants(); }
    @Provide Arbitrary<Policy> routePolicies() { return ModelArbitraries.policies(ModelArbitraries.routes()); }
    @Provide Arbitrary<Policy> dropPolicies() { return ModelArbitraries.policies(Arbitraries.just(new PolicyAction.Drop())); }
    @Provide Arbitrary<Policy> rateLimitPolicies() { return ModelArbitraries.policies(ModelArbitraries.rateLimits()); }
    @Provide Arbitrary<PolicyAction> actions() { return ModelArbitraries.actions(); }
    @Provide Arbitrary<PolicyMatch> matches() { return ModelArbitraries.matches(); }
    @Provide Arbitrary<SlaClass> slas() { return ModelArbitraries.slaClasses(); }
    @Provide Arbitrary<User> users() { return ModelArbitraries.users(); }
    @Provide Arbitrary<AuditEvent> audits() { return ModelArbitraries.auditEvents(); }
    @Provide Arbitrary<IpPrefix> prefixes() { return ModelArbitraries.prefixes(); }
    @Provide Arbitrary<PortRange> ports() { return ModelArbitraries.portRanges(); }
    @Provide Arbitrary<Endpoint> endpoints() { return ModelArbitraries.endpoints(); }
}
