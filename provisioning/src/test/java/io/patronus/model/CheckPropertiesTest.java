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

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.patronus.model.Rejections.rejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The validation primitives every record uses: each accepts what it should and names field and rule otherwise. */
class CheckPropertiesTest {

    @Property
    void required_anyValue_isReturnedAsIs(@ForAll String value) {
        assertSame(value, Check.required("f", value));
    }

    @Example
    void required_null_isRejectedAsRequired() {
        rejects("f", "required", () -> Check.required("f", null));
    }

    @Property
    void text_printableNonBlankTextUpToTheMaximum_isAccepted(@ForAll("texts") String text) {
        assertSame(text, Check.text("f", text, 128));
    }

    @Property
    void text_missingBlankTooLongOrControl_isRejectedNamingTheRule(@ForAll("badTexts") BadText bad,
                                                                     @ForAll @IntRange(min = 2, max = 300) int max) {
        rejects("f", bad.rule(), () -> Check.text("f", bad.value(max), max));
    }

    @Property
    void optionalText_absentOrEmpty_becomesEmpty_elseFollowsText(@ForAll("badOptionalTexts") BadText bad,
                                                                   @ForAll @IntRange(min = 2, max = 300) int max) {
        assertEquals("", Check.optionalText("f", null, max));
        assertEquals("", Check.optionalText("f", "", max));
        rejects("f", bad.rule(), () -> Check.optionalText("f", bad.value(max), max));
    }

    @Property
    void id_validIds_areAccepted(@ForAll("ids") String id) {
        assertSame(id, Check.id("f", id));
    }

    @Property
    void id_anythingElse_isRejected(@ForAll("badIds") Bad<String> bad) {
        rejects("f", bad.rule(), () -> Check.id("f", bad.value()));
    }

    @Property
    void colour_validColours_areAccepted(@ForAll("colours") String colour) {
        assertSame(colour, Check.colour("f", colour));
    }

    @Property
    void colour_anythingElse_isRejected(@ForAll("badColours") Bad<String> bad) {
        rejects("f", bad.rule(), () -> Check.colour("f", bad.value()));
    }

    @Property
    void rangeInt_insideIsAccepted_outsideIsRejected(@ForAll int a, @ForAll int b, @ForAll int value) {
        int min = Math.min(a, b);
        int max = Math.max(a, b);
        if (value >= min && value <= max) {
            assertEquals(value, Check.range("f", value, min, max));
        } else {
            rejects("f", "range", () -> Check.range("f", value, min, max));
        }
    }

    @Property
    void rangeLong_insideIsAccepted_outsideIsRejected(@ForAll long a, @ForAll long b, @ForAll long value) {
        long min = Math.min(a, b);
        long max = Math.max(a, b);
        if (value >= min && value <= max) {
            assertEquals(value, Check.range("f", value, min, max));
        } else {
            rejects("f", "range", () -> Check.range("f", value, min, max));
        }
    }

    @Property
    void rangeDouble_insideIsAccepted_outsideAndNaNAreRejected(@ForAll("finite") double a, @ForAll("finite") double b,
                                                               @ForAll double value) {
        double min = Math.min(a, b);
        double max = Math.max(a, b);
        if (value >= min && value <= max) {
            assertEquals(value, Check.range("f", value, min, max));
        } else {
            rejects("f", "range", () -> Check.range("f", value, min, max));
        }
    }

    @Property
    void list_upToTheMaximum_isCopiedImmutably(@ForAll List<@net.jqwik.api.constraints.IntRange(max = 9) Integer> values) {
        List<Integer> source = new ArrayList<>(values);
        List<Integer> copy = Check.list("f", source, values.size());
        source.add(1);
        assertEquals(values, copy);
        assertThrows(UnsupportedOperationException.class, () -> copy.add(1));
        assertEquals(List.of(), Check.list("f", null, 0));
    }

    @Property
    void list_longerThanTheMaximum_isRejectedAsSize(@ForAll @net.jqwik.api.constraints.Size(min = 1) List<Integer> values) {
        rejects("f", "size", () -> Check.list("f", values, values.size() - 1));
    }

    @Property
    void list_nullElement_isRejectedNamingItsIndex(@ForAll List<Integer> values, @ForAll @IntRange(max = 1000) int at) {
        List<Integer> withNull = new ArrayList<>(values);
        int i = at % (values.size() + 1);
        withNull.add(i, null);
        rejects("f[" + i + "]", "required", () -> Check.list("f", withNull, withNull.size()));
    }

    @Property
    void map_upToTheMaximum_isCopied_longerOrWithNullsIsRejected(@ForAll Map<String, Integer> values) {
        assertEquals(values, Check.map("f", values, values.size()));
        assertEquals(Map.of(), Check.map("f", null, 0));
        if (!values.isEmpty()) {
            rejects("f", "size", () -> Check.map("f", values, values.size() - 1));
        }
        Map<String, Integer> nullValue = new HashMap<>(values);
        nullValue.put("k", null);
        rejects("f", "required", () -> Check.map("f", nullValue, nullValue.size()));
        Map<String, Integer> nullKey = new HashMap<>(values);
        nullKey.put(null, 1);
        rejects("f", "required", () -> Check.map("f", nullKey, nullKey.size()));
    }

    @Property
    void unique_distinctValues_areAccepted_aRepeatIsNamedAtItsSecondIndex(@ForAll java.util.Set<Integer> distinct,
                                                                          @ForAll @IntRange(max = 1000) int pick) {
        List<Integer> values = new ArrayList<>(distinct);
        Check.unique("f", values);
        Assume.that(!values.isEmpty());
        Collections.shuffle(values, new java.util.Random(pick));
        int first = pick % values.size();
        List<Integer> repeated = new ArrayList<>(values);
        repeated.add(values.get(first));
        rejects("f[" + values.size() + "]", "unique", () -> {
            Check.unique("f", repeated);
            return null;
        });
    }

    @Provide
    Arbitrary<String> texts() {
        return ModelArbitraries.texts(128);
    }

    @Provide
    Arbitrary<BadText> badTexts() {
        return InvalidArbitraries.texts();
    }

    @Provide
    Arbitrary<BadText> badOptionalTexts() {
        return InvalidArbitraries.optionalTexts();
    }

    @Provide
    Arbitrary<String> ids() {
        return ModelArbitraries.ids();
    }

    @Provide
    Arbitrary<Bad<String>> badIds() {
        return InvalidArbitraries.ids();
    }

    @Provide
    Arbitrary<String> colours() {
        return ModelArbitraries.colours();
    }

    @Provide
    Arbitrary<Bad<String>> badColours() {
        return InvalidArbitraries.colours();
    }

    @Provide
    Arbitrary<Double> finite() {
        return Arbitraries.doubles().between(-1e9, 1e9);
    }
}
