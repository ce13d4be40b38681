package io.patronus.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Base64;

/**
 * Generators of values that break one validation rule, each paired with the rule it breaks, so that a property can
 * check that the model names both the field and the rule.
 */
final class InvalidArbitraries {
    private InvalidArbitraries() {
    }

    /** A value and the rule ({@code required}, {@code format}, {@code range}...) it breaks. */
    record Bad<T>(T value, String rule) {
    }

    /** How a text can break {@link Check#text}; {@link #value} shapes it for a field of a given maximum length. */
    record BadText(Kind kind, String content, char control) {
        enum Kind { MISSING, BLANK, TOO_LONG, CONTROL }

        String value(int max) {
            return switch (kind) {
                case MISSING -> null;
                case BLANK -> content;
                case TOO_LONG -> "x".repeat(max + 1) + content;
                case CONTROL -> "a" + control + content.substring(0, Math.min(content.length(), max - 2));
            };
        }

        String rule() {
            return switch (kind) {
                case MISSING, BLANK -> "required";
                case TOO_LONG -> "length";
                case CONTROL -> "format";
            };
        }
    }

    /** Texts breaking {@link Check#text}: missing, blank, too long, or holding a control character. */
    static Arbitrary<BadText> texts() {
        Arbitrary<String> printable = Arbitraries.strings().alpha().numeric().withChars(" éß中").ofMaxLength(20);
        Arbitrary<String> blank = Arbitraries.strings().withChars(" \t\n\r\u2003\u3000").ofMinLength(1).ofMaxLength(10);
        Arbitrary<Character> control = Arbitraries.chars().range('\u0000', '\u001f').range('\u007f', '\u009f');
        return Arbitraries.oneOf(
                Arbitraries.just(new BadText(BadText.Kind.MISSING, "", ' ')),
                blank.map(b -> new BadText(BadText.Kind.BLANK, b, ' ')),
                printable.map(p -> new BadText(BadText.Kind.TOO_LONG, p, ' ')),
                Combinators.combine(printable, control).as((p, c) -> new BadText(BadText.Kind.CONTROL, p, c)));
    }

    /** Like {@link #texts()} without the missing ones, for {@link Check#optionalText} where absent means empty. */
    static Arbitrary<BadText> optionalTexts() {
        return texts().filter(t -> t.kind() != BadText.Kind.MISSING);
    }

    /** Strings that are not identifiers ({@link Check#ID}): wrong characters, leading dash, too long, empty, missing. */
    static Arbitrary<Bad<String>> ids() {
        Arbitrary<String> random = Arbitraries.strings().ofMaxLength(70).filter(s -> !Check.ID.matcher(s).matches());
        Arbitrary<String> upper = ModelArbitraries.ids().map(s -> s.toUpperCase(java.util.Locale.ROOT)).filter(s -> !s.equals(s.toLowerCase(java.util.Locale.ROOT)));
        Arbitrary<String> leadingDash = ModelArbitraries.ids().map(s -> "-" + s);
        Arbitrary<String> tooLong = Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(63).ofMaxLength(100).map(s -> "a" + s);
        Arbitrary<String> withOther = Combinators.combine(ModelArbitraries.ids(), Arbitraries.of('_', '.', ' ', '/', ':', 'é', '\n'))
                .as((s, c) -> s + c);
        return Arbitraries.oneOf(Arbitraries.oneOf(random, upper, leadingDash, tooLong, withOther, Arbitraries.just(""))
                .map(s -> new Bad<>(s, "format")), Arbitraries.just(new Bad<>(null, "required")));
    }

    /** Strings that are not colours ({@link Check#COLOUR}). */
    static Arbitrary<Bad<String>> colours() {
        Arbitrary<String> random = Arbitraries.strings().ofMaxLength(20).filter(s -> !Check.COLOUR.matcher(s).matches());
        Arbitrary<String> leadingDigit = Combinators.combine(Arbitraries.chars().range('0', '9'), ModelArbitraries.colours())
                .as((d, c) -> d + c);
        Arbitrary<String> tooLong = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(13).ofMaxLength(30);
        Arbitrary<String> withOther = Combinators.combine(ModelArbitraries.colours(), Arbitraries.of('-', '_', 'A', ' ', '.'))
                .as((s, c) -> s + c);
        return Arbitraries.oneOf(Arbitraries.oneOf(random, leadingDigit, tooLong, withOther, Arbitraries.just(""))
                .map(s -> new Bad<>(s, "format")), Arbitraries.just(new Bad<>(null, "required")));
    }

