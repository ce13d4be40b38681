package io.patronus.model;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one assertion of the validation properties: a rejection is a {@link ValidationException} naming field and rule. */
final class Rejections {
    private Rejections() {
    }

    /**
     * Asserts that {@code construct} throws a {@link ValidationException} (any other exception type fails the test)
     * for {@code field} and {@code rule}, with a message that starts with the field.
     */
    static ValidationException rejects(String field, String rule, Supplier<?> construct) {
        ValidationException e = assertThrows(ValidationException.class, construct::get);
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(rule, e.rule(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        assertEquals(e.getMessage(), field + ": " + e.detail());
        return e;
    }
}
