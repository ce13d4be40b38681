package io.patronus.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every validation rule of the model: valid values pass, invalid ones fail naming the field and the rule. */
class ValidatorPropertiesTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    static void rejects(String field, String rule, Supplier<?> construct) {
        ValidationException e = assertThrows(ValidationException.class, construct::get);
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(rule, e.rule(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }

    static Site site(String id, String name, String key, Map<String, Endpoint> eps, List<IpPrefix> lans) {
        return new Site(id, name, "", key, eps, lans, SiteStatus.ACTIVE, T);
    }

    // ---- ids and colours -------------------------------------------------------------------------------------------

    @Property
    void id_validIdsAreAccepted(@ForAll("ids") String id) {
        assertEquals(id, Check.id("id", id));
    }

    @Property
    void id_anythingOutsideTheAlphabetIsRejected(@ForAll @StringLength(min = 1, max = 70) String s) {
        Assume.that(!Check.ID.matcher(s).matches());
        rejects("id", "format", () -> Check.id("id", s));
        rejects("id", "format", () -> site(s, "n", KEY, Map.of(), List.of()));
    }

    @Property
    void colour_invalidColoursAreRejectedWhereverTheyAppear(@ForAll @StringLength(min = 1, max = 20) String s) {
        Assume.that(!Check.COLOUR.matcher(s).matches());
        rejects("colour", "format", () -> new Link("l", "eth0", s, 1, 1));
        rejects("primary", "format", () -> new PolicyAction.Route(s, "lte", 50));
        rejects("backup", "format", () -> new PolicyAction.Route("fiber", s, 50));
        rejects("endpoints." + s, "format", () -> site("s", "n", KEY, Map.of(s, new Endpoint("192.0.2.1", 1)), List.of()));
    }

    // ---- site ------------------------------------------------------------------------------------------------------

    @Property
    void site_publicKeyMustBe32BytesOfBase64(@ForAll byte[] raw) {
        Assume.that(raw.length != 32);
        String b64 = java.util.Base64.getEncoder().encodeToString(raw);
        rejects("publicKey", "format", () -> site("s", "n", b64, Map.of(), List.of()));
    }

    @Property
    void site_nameMustBeNonBlankAndShort(@ForAll @IntRange(min = 129, max = 400) int length) {
        rejects("name", "length", () -> site("s", "x".repeat(length), KEY, Map.of(), List.of()));
        rejects("name", "required", () -> site("s", "   ", KEY, Map.of(), List.of()));
        rejects("name", "required", () -> site("s", null, KEY, Map.of(), List.of()));
        rejects("name", "format", () -> site("s", "a\u0007b", KEY, Map.of(), List.of()));
    }

    @Property
    void site_overlappingLanPrefixesAreRejected(@ForAll("prefixes") IpPrefix p, @ForAll @IntRange(min = 0, max = 128) int extra) {
        int longer = Math.min(p.address().length * 8, p.length() + extra);
        IpPrefix inside = ModelArbitraries.masked(p.address(), longer);
        rejects("lanPrefixes[1]", inside.equals(p) ? "unique" : "overlap",
                () -> site("s", "n", KEY, Map.of(), List.of(p, inside)));
    }

    @Example
    void site_missingRequiredFieldsAreNamed() {
        rejects("id", "required", () -> site(null, "n", KEY, Map.of(), List.of()));
        rejects("publicKey", "required", () -> site("s", "n", null, Map.of(), List.of()));
        rejects("createdAt", "required", () -> new Site("s", "n", "", KEY, Map.of(), List.of(), SiteStatus.ACTIVE, null));
    }

    // ---- prefixes, ports, endpoints -------------------------------------------------------------------------------

    @Property
    void prefix_hostBitsSetAreRejected(@ForAll("prefixes") IpPrefix p) {
        Assume.that(p.length() < p.address().length * 8);
        byte[] a = p.address();
        a[a.length - 1] |= 1;
        rejects("prefix", "format", () -> new IpPrefix(a, p.length()));
    }

    @Property
    void prefix_lengthOutOfRangeIsRejected(@ForAll @IntRange(min = 33, max = 1000) int len) {
        rejects("prefix", "range", () -> IpPrefix.parse("10.0.0.0/" + len));
        rejects("length", "range", () -> new IpPrefix(new byte[4], len));
    }

    @Property
    void portRange_reversedOrOutOfRangeIsRejected(@ForAll @IntRange(min = 0, max = 65535) int a, @ForAll @IntRange(min = 0, max = 65535) int b) {
        Assume.that(a > b);
        rejects("to", "order", () -> new PortRange(a, b));
        rejects("to", "order", () -> PortRange.parse(a + "-" + b));
        rejects("from", "range", () -> new PortRange(65536 + b, 65536 + b));
    }

    @Property
    void endpoint_portOutOfRangeIsRejected(@ForAll @IntRange(min = 65536, max = 99999) int port) {
        rejects("port", "range", () -> Endpoint.parse("192.0.2.1:" + port));
        rejects("port", "range", () -> new Endpoint("192.0.2.1", 0));
    }

    // ---- link, path, sla, user, audit -----------------------------------------------------------------------------

    @Property
    void link_numbersOutOfRangeAreRejected(@ForAll @IntRange(min = 1001, max = 100000) int priority) {
        rejects("priority", "range", () -> new Link("l", "eth0", "fiber", priority, 1));
        rejects("priority", "range", () -> new Link("l", "eth0", "fiber", -priority, 1));
        rejects("bandwidthKbps", "range", () -> new Link("l", "eth0", "fiber", 1, 0));
        rejects("iface", "format", () -> new Link("l", "a-name-longer-than-15", "fiber", 1, 1));
    }

    @Property
    void path_scoreAndLossOutOfRangeAreRejected(@ForAll @IntRange(min = 101, max = 10000) int n) {
        rejects("healthScore", "range", () -> new Path(null, "a", "b", "fiber", 1, 1, 1, n, PathStatus.UP, Optional.empty()));
        rejects("packetLossPct", "range", () -> new Path(null, "a", "b", "fiber", 1, n, 1, 1, PathStatus.UP, Optional.empty()));
        rejects("latencyMs", "range", () -> new Path(null, "a", "b", "fiber", -n, 1, 1, 1, PathStatus.UP, Optional.empty()));
        rejects("id", "format", () -> new Path("a:b:lte", "a", "b", "fiber", 1, 1, 1, 1, PathStatus.UP, Optional.empty()));
    }

    @Property
    void slaClass_valuesOutOfRangeAreRejected(@ForAll @IntRange(min = 101, max = 1000) int n) {
        rejects("maxLossPct", "range", () -> new SlaClass("default", 100, n, 10));
        rejects("maxLatencyMs", "range", () -> new SlaClass("default", 0, 1, 10));
        rejects("maxJitterMs", "range", () -> new SlaClass("default", 100, 1, -n));
        rejects("maxLatencyMs", "range", () -> new SlaClass("default", Double.NaN, 1, 1));
    }

    @Property
    void user_onlyArgon2idHashesAreStored(@ForAll @StringLength(min = 1, max = 100) String hash) {
        Assume.that(!hash.startsWith("$argon2id$") && !hash.isBlank() && hash.chars().noneMatch(Character::isISOControl));
        rejects("passwordHash", "format", () -> new User("admin", Role.ADMIN, hash, T));
    }

    @Example
    void audit_requiredTextIsNamed() {
        rejects("actor", "required", () -> new AuditEvent(0, T, " ", "login", "user/a", "success", ""));
        rejects("sequence", "range", () -> new AuditEvent(-1, T, "a", "login", "user/a", "success", ""));
    }

    // ---- policy ---------------------------------------------------------------------------------------------------

    @Property
    void policy_dscpOutsideSixBitsIsRejected(@ForAll @IntRange(min = 64, max = 1000) int dscp) {
        rejects("dscp[0]", "range", () -> new PolicyMatch(List.of(dscp), Protocol.UDP, List.of(), List.of(), List.of(), List.of()));
        rejects("dscp[1]", "unique", () -> new PolicyMatch(List.of(1, 1), Protocol.UDP, List.of(), List.of(), List.of(), List.of()));
    }

    @Property
    void policy_portsNeedTcpOrUdp(@ForAll("portlessProtocols") Protocol p) {
        rejects("destinationPorts", "protocol",
                () -> new PolicyMatch(List.of(), p, List.of(), List.of(), List.of(), List.of(PortRange.single(53))));
        rejects("sourcePorts", "protocol",
                () -> new PolicyMatch(List.of(), p, List.of(), List.of(), List.of(PortRange.single(53)), List.of()));
    }

    @Property
    void policy_priorityAndThresholdRanges(@ForAll @IntRange(min = 65536, max = 1_000_000) int n) {
        rejects("priority", "range", () -> new Policy("p", "P", n, null, new PolicyAction.Drop()));
        rejects("priority", "range", () -> new Policy("p", "P", 0, null, new PolicyAction.Drop()));
        rejects("failoverThreshold", "range", () -> new PolicyAction.Route("fiber", "lte", n));
        rejects("backup", "distinct", () -> new PolicyAction.Route("fiber", "fiber", 50));
        rejects("kbps", "range", () -> new PolicyAction.RateLimit(0));
        rejects("action", "required", () -> new Policy("p", "P", 1, null, null));
    }

    @Provide
    Arbitrary<String> ids() {
        return ModelArbitraries.ids();
    }

    @Provide
    Arbitrary<IpPrefix> prefixes() {
        return ModelArbitraries.prefixes();
    }

    @Provide
    Arbitrary<Protocol> portlessProtocols() {
        return Arbitraries.of(Protocol.ANY, Protocol.ICMP, Protocol.ICMPV6);
    }
}
