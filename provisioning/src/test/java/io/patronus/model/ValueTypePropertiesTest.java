package io.patronus.model;

import io.patronus.model.InvalidArbitraries.Bad;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.Base64;
import java.util.Locale;

import static io.patronus.model.Rejections.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The small value types (prefix, port range, endpoint, key, protocol, role): every rule of constructor and parser. */
class ValueTypePropertiesTest {

    // ---- IpPrefix --------------------------------------------------------------------------------------------------

    @Property
    void prefix_validPrefixes_parseBackFromTheirText(@ForAll("prefixes") IpPrefix p) {
        assertEquals(p, IpPrefix.parse(p.toString()));
        assertEquals(p, new IpPrefix(p.address(), p.length()));
        assertEquals(p.address().length == 4, p.isIpv4());
    }

    @Property
    void prefix_addressIsCopied_inAndOut(@ForAll("prefixes") IpPrefix p) {
        byte[] a = p.address();
        assertNotSame(a, p.address());
        a[0] = (byte) ~a[0];
        assertFalse(java.util.Arrays.equals(a, p.address()));
    }

    @Property
    void prefix_addressOfWrongSize_isRejected(@ForAll @net.jqwik.api.constraints.Size(max = 40) byte[] address) {
        Assume.that(address.length != 4 && address.length != 16);
        rejects("address", "format", () -> new IpPrefix(address, 0));
    }

    @Example
    void prefix_missingAddress_isRejected() {
        rejects("address", "required", () -> new IpPrefix(null, 0));
        rejects("prefix", "required", () -> IpPrefix.parse(null));
    }

    @Property
    void prefix_lengthBeyondTheAddress_isRejected(@ForAll("prefixes") IpPrefix p, @ForAll("lengthsOutside") int extra) {
        int bits = p.address().length * 8;
        int length = extra < 0 ? extra : bits + extra;
        rejects("length", "range", () -> new IpPrefix(p.address(), length));
        if (length >= 0 && length <= 999) {
            rejects("prefix", "range", () -> IpPrefix.parse(ModelArbitraries.hostAddress(p.address()) + "/" + length));
        }
    }

    @Property
    void prefix_hostBitsSet_isRejectedSuggestingTheMaskedPrefix(@ForAll("prefixes") IpPrefix p, @ForAll @IntRange(max = 127) int bit) {
        int bits = p.address().length * 8;
        Assume.that(p.length() < bits);
        int set = p.length() + bit % (bits - p.length());
        byte[] a = p.address();
        a[set / 8] |= (byte) (0x80 >>> (set % 8));
        ValidationException e = rejects("prefix", "format", () -> new IpPrefix(a, p.length()));
        assertEquals(true, e.getMessage().contains("did you mean " + p + "?"), e.getMessage());
        rejects("prefix", "format", () -> IpPrefix.parse(ModelArbitraries.hostAddress(a) + "/" + p.length()));
    }

    @Property
    void prefix_textWithoutSlashOrWithABadAddressOrLength_isRejectedAsFormat(@ForAll("prefixes") IpPrefix p,
                                                                              @ForAll("badHosts") String badAddress,
                                                                              @ForAll("badLengths") String badLength) {
        String address = ModelArbitraries.hostAddress(p.address());
        rejects("prefix", "format", () -> IpPrefix.parse(address));
        Assume.that(IpPrefix.literal(badAddress) == null);
        rejects("prefix", "format", () -> IpPrefix.parse(badAddress + "/" + p.length()));
        rejects("prefix", "format", () -> IpPrefix.parse(address + "/" + badLength));
    }

    /** Regression: IPv4-mapped IPv6 prefixes printed as IPv4 ({@code 0.0.0.0/96}) and could not be parsed back. */
    @Example
    void prefix_ipv4MappedIpv6_staysIpv6() {
        IpPrefix p = IpPrefix.parse("::ffff:0.0.0.0/96");
        assertFalse(p.isIpv4());
        assertEquals("0:0:0:0:0:ffff:0:0/96", p.toString());
        assertEquals(p, IpPrefix.parse(p.toString()));
    }

    /** Regression: non-ASCII digits and a '+' sign were accepted ({@code ١٠.0.0.0/٨} parsed as 10.0.0.0/8). */
    @Example
    void prefix_onlyAsciiDigits_areAccepted() {
        rejects("prefix", "format", () -> IpPrefix.parse("١٠.0.0.0/8"));
        rejects("prefix", "format", () -> IpPrefix.parse("10.0.0.0/٨"));
        rejects("prefix", "format", () -> IpPrefix.parse("10.0.0.0/+8"));
        rejects("prefix", "format", () -> IpPrefix.parse("10.0.0.0/-1"));
    }

    // ---- PortRange -------------------------------------------------------------------------------------------------

