package io.patronus.model;

import io.patronus.model.InvalidArbitraries.Bad;
import io.patronus.model.InvalidArbitraries.BadText;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static io.patronus.model.Rejections.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every rule of every model record: valid values are accepted and kept, and a value breaking one rule (all other
 * fields valid) is rejected with a {@link ValidationException} naming that field and that rule.
 */
class RecordValidationPropertiesTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final Endpoint EP = new Endpoint("192.0.2.1", 51820);

    // ---- Site ------------------------------------------------------------------------------------------------------

    @Property
    void site_validValues_areAcceptedAndKept(@ForAll("sites") Site s) {
        Site copy = new Site(s.id(), s.name(), s.location(), s.publicKey(), new HashMap<>(s.endpoints()),
                new ArrayList<>(s.lanPrefixes()), s.status(), s.createdAt());
        assertEquals(s, copy);
        assertEquals(new ArrayList<>(new java.util.TreeSet<>(s.endpoints().keySet())), new ArrayList<>(s.endpoints().keySet()),
                "endpoints are kept sorted by colour");
        assertEquals(s.withStatus(SiteStatus.INACTIVE).status(), SiteStatus.INACTIVE);
    }

    @Property
    void site_badIdNameOrLocation_isRejected(@ForAll("badIds") Bad<String> id, @ForAll("badTexts") BadText name,
                                             @ForAll("badOptionalTexts") BadText location) {
        rejects("id", id.rule(), () -> site(id.value(), "n", "", KEY, Map.of(), List.of()));
        rejects("name", name.rule(), () -> site("s", name.value(128), "", KEY, Map.of(), List.of()));
        rejects("location", location.rule(), () -> site("s", "n", location.value(256), KEY, Map.of(), List.of()));
    }

    @Property
    void site_badPublicKey_isRejected(@ForAll("badKeys") Bad<String> key) {
        rejects("publicKey", key.rule(), () -> site("s", "n", "", key.value(), Map.of(), List.of()));
    }

    @Property
    void site_endpointUnderABadColour_isRejectedNamingTheColour(@ForAll("badColours") Bad<String> colour) {
        Assume.that(colour.value() != null);
        rejects("endpoints." + colour.value(), "format", () -> site("s", "n", "", KEY, Map.of(colour.value(), EP), List.of()));
    }

    @Property
    void site_moreThan16Endpoints_isRejected(@ForAll @IntRange(min = 17, max = 40) int n) {
        Map<String, Endpoint> eps = new HashMap<>();
        for (int i = 0; i < n; i++) {
            eps.put("c" + i, EP);
        }
        rejects("endpoints", "size", () -> site("s", "n", "", KEY, eps, List.of()));
        Map<String, Endpoint> withNull = new HashMap<>();
        withNull.put("fiber", null);
        rejects("endpoints", "required", () -> site("s", "n", "", KEY, withNull, List.of()));
    }

    @Property(tries = 20)
    void site_moreThan1024LanPrefixes_isRejected(@ForAll @IntRange(min = 1025, max = 1100) int n) {
        List<IpPrefix> lans = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lans.add(IpPrefix.parse("10." + (i >> 8) + "." + (i & 255) + ".0/24"));
        }
        rejects("lanPrefixes", "size", () -> site("s", "n", "", KEY, Map.of(), lans));
        assertEquals(1024, site("s", "n", "", KEY, Map.of(), lans.subList(0, 1024)).lanPrefixes().size());
    }

    @Property
    void site_nullLanPrefix_isRejectedNamingItsIndex(@ForAll("lans") List<IpPrefix> lans, @ForAll @IntRange(max = 100) int at) {
        List<IpPrefix> withNull = new ArrayList<>(lans);
        int i = at % (lans.size() + 1);
        withNull.add(i, null);
        rejects("lanPrefixes[" + i + "]", "required", () -> site("s", "n", "", KEY, Map.of(), withNull));
    }

    @Property
    void site_repeatedLanPrefix_isRejectedAsUnique(@ForAll("lans") List<IpPrefix> lans, @ForAll @IntRange(max = 100) int pick) {
        Assume.that(!lans.isEmpty());
        List<IpPrefix> repeated = new ArrayList<>(lans);
        repeated.add(lans.get(pick % lans.size()));
        rejects("lanPrefixes[" + lans.size() + "]", "unique", () -> site("s", "n", "", KEY, Map.of(), repeated));
    }

    @Property
    void site_overlappingLanPrefixes_areRejected(@ForAll("prefixes") IpPrefix outer, @ForAll @IntRange(min = 1, max = 128) int extra,
                                                 @ForAll boolean innerFirst) {
        int bits = outer.address().length * 8;
        Assume.that(outer.length() < bits);
        IpPrefix inner = ModelArbitraries.masked(outer.address(), Math.min(bits, outer.length() + extra));
        List<IpPrefix> lans = innerFirst ? List.of(inner, outer) : List.of(outer, inner);
        ValidationException e = rejects("lanPrefixes[1]", "overlap", () -> site("s", "n", "", KEY, Map.of(), lans));
        assertTrue(e.getMessage().contains(lans.get(1) + " overlaps " + lans.get(0)), e.getMessage());
    }

    @Example
    void site_missingFields_areNamed_andStatusDefaultsToActive() {
        rejects("createdAt", "required", () -> new Site("s", "n", "", KEY, Map.of(), List.of(), SiteStatus.ACTIVE, null));
        Site s = new Site("s", "n", null, KEY, null, null, null, T);
        assertEquals(SiteStatus.ACTIVE, s.status());
        assertEquals("", s.location());
        assertEquals(Map.of(), s.endpoints());
        assertEquals(List.of(), s.lanPrefixes());
    }

    private static Site site(String id, String name, String location, String key, Map<String, Endpoint> eps, List<IpPrefix> lans) {
        return new Site(id, name, location, key, eps, lans, SiteStatus.ACTIVE, T);
    }

    // ---- Link ------------------------------------------------------------------------------------------------------

    @Property
    void link_validValues_areAcceptedAndKept(@ForAll("links") Link l) {
        assertEquals(l, new Link(l.name(), l.iface(), l.colour(), l.priority(), l.bandwidthKbps()));
    }

    @Property
    void link_badNameIfaceOrColour_isRejected(@ForAll("badIds") Bad<String> name, @ForAll("badIfaces") String iface,
                                              @ForAll("badColours") Bad<String> colour) {
        rejects("name", name.rule(), () -> new Link(name.value(), "eth0", "fiber", 1, 1));
        rejects("iface", "format", () -> new Link("l", iface, "fiber", 1, 1));
        rejects("iface", "required", () -> new Link("l", null, "fiber", 1, 1));
        rejects("colour", colour.rule(), () -> new Link("l", "eth0", colour.value(), 1, 1));
    }

    @Property
    void link_priorityOrBandwidthOutOfRange_isRejected(@ForAll("prioritiesOutside") int priority, @ForAll("bandwidthsOutside") long kbps) {
        rejects("priority", "range", () -> new Link("l", "eth0", "fiber", priority, 1));
        rejects("bandwidthKbps", "range", () -> new Link("l", "eth0", "fiber", 1, kbps));
    }

    // ---- Path ------------------------------------------------------------------------------------------------------

    @Property
    void path_validValues_areAcceptedAndGetTheirId(@ForAll("paths") Path p) {
        assertEquals(p.sourceSite() + ":" + p.destinationSite() + ":" + p.colour(), p.id());
        assertEquals(p, new Path(p.id(), p.sourceSite(), p.destinationSite(), p.colour(), p.latencyMs(), p.packetLossPct(),
                p.jitterMs(), p.healthScore(), p.status(), p.lastCheck()));
        assertEquals(Optional.empty(), new Path(null, "a", "b", "c", 0, 0, 0, 0, PathStatus.UP, null).lastCheck());
        assertEquals(PathStatus.UNKNOWN, Path.unmeasured(p.sourceSite(), p.destinationSite(), p.colour()).status());
    }

    @Property
    void path_badEndsOrColour_isRejected(@ForAll("badIds") Bad<String> site, @ForAll("badColours") Bad<String> colour) {
        rejects("sourceSite", site.rule(), () -> path(site.value(), "b", "fiber", 1, 1, 1, 1));
        rejects("destinationSite", site.rule(), () -> path("a", site.value(), "fiber", 1, 1, 1, 1));
        rejects("colour", colour.rule(), () -> path("a", "b", colour.value(), 1, 1, 1, 1));
    }

    @Property
    void path_idThatDoesNotNameItsEnds_isRejected(@ForAll("paths") Path p, @ForAll String id) {
        Assume.that(!id.equals(p.id()));
        rejects("id", "format", () -> new Path(id, p.sourceSite(), p.destinationSite(), p.colour(), 0, 0, 0, 0, PathStatus.UP,
                Optional.empty()));
    }

    @Property
    void path_measurementsOutOfRange_areRejected(@ForAll("millisOutside") double ms, @ForAll("percentOutside") double pct,
                                                 @ForAll("percentIntsOutside") int score) {
        rejects("latencyMs", "range", () -> path("a", "b", "fiber", ms, 0, 0, 0));
        rejects("packetLossPct", "range", () -> path("a", "b", "fiber", 0, pct, 0, 0));
        rejects("jitterMs", "range", () -> path("a", "b", "fiber", 0, 0, ms, 0));
        rejects("healthScore", "range", () -> path("a", "b", "fiber", 0, 0, 0, score));
    }

    @Example
    void path_missingStatus_isRejected() {
        rejects("status", "required", () -> new Path(null, "a", "b", "fiber", 0, 0, 0, 0, null, Optional.empty()));
    }

    private static Path path(String src, String dst, String colour, double latency, double loss, double jitter, int score) {
        return new Path(null, src, dst, colour, latency, loss, jitter, score, PathStatus.UP, Optional.empty());
    }

    // ---- Policy, PolicyMatch, PolicyAction -------------------------------------------------------------------------

    @Property
    void policy_validValues_areAcceptedAndKept(@ForAll("policies") Policy p) {
        assertEquals(p, new Policy(p.id(), p.name(), p.priority(), p.match(), p.action()));
        assertEquals(PolicyMatch.any(), new Policy(p.id(), p.name(), p.priority(), null, p.action()).match());
    }

    @Property
    void policy_badIdNameOrPriority_isRejected(@ForAll("badIds") Bad<String> id, @ForAll("badTexts") BadText name,
                                               @ForAll("prioritiesOutsidePolicy") int priority) {
        PolicyAction drop = new PolicyAction.Drop();
        rejects("id", id.rule(), () -> new Policy(id.value(), "P", 1, null, drop));
        rejects("name", name.rule(), () -> new Policy("p", name.value(128), 1, null, drop));
        rejects("priority", "range", () -> new Policy("p", "P", priority, null, drop));
        rejects("action", "required", () -> new Policy("p", "P", 1, null, null));
    }

    @Property
    void policyMatch_validValues_areAcceptedAndKept(@ForAll("matches") PolicyMatch m) {
        assertEquals(m, new PolicyMatch(new ArrayList<>(m.dscp()), m.protocol(), new ArrayList<>(m.sourcePrefixes()),
                new ArrayList<>(m.destinationPrefixes()), new ArrayList<>(m.sourcePorts()), new ArrayList<>(m.destinationPorts())));
        assertEquals(PolicyMatch.any(), new PolicyMatch(null, null, null, null, null, null));
    }

    @Property
    void policyMatch_dscpOutsideSixBitsRepeatedOrMissing_isRejectedNamingTheEntry(@ForAll("dscpOutside") int dscp,
                                                                                 @ForAll @IntRange(max = 63) int good) {
        rejects("dscp[1]", "range", () -> match(List.of(good, dscp), Protocol.ANY, List.of()));
        rejects("dscp[1]", "unique", () -> match(List.of(good, good), Protocol.ANY, List.of()));
        rejects("dscp[1]", "required", () -> match(java.util.Arrays.asList(good, null), Protocol.ANY, List.of()));
    }

    @Property(tries = 20)
    void policyMatch_listsOverTheirLimit_areRejectedAsSize(@ForAll @IntRange(min = 1, max = 20) int over) {
        List<Integer> dscp = Collections.nCopies(64 + over, 1);
        List<IpPrefix> prefixes = Collections.nCopies(64 + over, IpPrefix.parse("10.0.0.0/8"));
        List<PortRange> ports = Collections.nCopies(16 + over, PortRange.single(53));
        rejects("dscp", "size", () -> new PolicyMatch(dscp, Protocol.UDP, List.of(), List.of(), List.of(), List.of()));
        rejects("sourcePrefixes", "size", () -> new PolicyMatch(List.of(), Protocol.UDP, prefixes, List.of(), List.of(), List.of()));
        rejects("destinationPrefixes", "size", () -> new PolicyMatch(List.of(), Protocol.UDP, List.of(), prefixes, List.of(), List.of()));
        rejects("sourcePorts", "size", () -> new PolicyMatch(List.of(), Protocol.UDP, List.of(), List.of(), ports, List.of()));
        rejects("destinationPorts", "size", () -> new PolicyMatch(List.of(), Protocol.UDP, List.of(), List.of(), List.of(), ports));
    }

    @Example
    void policyMatch_nullEntries_areNamed() {
        List<IpPrefix> prefixes = java.util.Arrays.asList(IpPrefix.parse("10.0.0.0/8"), null);
        List<PortRange> ports = java.util.Arrays.asList(null, PortRange.single(1));
        rejects("sourcePrefixes[1]", "required", () -> new PolicyMatch(List.of(), Protocol.TCP, prefixes, List.of(), List.of(), List.of()));
        rejects("destinationPrefixes[1]", "required", () -> new PolicyMatch(List.of(), Protocol.TCP, List.of(), prefixes, List.of(), List.of()));
        rejects("sourcePorts[0]", "required", () -> new PolicyMatch(List.of(), Protocol.TCP, List.of(), List.of(), ports, List.of()));
        rejects("destinationPorts[0]", "required", () -> new PolicyMatch(List.of(), Protocol.TCP, List.of(), List.of(), List.of(), ports));
    }

    @Property
    void policyMatch_portsWithoutTcpOrUdp_areRejected(@ForAll("portlessProtocols") Protocol p, @ForAll("portRangeLists") List<PortRange> ports) {
        Assume.that(!ports.isEmpty());
        rejects("destinationPorts", "protocol", () -> new PolicyMatch(List.of(), p, List.of(), List.of(), List.of(), ports));
        rejects("sourcePorts", "protocol", () -> new PolicyMatch(List.of(), p, List.of(), List.of(), ports, List.of()));
        new PolicyMatch(List.of(), Protocol.TCP, List.of(), List.of(), ports, ports);
        new PolicyMatch(List.of(), Protocol.UDP, List.of(), List.of(), ports, ports);
    }

    private static PolicyMatch match(List<Integer> dscp, Protocol p, List<PortRange> ports) {
        return new PolicyMatch(dscp, p, List.of(), List.of(), List.of(), ports);
    }

    @Property
    void route_badColoursSameColoursOrThreshold_areRejected(@ForAll("badColours") Bad<String> colour, @ForAll("colours") String good,
                                                            @ForAll("percentIntsOutside") int threshold) {
        String other = good.equals("fiber") ? "lte" : "fiber";
        rejects("primary", colour.rule(), () -> new PolicyAction.Route(colour.value(), other, 50));
        rejects("backup", colour.rule(), () -> new PolicyAction.Route(good, colour.value(), 50));
        rejects("backup", "distinct", () -> new PolicyAction.Route(good, good, 50));
        rejects("failoverThreshold", "range", () -> new PolicyAction.Route(good, other, threshold));
    }

    @Property
    void rateLimit_kbpsOutOfRange_isRejected(@ForAll("rateLimits") PolicyAction.RateLimit valid, @ForAll("kbpsOutside") long kbps) {
        assertEquals(valid, new PolicyAction.RateLimit(valid.kbps()));
        rejects("kbps", "range", () -> new PolicyAction.RateLimit(kbps));
    }

    // ---- SlaClass --------------------------------------------------------------------------------------------------

    @Property
    void slaClass_validValues_areAcceptedAndKept(@ForAll("slaClasses") SlaClass s) {
        assertEquals(s, new SlaClass(s.name(), s.maxLatencyMs(), s.maxLossPct(), s.maxJitterMs(), s.probeIntervalMs(),
                s.detectMultiplier()));
    }

    @Property
    void slaClass_probeIntervalOrDetectMultiplierOutOfRange_areRejected(@ForAll("probeIntervalsOutside") int intervalMs,
                                                                        @ForAll("detectMultipliersOutside") int multiplier) {
        rejects("probeIntervalMs", "range", () -> new SlaClass("default", 100, 1, 10, OptionalInt.of(intervalMs), OptionalInt.empty()));
        rejects("detectMultiplier", "range", () -> new SlaClass("default", 100, 1, 10, OptionalInt.empty(), OptionalInt.of(multiplier)));
    }

    @Provide
    Arbitrary<Integer> probeIntervalsOutside() {
        return Arbitraries.oneOf(Arbitraries.integers().lessOrEqual(SlaClass.MIN_PROBE_INTERVAL_MS - 1),
                Arbitraries.integers().greaterOrEqual(SlaClass.MAX_PROBE_INTERVAL_MS + 1));
    }

    @Provide
    Arbitrary<Integer> detectMultipliersOutside() {
        return Arbitraries.oneOf(Arbitraries.integers().lessOrEqual(SlaClass.MIN_DETECT_MULTIPLIER - 1),
                Arbitraries.integers().greaterOrEqual(SlaClass.MAX_DETECT_MULTIPLIER + 1));
    }

    @Property
    void slaClass_badNameOrLimits_areRejected(@ForAll("badIds") Bad<String> name, @ForAll("latencyOutside") double latency,
                                              @ForAll("percentOutside") double loss, @ForAll("jitterOutside") double jitter) {
        rejects("name", name.rule(), () -> new SlaClass(name.value(), 100, 1, 10));
        rejects("maxLatencyMs", "range", () -> new SlaClass("default", latency, 1, 10));
        rejects("maxLossPct", "range", () -> new SlaClass("default", 100, loss, 10));
        rejects("maxJitterMs", "range", () -> new SlaClass("default", 100, 1, jitter));
    }

    // ---- User ------------------------------------------------------------------------------------------------------

    @Property
    void user_validValues_areAcceptedAndTheHashNeverPrinted(@ForAll("users") User u) {
        assertEquals(u, new User(u.username(), u.role(), u.passwordHash(), u.createdAt()));
        assertTrue(!u.toString().contains(u.passwordHash()), u.toString());
    }

    @Property
    void user_badUsernameHashOrMissingFields_areRejected(@ForAll("badIds") Bad<String> username, @ForAll("badTexts") BadText hash,
                                                         @ForAll @net.jqwik.api.constraints.StringLength(min = 1, max = 100) String notArgon2id) {
        String valid = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        rejects("username", username.rule(), () -> new User(username.value(), Role.ADMIN, valid, T));
        rejects("role", "required", () -> new User("admin", null, valid, T));
        rejects("passwordHash", hash.rule(), () -> new User("admin", Role.ADMIN, hash.value(512), T));
        rejects("createdAt", "required", () -> new User("admin", Role.ADMIN, valid, null));
        Assume.that(!notArgon2id.startsWith("$argon2id$") && !notArgon2id.isBlank() && notArgon2id.chars().noneMatch(Character::isISOControl));
        rejects("passwordHash", "format", () -> new User("admin", Role.ADMIN, notArgon2id, T));
    }

    // ---- AuditEvent ------------------------------------------------------------------------------------------------

    @Property
    void auditEvent_validValues_areAcceptedAndKept(@ForAll("auditEvents") AuditEvent a) {
        assertEquals(a, new AuditEvent(a.sequence(), a.at(), a.actor(), a.action(), a.target(), a.outcome(), a.detail()));
        assertEquals("", new AuditEvent(0, T, "a", "b", "c", "d", null).detail());
    }

    @Property
    void auditEvent_eachTextFieldBreakingARule_isRejectedNamingIt(@ForAll("badTexts") BadText bad, @ForAll("badOptionalTexts") BadText detail) {
        rejects("actor", bad.rule(), () -> new AuditEvent(0, T, bad.value(128), "a", "t", "o", ""));
        rejects("action", bad.rule(), () -> new AuditEvent(0, T, "u", bad.value(64), "t", "o", ""));
        rejects("target", bad.rule(), () -> new AuditEvent(0, T, "u", "a", bad.value(256), "o", ""));
        rejects("outcome", bad.rule(), () -> new AuditEvent(0, T, "u", "a", "t", bad.value(32), ""));
        rejects("detail", detail.rule(), () -> new AuditEvent(0, T, "u", "a", "t", "o", detail.value(4096)));
    }

    @Property
    void auditEvent_negativeSequenceOrMissingTime_isRejected(@ForAll @net.jqwik.api.constraints.LongRange(min = Long.MIN_VALUE, max = -1) long seq) {
        rejects("sequence", "range", () -> new AuditEvent(seq, T, "u", "a", "t", "o", ""));
        rejects("at", "required", () -> new AuditEvent(0, null, "u", "a", "t", "o", ""));
    }

    // ---- generators ------------------------------------------------------------------------------------------------

    @Provide Arbitrary<Site> sites() { return ModelArbitraries.sites(); }
    @Provide Arbitrary<Link> links() { return ModelArbitraries.links(); }
    @Provide Arbitrary<Path> paths() { return ModelArbitraries.paths(); }
    @Provide Arbitrary<Policy> policies() { return ModelArbitraries.policies(); }
    @Provide Arbitrary<PolicyMatch> matches() { return ModelArbitraries.matches(); }
    @Provide Arbitrary<PolicyAction.RateLimit> rateLimits() { return ModelArbitraries.rateLimits(); }
    @Provide Arbitrary<SlaClass> slaClasses() { return ModelArbitraries.slaClasses(); }
    @Provide Arbitrary<User> users() { return ModelArbitraries.users(); }
    @Provide Arbitrary<AuditEvent> auditEvents() { return ModelArbitraries.auditEvents(); }
    @Provide Arbitrary<IpPrefix> prefixes() { return ModelArbitraries.prefixes(); }
    @Provide Arbitrary<List<IpPrefix>> lans() { return ModelArbitraries.lanPrefixes(); }
    @Provide Arbitrary<String> colours() { return ModelArbitraries.colours(); }
    @Provide Arbitrary<List<PortRange>> portRangeLists() { return ModelArbitraries.portRanges().list().ofMaxSize(16); }
    @Provide Arbitrary<Bad<String>> badIds() { return InvalidArbitraries.ids(); }
    @Provide Arbitrary<Bad<String>> badColours() { return InvalidArbitraries.colours(); }
    @Provide Arbitrary<Bad<String>> badKeys() { return InvalidArbitraries.keys(); }
    @Provide Arbitrary<BadText> badTexts() { return InvalidArbitraries.texts(); }
    @Provide Arbitrary<BadText> badOptionalTexts() { return InvalidArbitraries.optionalTexts(); }
    @Provide Arbitrary<String> badIfaces() { return InvalidArbitraries.ifaces(); }
    @Provide Arbitrary<Integer> prioritiesOutside() { return InvalidArbitraries.intsOutside(0, 1000); }
    @Provide Arbitrary<Integer> prioritiesOutsidePolicy() { return InvalidArbitraries.intsOutside(1, 65535); }
    @Provide Arbitrary<Long> bandwidthsOutside() { return InvalidArbitraries.longsOutside(1, 1_000_000_000L); }
    @Provide Arbitrary<Long> kbpsOutside() { return InvalidArbitraries.longsOutside(1, 100_000_000L); }
    @Provide Arbitrary<Integer> percentIntsOutside() { return InvalidArbitraries.intsOutside(0, 100); }
    @Provide Arbitrary<Integer> dscpOutside() { return InvalidArbitraries.intsOutside(0, 63); }
    @Provide Arbitrary<Double> millisOutside() { return InvalidArbitraries.doublesOutside(0, 600_000); }
    @Provide Arbitrary<Double> percentOutside() { return InvalidArbitraries.doublesOutside(0, 100); }
    @Provide Arbitrary<Double> latencyOutside() { return InvalidArbitraries.doublesOutside(0.1, 60_000); }
    @Provide Arbitrary<Double> jitterOutside() { return InvalidArbitraries.doublesOutside(0, 60_000); }
    @Provide Arbitrary<Protocol> portlessProtocols() { return Arbitraries.of(Protocol.ANY, Protocol.ICMP, Protocol.ICMPV6); }
}
