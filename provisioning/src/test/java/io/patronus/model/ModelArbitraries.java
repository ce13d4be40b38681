package io.patronus.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Generators of valid model values, shared by the property tests. */
final class ModelArbitraries {
    private ModelArbitraries() {
    }

    /** Any text {@link Check#text} accepts for a field of at most {@code max} characters, from any script. */
    static Arbitrary<String> texts(int max) {
        Arbitrary<String> any = Arbitraries.strings().ofMinLength(1).ofMaxLength(Math.min(max, 60))
                .filter(s -> !s.isBlank() && s.chars().noneMatch(Character::isISOControl));
        Arbitrary<String> longest = Arbitraries.strings().alpha().numeric().withChars(' ', '-', 'é').ofLength(max)
                .filter(s -> !s.isBlank());
        return Arbitraries.frequencyOf(Tuple.of(9, any), Tuple.of(1, longest));
    }

    static Arbitrary<String> ids() {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('0', '9');
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-').ofMaxLength(62);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    static Arbitrary<String> colours() {
        return Combinators.combine(Arbitraries.chars().range('a', 'z'),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofMaxLength(11)).as((f, r) -> f + r);
    }

    static Arbitrary<String> ifaces() {
        return Combinators.combine(Arbitraries.chars().range('a', 'z').range('A', 'Z').range('0', '9'),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars("._-")
                        .ofMaxLength(14)).as((f, r) -> f + r);
    }