    @Property
    void portRange_validRanges_areAccepted_andParseBackFromTheirText(@ForAll("portRanges") PortRange r) {
        assertEquals(r, new PortRange(r.from(), r.to()));
        assertEquals(r, PortRange.parse(r.toString()));
        assertEquals(r, PortRange.parse(" " + r.from() + " - " + r.to() + " "));
        assertEquals(true, r.contains(r.from()) && r.contains(r.to()) && !r.contains(r.to() + 1));
    }

    @Property
    void portRange_endsOutsideThePortRange_areRejected(@ForAll("portsOutside") int bad, @ForAll @IntRange(max = 65535) int good) {
        rejects("from", "range", () -> new PortRange(bad, Math.max(bad, good)));
        rejects("to", "range", () -> new PortRange(Math.min(good, 65535), bad > 65535 ? bad : 65536));
        if (bad > 65535 && bad <= 99999) {
            rejects("from", "range", () -> PortRange.parse(Integer.toString(bad)));
        }
    }

    @Property
    void portRange_reversed_isRejectedAsOrder(@ForAll @IntRange(max = 65535) int a, @ForAll @IntRange(max = 65535) int b) {
        Assume.that(a > b);
        rejects("to", "order", () -> new PortRange(a, b));
        rejects("to", "order", () -> PortRange.parse(a + "-" + b));
    }

    @Property
    void portRange_textThatIsNotPortOrRange_isRejectedAsFormat(@ForAll("badPortTexts") String text) {
        rejects("ports", "format", () -> PortRange.parse(text));
    }

    @Example
    void portRange_missingText_isRejected() {
        rejects("ports", "required", () -> PortRange.parse(null));
    }

    // ---- Endpoint --------------------------------------------------------------------------------------------------

    @Property
    void endpoint_ipLiteralsAndDnsNames_areAccepted_andParseBackFromTheirText(@ForAll("endpoints") Endpoint e) {
        assertEquals(e, new Endpoint(e.host(), e.port()));
        assertEquals(e, Endpoint.parse(e.toString()));
    }

    @Property
    void endpoint_hostThatIsNeitherAnAddressNorAName_isRejected(@ForAll("badHosts") String host, @ForAll @IntRange(min = 1, max = 65535) int port) {
        rejects("host", "format", () -> new Endpoint(host, port));
        if (host.indexOf(':') < 0 && !host.startsWith("[")) {
            rejects("host", "format", () -> Endpoint.parse(host + ":" + port));
        }
    }

    @Property
    void endpoint_portOutOfRange_isRejected(@ForAll("endpoints") Endpoint e, @ForAll("portsOutsideEndpoint") int port) {
        rejects("port", "range", () -> new Endpoint(e.host(), port));
        if (port >= 0 && port <= 99999) {
            rejects("port", "range", () -> Endpoint.parse(new Endpoint(e.host(), 1).toString().replaceAll(":1$", ":" + port)));
        }
    }

    @Property
    void endpoint_textWithoutAValidPort_isRejectedAsFormat(@ForAll("endpoints") Endpoint e, @ForAll("badLengths") String badPort) {
        String bracketed = e.host().indexOf(':') >= 0 ? "[" + e.host() + "]" : e.host();
        rejects("endpoint", "format", () -> Endpoint.parse(bracketed));
        rejects("endpoint", "format", () -> Endpoint.parse(bracketed + ":" + badPort));
        if (e.host().indexOf(':') >= 0) {
            rejects("endpoint", "format", () -> Endpoint.parse(e.host() + ":" + e.port()));
            rejects("endpoint", "format", () -> Endpoint.parse("[" + e.host() + ":" + e.port()));
        }
    }

    @Example
    void endpoint_missingParts_areRejected() {
        rejects("host", "required", () -> new Endpoint(null, 1));
        rejects("endpoint", "required", () -> Endpoint.parse(null));
        rejects("host", "format", () -> Endpoint.parse(":51820"));
        rejects("host", "format", () -> Endpoint.parse("[]:51820"));
    }

    /** Regression: a mistyped address such as 10.0.0.256 was taken for a DNS name. */
    @Example
    void endpoint_mistypedIpv4_isNotTakenForADnsName() {
        rejects("host", "format", () -> Endpoint.parse("10.0.0.256:51820"));
        rejects("host", "format", () -> Endpoint.parse("10.1.1:51820"));
        rejects("endpoint", "format", () -> Endpoint.parse("vpn.example.com:٥١٨٢٠"));
    }

    // ---- WireGuardKey ----------------------------------------------------------------------------------------------

    @Property
    void wireGuardKey_canonicalBase64Of32Bytes_isAccepted(@ForAll("keys") String key) {
        assertSame(key, WireGuardKey.check("publicKey", key));
    }

    @Property
    void wireGuardKey_anythingElse_isRejected(@ForAll("badKeys") Bad<String> bad) {
        rejects("publicKey", bad.rule(), () -> WireGuardKey.check("publicKey", bad.value()));
    }

