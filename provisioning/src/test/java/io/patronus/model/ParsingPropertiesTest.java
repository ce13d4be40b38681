package io.patronus.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The string parsers of the model, fed arbitrary text, either parse or fail with a {@link ValidationException}; what
 * they accept is plain ASCII and prints back to a text that parses to the same value.
 */
class ParsingPropertiesTest {

    private static <T> void parsesOrFailsWithValidation(String input, Function<String, T> parser, Function<T, String> print) {
        T value;
        try {
            value = parser.apply(input);
        } catch (ValidationException expected) {
            return;
        } catch (RuntimeException | Error e) {
            fail("parsing '" + input + "' threw " + e, e);
            return;
        }
        assertTrue(input.chars().allMatch(c -> c < 128), "accepted non-ASCII input '" + input + "' as " + value);
        assertEquals(value, parser.apply(print.apply(value)), "the printed form of '" + input + "' parses back");
    }

    private static void allParsers(String s) {
        parsesOrFailsWithValidation(s, IpPrefix::parse, IpPrefix::toString);
        parsesOrFailsWithValidation(s, PortRange::parse, PortRange::toString);
        parsesOrFailsWithValidation(s, Endpoint::parse, Endpoint::toString);
        parsesOrFailsWithValidation(s, Protocol::parse, Protocol::wire);
        parsesOrFailsWithValidation(s, Role::parse, Role::wire);
        parsesOrFailsWithValidation(s, k -> WireGuardKey.check("publicKey", k), k -> k);
    }

    @Property(tries = 3000)
    void anyString_parsesOrFailsWithAValidationException(@ForAll String s) {
        allParsers(s);
    }

    @Property(tries = 3000)
    void addressLikeStrings_parseOrFailWithAValidationException(@ForAll("addressLike") String s) {
        allParsers(s);
    }

    @Property(tries = 1000)
    void randomBytesDecodedAsUtf8_parseOrFailWithAValidationException(@ForAll byte[] raw) {
        allParsers(new String(raw, StandardCharsets.UTF_8));
    }

    @Property(tries = 2000)
    void mutatedValidTexts_parseOrFailWithAValidationException(@ForAll("mutatedValid") String s) {
        allParsers(s);
    }

    @Provide
    Arbitrary<String> addressLike() {
        return Arbitraries.strings().withChars("0123456789abcdefABCDEF:./[]-%+ ").withChars('٣', '８', 'ı').ofMaxLength(50);
    }

    /** Valid prefixes, endpoints and ranges with one character replaced, inserted or deleted. */
    @Provide
    Arbitrary<String> mutatedValid() {
        Arbitrary<String> valid = Arbitraries.oneOf(ModelArbitraries.prefixes().map(Object::toString),
                ModelArbitraries.endpoints().map(Object::toString), ModelArbitraries.portRanges().map(Object::toString),
                ModelArbitraries.keys(), Arbitraries.of("tcp", "udp", "icmpv6", "admin", "viewer"));
        return net.jqwik.api.Combinators.combine(valid, Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, 2),
                Arbitraries.chars().with(":./[]-%0123456789afAF\u0000 \u0660\uff10".toCharArray())).as((s, at, op, c) -> {
            int i = at % (s.length() + 1);
            return switch (op) {
                case 0 -> s.substring(0, i) + c + s.substring(i);
                case 1 -> i < s.length() ? s.substring(0, i) + c + s.substring(i + 1) : s + c;
                default -> i < s.length() ? s.substring(0, i) + s.substring(i + 1) : s;
            };
        });
    }
}