    /** Canonical base64 of 32 random bytes, as {@code wg genkey} prints them. */
    static Arbitrary<String> keys() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32).map(b -> Base64.getEncoder().encodeToString(b));
    }

    /** Instants with nanosecond precision between 1970 and 2100. */
    static Arbitrary<Instant> instants() {
        return Combinators.combine(Arbitraries.longs().between(0, 4_102_444_800L), Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond);
    }

    static Arbitrary<IpPrefix> ipv4Prefixes() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(4), Arbitraries.integers().between(0, 32))
                .as(ModelArbitraries::masked);
    }

    /** IPv6 prefixes, including IPv4-mapped ({@code ::ffff:0:0/96}) and IPv4-compatible ones that the JDK treats specially. */
    static Arbitrary<IpPrefix> ipv6Prefixes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<byte[]> mapped = Arbitraries.bytes().array(byte[].class).ofSize(4).map(v4 -> {
            byte[] a = new byte[16];
            a[10] = (byte) 0xff;
            a[11] = (byte) 0xff;
            System.arraycopy(v4, 0, a, 12, 4);
            return a;
        });
        Arbitrary<byte[]> compatible = Arbitraries.bytes().array(byte[].class).ofSize(4).map(v4 -> {
            byte[] a = new byte[16];
            System.arraycopy(v4, 0, a, 12, 4);
            return a;
        });
        return Combinators.combine(Arbitraries.frequencyOf(Tuple.of(8, random), Tuple.of(1, mapped), Tuple.of(1, compatible)),
                Arbitraries.integers().between(0, 128)).as(ModelArbitraries::masked);
    }

    /** Any prefix, IPv4 or IPv6, host bits cleared. */
    static Arbitrary<IpPrefix> prefixes() {
        return Arbitraries.oneOf(ipv4Prefixes(), ipv6Prefixes());
    }

    static IpPrefix masked(byte[] addr, int len) {
        byte[] a = addr.clone();
        for (int bit = len; bit < a.length * 8; bit++) {
            a[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpPrefix(a, len);
    }

    /** Non-overlapping LAN prefixes: distinct /24s under 10.0.0.0/8 and /32s under fd00::/16, mixed. */
    static Arbitrary<List<IpPrefix>> lanPrefixes() {
        return Arbitraries.integers().between(0, 65535).set().ofMaxSize(8).map(set -> {
            List<IpPrefix> out = new ArrayList<>();
            for (int n : set) {
                out.add(n % 2 == 0 ? IpPrefix.parse("10." + (n >> 8) + "." + (n & 255) + ".0/24")
                        : IpPrefix.parse("fd00:" + Integer.toHexString(n) + "::/32"));
            }
            return out;
        });
    }

    /** DNS names: 1-4 labels of letters, digits and inner dashes, the last one not all digits. */
    static Arbitrary<String> hostnames() {
        Arbitrary<String> label = Combinators.combine(Arbitraries.chars().range('a', 'z').range('A', 'Z').range('0', '9'),
                        Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-').ofMaxLength(20),
                        Arbitraries.chars().range('a', 'z').range('0', '9'))
                .as((f, mid, last) -> f + mid + last);
        Arbitrary<String> top = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10);
        return Combinators.combine(label.list().ofMaxSize(3), top).as((ls, t) -> ls.isEmpty() ? t : String.join(".", ls) + "." + t);
    }

    static Arbitrary<String> ipv4Hosts() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4).map(ModelArbitraries::hostAddress);
    }

    static Arbitrary<String> ipv6Hosts() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(16).map(ModelArbitraries::hostAddress),
                Arbitraries.of("::1", "::", "2001:db8::1", "fd00::5", "::ffff:192.0.2.1", "fe80::1:2:3:4"));
    }

    static String hostAddress(byte[] raw) {
        try {
            return raw.length == 4 ? InetAddress.getByAddress(raw).getHostAddress()
                    : java.net.Inet6Address.getByAddress(null, raw, -1).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static Arbitrary<Endpoint> endpoints() {
        return Combinators.combine(Arbitraries.oneOf(ipv4Hosts(), ipv6Hosts(), hostnames()), Arbitraries.integers().between(1, 65535))
                .as(Endpoint::new);
    }

    static Arbitrary<Site> sites() {
        Arbitrary<Map<String, Endpoint>> eps = Arbitraries.maps(colours(), endpoints()).ofMaxSize(16);
        Arbitrary<String> locations = Arbitraries.oneOf(Arbitraries.just(""), texts(256));
        return Combinators.combine(ids(), texts(128), locations, keys(), eps, lanPrefixes(), Arbitraries.of(SiteStatus.class), instants())
                .as(Site::new);
    }

    static Arbitrary<Link> links() {
        return Combinators.combine(ids(), ifaces(), colours(), Arbitraries.integers().between(0, 1000),
                Arbitraries.longs().between(1, 1_000_000_000L)).as(Link::new);
    }

    static Arbitrary<PortRange> portRanges() {
        return Arbitraries.integers().between(0, 65535).list().ofSize(2)
                .map(l -> new PortRange(Math.min(l.get(0), l.get(1)), Math.max(l.get(0), l.get(1))));
    }

    static Arbitrary<PolicyMatch> matches() {
        return Arbitraries.of(Protocol.class).flatMap(ModelArbitraries::matches);
    }

    static Arbitrary<PolicyMatch> matches(Protocol p) {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 63).set().ofMaxSize(8).map(List::copyOf),
                        prefixes().list().ofMaxSize(4), prefixes().list().ofMaxSize(4),
                        p.hasPorts() ? portRanges().list().ofMaxSize(4) : Arbitraries.just(List.<PortRange>of()),
                        p.hasPorts() ? portRanges().list().ofMaxSize(4) : Arbitraries.just(List.<PortRange>of()))
                .as((d, sp, dp, sports, dports) -> new PolicyMatch(d, p, sp, dp, sports, dports));
    }

    static Arbitrary<PolicyAction.Route> routes() {
        return Combinators.combine(colours(), colours(), Arbitraries.integers().between(0, 100))
                .filter((a, b, t) -> !a.equals(b)).as(PolicyAction.Route::new);
    }

    static Arbitrary<PolicyAction.RateLimit> rateLimits() {
        return Arbitraries.longs().between(1, 100_000_000L).map(PolicyAction.RateLimit::new);
    }

    static Arbitrary<PolicyAction> actions() {
        return Arbitraries.oneOf(routes(), rateLimits(), Arbitraries.just(new PolicyAction.Drop()));
    }

    static Arbitrary<Policy> policies(Arbitrary<? extends PolicyAction> actions) {
        return Combinators.combine(ids(), texts(128), Arbitraries.integers().between(1, 65535), matches(), actions)
                .as(Policy::new);
    }

    static Arbitrary<Policy> policies() {
        return policies(actions());
    }

    static Arbitrary<Path> paths() {
        Arbitrary<List<String>> ends = Combinators.combine(ids(), ids(), colours()).as(List::of);
        return Combinators.combine(ends, Arbitraries.doubles().between(0, 600_000),
                        Arbitraries.doubles().between(0, 100), Arbitraries.doubles().between(0, 600_000),
                        Arbitraries.integers().between(0, 100), Arbitraries.of(PathStatus.class), instants().optional())
                .as((e, lat, loss, jit, score, st, at) -> new Path(null, e.get(0), e.get(1), e.get(2), lat, loss, jit, score, st, at));
    }

    /** SLA classes with and without their own probe interval and detect multiplier (edges included). */
    static Arbitrary<SlaClass> slaClasses() {
        Arbitrary<OptionalInt> interval = Arbitraries.integers().between(SlaClass.MIN_PROBE_INTERVAL_MS, SlaClass.MAX_PROBE_INTERVAL_MS)
                .edgeCases(c -> c.includeOnly(SlaClass.MIN_PROBE_INTERVAL_MS, 100, SlaClass.MAX_PROBE_INTERVAL_MS))
                .map(OptionalInt::of).injectNull(0.3).map(o -> o == null ? OptionalInt.empty() : o);
        Arbitrary<OptionalInt> multiplier = Arbitraries.integers().between(SlaClass.MIN_DETECT_MULTIPLIER, SlaClass.MAX_DETECT_MULTIPLIER)
                .map(OptionalInt::of).injectNull(0.3).map(o -> o == null ? OptionalInt.empty() : o);
        return Combinators.combine(ids(), Arbitraries.doubles().between(0.1, 60_000), Arbitraries.doubles().between(0, 100),
                Arbitraries.doubles().between(0, 60_000), interval, multiplier).as(SlaClass::new);
    }

    static Arbitrary<String> passwordHashes() {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars("+/$=,")
                .ofMinLength(10).ofMaxLength(100).map(h -> "$argon2id$v=19$m=19456,t=2,p=1$" + h);
    }

    static Arbitrary<User> users() {
        return Combinators.combine(ids(), Arbitraries.of(Role.class), passwordHashes(), instants()).as(User::new);
    }

    static Arbitrary<AuditEvent> auditEvents() {
        return Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE), instants(), texts(128), texts(64), texts(256),
                        texts(32), Arbitraries.oneOf(Arbitraries.just(""), texts(4096)))
                .as(AuditEvent::new);
    }
}