    /** Regression: keys with the spare bits of the last character set were accepted; wg(8) refuses them. */
    @Example
    void wireGuardKey_spareBitsSet_isRejected() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        assertEquals("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", key);
        rejects("publicKey", "format", () -> WireGuardKey.check("publicKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB="));
    }

    // ---- Protocol and Role -----------------------------------------------------------------------------------------

    @Property
    void protocol_everyNameInAnyAsciiCase_isAccepted(@ForAll Protocol p, @ForAll long caseBits) {
        assertSame(p, Protocol.parse(mixCase(p.wire(), caseBits)));
        assertEquals(p.wire(), p.name().toLowerCase(Locale.ROOT));
    }

    @Property
    void protocol_anyOtherText_isRejectedAsEnum(@ForAll("words") String text) {
        Assume.that(java.util.Arrays.stream(Protocol.values()).noneMatch(v -> v.name().equalsIgnoreCase(text)));
        rejects("protocol", "enum", () -> Protocol.parse(text));
    }

    @Property
    void role_everyNameInAnyAsciiCase_isAccepted(@ForAll Role r, @ForAll long caseBits) {
        assertSame(r, Role.parse(mixCase(r.wire(), caseBits)));
    }

    @Property
    void role_anyOtherText_isRejectedAsEnum(@ForAll("words") String text) {
        Assume.that(java.util.Arrays.stream(Role.values()).noneMatch(v -> v.name().equalsIgnoreCase(text)));
        rejects("role", "enum", () -> Role.parse(text));
    }

    /** Regression: letters that upper-case into ASCII (dotless i, long s) were taken for the ASCII spelling. */
    @Example
    void protocolAndRole_nonAsciiLookalikes_areRejected() {
        rejects("protocol", "enum", () -> Protocol.parse("\u0131cmp"));
        rejects("protocol", "enum", () -> Protocol.parse("udp\u200b"));
        rejects("role", "enum", () -> Role.parse("adm\u0131n"));
        rejects("protocol", "required", () -> Protocol.parse(null));
        rejects("role", "required", () -> Role.parse(null));
    }

    @Example
    void role_atLeast_ordersViewerOperatorAdmin() {
        assertEquals(true, Role.ADMIN.atLeast(Role.OPERATOR) && Role.OPERATOR.atLeast(Role.VIEWER) && !Role.VIEWER.atLeast(Role.OPERATOR));
    }

    private static String mixCase(String s, long bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append((bits >>> (i % 64) & 1) == 1 ? Character.toUpperCase(c) : c);
        }
        return sb.toString();
    }

    // ---- generators ------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<IpPrefix> prefixes() {
        return ModelArbitraries.prefixes();
    }

    @Provide
    Arbitrary<Integer> lengthsOutside() {
        return Arbitraries.oneOf(Arbitraries.integers().between(Integer.MIN_VALUE, -1), Arbitraries.integers().between(1, 2000));
    }

    @Provide
    Arbitrary<String> badHosts() {
        return InvalidArbitraries.hosts();
    }

    @Provide
    Arbitrary<String> badLengths() {
        return Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.of("+8", "-0", " 8", "8 ", "0x10", "٨", "1e1", "8/8"),
                Arbitraries.strings().numeric().ofMinLength(6).ofMaxLength(30).map(s -> "1" + s),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(5));
    }

    @Provide
    Arbitrary<PortRange> portRanges() {
        return ModelArbitraries.portRanges();
    }

    @Provide
    Arbitrary<Integer> portsOutside() {
        return InvalidArbitraries.intsOutside(0, 65535);
    }

    @Provide
    Arbitrary<Integer> portsOutsideEndpoint() {
        return InvalidArbitraries.intsOutside(1, 65535);
    }

    @Provide
    Arbitrary<String> badPortTexts() {
        Arbitrary<String> port = Arbitraries.integers().between(0, 65535).map(Object::toString);
        return Arbitraries.oneOf(Arbitraries.of("", "-", "1-", "-1", "1--2", "1-2-3", "0x50", "+80", "８０", "٤٤٣", "80 443", "1,2"),
                Arbitraries.strings().numeric().ofMinLength(6).ofMaxLength(20),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
                port.list().ofMinSize(3).ofMaxSize(5).map(l -> String.join("-", l)));
    }

    @Provide
    Arbitrary<Endpoint> endpoints() {
        return ModelArbitraries.endpoints();
    }

    @Provide
    Arbitrary<String> keys() {
        return ModelArbitraries.keys();
    }

    @Provide
    Arbitrary<Bad<String>> badKeys() {
        return InvalidArbitraries.keys();
    }

    @Provide
    Arbitrary<String> words() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(10), Arbitraries.strings().alpha().ofMaxLength(10),
                Arbitraries.of("tcp ", " udp", "icmp6", "ipv6-icmp", "all", "*", "administrator", "root", "read-only"));
    }
}
