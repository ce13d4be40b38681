package io.patronus.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/** The string parsers of the model, fed arbitrary text, either parse or fail with a {@link ValidationException}. */
class ParsingPropertiesTest {
    private static void onlyValidationErrors(String input, Function<String, ?> parser) {
        try {
            parser.apply(input);
        } catch (ValidationException expected) {
            // the only allowed failure
        } catch (RuntimeException e) {
            fail("parsing '" + input + "' threw " + e);
        }
    }

    @Property(tries = 2000)
    void anyString_parsesOrFailsWithAValidationException(@ForAll String s) {
        onlyValidationErrors(s, IpPrefix::parse);
        onlyValidationErrors(s, PortRange::parse);
        onlyValidationErrors(s, Endpoint::parse);
        onlyValidationErrors(s, Protocol::parse);
        onlyValidationErrors(s, Role::parse);
        onlyValidationErrors(s, k -> WireGuardKey.check("publicKey", k));
    }

    @Property(tries = 2000)
    void addressLikeStrings_parseOrFailWithAValidationException(@ForAll("addressLike") String s) {
        onlyValidationErrors(s, IpPrefix::parse);
        onlyValidationErrors(s, Endpoint::parse);
        onlyValidationErrors(s, PortRange::parse);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> addressLike() {
        return net.jqwik.api.Arbitraries.strings().withChars("0123456789abcdef:./[]-%").ofMaxLength(50);
    }
}
