package io.patronus.model;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every model type survives JSON (the API's, the log's and the bundles' format) unchanged. */
class JsonRoundTripPropertiesTest {
    private static <T> void roundTrip(T value, Class<T> type) throws Exception {
        String json = Json.mapper().writeValueAsString(value);
        assertEquals(value, Json.mapper().readValue(json, type), json);
    }

    @Property
    void site(@ForAll("sites") Site v) throws Exception {
        roundTrip(v, Site.class);
    }

    @Property
    void link(@ForAll("links") Link v) throws Exception {
        roundTrip(v, Link.class);
    }

    @Property
    void path(@ForAll("paths") Path v) throws Exception {
        roundTrip(v, Path.class);
    }

    @Property
    void policy(@ForAll("policies") Policy v) throws Exception {
        roundTrip(v, Policy.class);
    }

    @Property
    void policyAction(@ForAll("actions") PolicyAction v) throws Exception {
        roundTrip(v, PolicyAction.class);
    }

    @Property
    void slaClass(@ForAll("slas") SlaClass v) throws Exception {
        roundTrip(v, SlaClass.class);
    }

    @Property
    void user(@ForAll("users") User v) throws Exception {
        roundTrip(v, User.class);
    }

    @Property
    void auditEvent(@ForAll("audits") AuditEvent v) throws Exception {
        roundTrip(v, AuditEvent.class);
    }

    @Property
    void prefixesPortsAndEndpoints(@ForAll("prefixes") IpPrefix p, @ForAll("ports") PortRange r, @ForAll("endpoints") Endpoint e)
            throws Exception {
        roundTrip(p, IpPrefix.class);
        roundTrip(r, PortRange.class);
        roundTrip(e, Endpoint.class);
    }

    @Provide Arbitrary<Site> sites() { return ModelArbitraries.sites(); }
    @Provide Arbitrary<Link> links() { return ModelArbitraries.links(); }
    @Provide Arbitrary<Path> paths() { return ModelArbitraries.paths(); }
    @Provide Arbitrary<Policy> policies() { return ModelArbitraries.policies(); }
    @Provide Arbitrary<PolicyAction> actions() { return ModelArbitraries.actions(); }
    @Provide Arbitrary<SlaClass> slas() { return ModelArbitraries.slaClasses(); }
    @Provide Arbitrary<User> users() { return ModelArbitraries.users(); }
    @Provide Arbitrary<AuditEvent> audits() { return ModelArbitraries.auditEvents(); }
    @Provide Arbitrary<IpPrefix> prefixes() { return ModelArbitraries.prefixes(); }
    @Provide Arbitrary<PortRange> ports() { return ModelArbitraries.portRanges(); }
    @Provide Arbitrary<Endpoint> endpoints() { return ModelArbitraries.endpoints(); }
}