    /** Strings that are not canonical base64 of 32 bytes. */
    static Arbitrary<Bad<String>> keys() {
        Arbitrary<String> random = Arbitraries.strings().ofMaxLength(60);
        Arbitrary<String> wrongSize = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).filter(b -> b.length != 32)
                .map(b -> Base64.getEncoder().encodeToString(b));
        Arbitrary<String> urlAlphabet = ModelArbitraries.keys().filter(k -> k.indexOf('+') >= 0 || k.indexOf('/') >= 0)
                .map(k -> k.replace('+', '-').replace('/', '_'));
        Arbitrary<String> spareBits = Combinators.combine(ModelArbitraries.keys(), Arbitraries.integers().between(1, 3))
                .as((k, bits) -> {
                    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                    int last = alphabet.indexOf(k.charAt(42)) ^ bits;
                    return k.substring(0, 42) + alphabet.charAt(last) + "=";
                });
        Arbitrary<String> unpadded = ModelArbitraries.keys().map(k -> k.substring(0, 43));
        return Arbitraries.oneOf(Arbitraries.oneOf(random, wrongSize, urlAlphabet, spareBits, unpadded)
                .filter(s -> !isKey(s)).map(s -> new Bad<>(s, "format")), Arbitraries.just(new Bad<>(null, "required")));
    }

    private static boolean isKey(String s) {
        try {
            byte[] raw = Base64.getDecoder().decode(s);
            return raw.length == 32 && Base64.getEncoder().encodeToString(raw).equals(s);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Host strings that are neither an IP literal nor a DNS name. */
    static Arbitrary<String> hosts() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10);
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                label.map(l -> "-" + l),
                label.map(l -> l + "-"),
                label.map(l -> l + ".." + l),
                label.map(l -> l + "."),
                label.map(l -> "." + l),
                Combinators.combine(label, Arbitraries.of('_', ' ', '/', '@', '!', 'é', '*', '%')).as((l, c) -> l + c + l),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(64).ofMaxLength(80),
                Arbitraries.strings().withCharRange('a', 'z').ofLength(50).list().ofSize(6).map(l -> String.join(".", l)),
                Arbitraries.integers().between(256, 999).map(n -> "10.0.0." + n),
                Arbitraries.integers().between(0, 255).map(n -> "10.0." + n),
                Arbitraries.integers().between(0, 99999).map(Object::toString),
                Arbitraries.of("1:2:3", "::g", "1::2::3", "fe80::1%eth0", ".1:2", "12345::", "[::1]", "١٠.0.0.1", "１.2.3.4"));
    }

    /** Interface names Linux would refuse: empty, longer than 15, or with characters outside {@code [a-zA-Z0-9._-]}. */
    static Arbitrary<String> ifaces() {
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(16).ofMaxLength(30),
                ModelArbitraries.ifaces().filter(s -> s.length() < 15).map(s -> s + "/"),
                ModelArbitraries.ifaces().filter(s -> s.length() < 15).map(s -> s + " "),
                ModelArbitraries.ifaces().filter(s -> s.length() < 15).map(s -> "." + s),
                ModelArbitraries.ifaces().filter(s -> s.length() < 15).map(s -> "-" + s),
                ModelArbitraries.ifaces().filter(s -> s.length() < 15).map(s -> s + "é"));
    }

    /** Integers outside {@code [min, max]}. */
    static Arbitrary<Integer> intsOutside(int min, int max) {
        return Arbitraries.oneOf(Arbitraries.integers().between(Integer.MIN_VALUE, min - 1),
                Arbitraries.integers().between(max + 1, Integer.MAX_VALUE), Arbitraries.of(min - 1, max + 1));
    }

    static Arbitrary<Long> longsOutside(long min, long max) {
        return Arbitraries.oneOf(Arbitraries.longs().between(Long.MIN_VALUE, min - 1),
                Arbitraries.longs().between(max + 1, Long.MAX_VALUE), Arbitraries.of(min - 1, max + 1));
    }

    /** Doubles outside {@code [min, max]}, with NaN and the infinities. */
    static Arbitrary<Double> doublesOutside(double min, double max) {
        return Arbitraries.oneOf(Arbitraries.doubles().between(-1e12, min).filter(d -> d < min),
                Arbitraries.doubles().between(max, 1e12).filter(d -> d > max),
                Arbitraries.of(Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Math.nextDown(min), Math.nextUp(max)));
    }
}
