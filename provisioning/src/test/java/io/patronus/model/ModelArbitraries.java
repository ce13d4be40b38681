package io.patronus.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Generators of valid model values, shared by the property tests. */
final class ModelArbitraries {
    private ModelArbitraries() {
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

    static Arbitrary<String> keys() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32).map(b -> Base64.getEncoder().encodeToString(b));
    }

    static Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(0, 4_102_444_800_000L).map(Instant::ofEpochMilli);
    }

    /** Any prefix, IPv4 or IPv6, host bits cleared. */
    static Arbitrary<IpPrefix> prefixes() {
        Arbitrary<IpPrefix> v4 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.integers().between(0, 32)).as(ModelArbitraries::masked);
        Arbitrary<IpPrefix> v6 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(16),
                Arbitraries.integers().between(0, 128)).as(ModelArbitraries::masked);
        return Arbitraries.oneOf(v4, v6);
    }

    static IpPrefix masked(byte[] addr, int len) {
        byte[] a = addr.clone();
        for (int bit = len; bit < a.length * 8; bit++) {
            a[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpPrefix(a, len);
    }

    /** Non-overlapping LAN prefixes: distinct /24s under 10.0.0.0/8 and /48s under fd00::/8. */
    static Arbitrary<List<IpPrefix>> lanPrefixes() {
        return Arbitraries.integers().between(0, 65535).set().ofMaxSize(6).map(set -> {
            List<IpPrefix> out = new ArrayList<>();
            for (int n : set) {
                out.add(n % 2 == 0 ? IpPrefix.parse("10." + (n >> 8) + "." + (n & 255) + ".0/24")
                        : IpPrefix.parse("fd00:" + Integer.toHexString(n) + "::/32"));
            }
            return out;
        });
    }

    static Arbitrary<Endpoint> endpoints() {
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20).list()
                .ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l));
        Arbitrary<String> v6 = Arbitraries.of("2001:db8::1", "fd00::5", "::1");
        return Combinators.combine(Arbitraries.oneOf(v4, names, v6), Arbitraries.integers().between(1, 65535)).as(Endpoint::new);
    }

    static Arbitrary<Site> sites() {
        Arbitrary<Map<String, Endpoint>> eps = Arbitraries.maps(colours(), endpoints()).ofMaxSize(4);
        return Combinators.combine(ids(), Arbitraries.strings().alpha().numeric().withChars(' ', '-').ofMinLength(1).ofMaxLength(40)
                        .filter(s -> !s.isBlank()), Arbitraries.strings().alpha().ofMaxLength(30), keys(), eps, lanPrefixes(),
                Arbitraries.of(SiteStatus.class), instants())
                .as(Site::new);
    }

    static Arbitrary<Link> links() {
        return Combinators.combine(ids(), Arbitraries.of("eth0", "wwan0", "enp3s0", "lte1"), colours(),
                Arbitraries.integers().between(0, 1000), Arbitraries.longs().between(1, 1_000_000_000L)).as(Link::new);
    }

    static Arbitrary<PortRange> portRanges() {
        return Arbitraries.integers().between(0, 65535).list().ofSize(2)
                .map(l -> new PortRange(Math.min(l.get(0), l.get(1)), Math.max(l.get(0), l.get(1))));
    }

    static Arbitrary<PolicyMatch> matches() {
        Arbitrary<Protocol> protocols = Arbitraries.of(Protocol.class);
        return protocols.flatMap(p -> Combinators.combine(
                Arbitraries.integers().between(0, 63).set().ofMaxSize(5).map(List::copyOf),
                prefixes().list().ofMaxSize(3), prefixes().list().ofMaxSize(3),
                p.hasPorts() ? portRanges().list().ofMaxSize(3) : Arbitraries.just(List.<PortRange>of()),
                p.hasPorts() ? portRanges().list().ofMaxSize(3) : Arbitraries.just(List.<PortRange>of()))
                .as((d, sp, dp, sports, dports) -> new PolicyMatch(d, p, sp, dp, sports, dports)));
    }

    static Arbitrary<PolicyAction> actions() {
        Arbitrary<PolicyAction> route = Combinators.combine(colours(), colours(), Arbitraries.integers().between(0, 100))
                .filter((a, b, t) -> !a.equals(b)).as(PolicyAction.Route::new);
        Arbitrary<PolicyAction> rate = Arbitraries.longs().between(1, 100_000_000L).map(PolicyAction.RateLimit::new);
        return Arbitraries.oneOf(route, rate, Arbitraries.just(new PolicyAction.Drop()));
    }

    static Arbitrary<Policy> policies() {
        return Combinators.combine(ids(), Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30),
                Arbitraries.integers().between(1, 65535), matches(), actions()).as(Policy::new);
    }

    static Arbitrary<Path> paths() {
        Arbitrary<List<String>> ends = Combinators.combine(ids(), ids(), colours()).as(List::of);
        return Combinators.combine(ends, Arbitraries.doubles().between(0, 10_000),
                Arbitraries.doubles().between(0, 100), Arbitraries.doubles().between(0, 1000), Arbitraries.integers().between(0, 100),
                Arbitraries.of(PathStatus.class), instants().optional())
                .as((e, lat, loss, jit, score, st, at) -> new Path(null, e.get(0), e.get(1), e.get(2), lat, loss, jit, score, st, at));
    }

    static Arbitrary<SlaClass> slaClasses() {
        return Combinators.combine(ids(), Arbitraries.doubles().between(0.1, 60_000), Arbitraries.doubles().between(0, 100),
                Arbitraries.doubles().between(0, 60_000)).as(SlaClass::new);
    }

    static Arbitrary<User> users() {
        return Combinators.combine(ids(), Arbitraries.of(Role.class), Arbitraries.strings().alpha().numeric().ofMinLength(10).ofMaxLength(60),
                instants()).as((u, r, h, at) -> new User(u, r, "$argon2id$v=19$m=19456,t=2,p=1$" + h, at));
    }

    static Arbitrary<AuditEvent> auditEvents() {
        return Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE), instants(), ids(),
                Arbitraries.of("login", "site.put", "policy.delete"), ids().map(i -> "site/" + i),
                Arbitraries.of("success", "failure"), Arbitraries.strings().alpha().ofMaxLength(100))
                .as(AuditEvent::new);
    }

    static Optional<Instant> none() {
        return Optional.empty();
    }
}
