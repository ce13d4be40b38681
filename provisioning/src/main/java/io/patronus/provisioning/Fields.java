package io.patronus.provisioning;

import io.patronus.model.ValidationException;

import java.util.List;
import java.util.function.Supplier;

/** Validation of the protocol records' fields; each failure is {@code invalid_request} naming the field. */
final class Fields {
    static final String CODE = "invalid_request";

    private Fields() {
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw ProvisioningException.field(CODE, field, "is required");
        }
        return value;
    }

    /** Non-blank text without control characters, at most {@code max} characters. */
    static String text(String field, String value, int max) {
        checkLength(field, value, max);
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw ProvisioningException.field(CODE, field, "must not contain control characters");
        }
        return value;
    }

    /** Non-blank multi-line text (PEM), at most {@code max} characters. */
    static String pem(String field, String value, int max) {
        checkLength(field, value, max);
        if (!value.contains("-----BEGIN ")) {
            throw ProvisioningException.field(CODE, field, "must be PEM text starting with -----BEGIN");
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw ProvisioningException.field(CODE, field, "must be at least " + min + ", was " + value);
        }
        return value;
    }

    static <T> List<T> list(String field, List<T> value, int max) {
        return model(field, () -> io.patronus.model.Check.list(field, value, max));
    }

    /** Runs a model check and reports its {@link ValidationException} as {@code invalid_request} under {@code field}. */
    static <T> T model(String field, Supplier<T> check) {
        try {
            return check.get();
        } catch (ValidationException e) {
            String name = e.field().equals(field) || e.field().startsWith(field + ".") || e.field().startsWith(field + "[")
                    ? e.field() : field + "." + e.field();
            throw ProvisioningException.field(CODE, name, e.detail());
        }
    }

    private static void checkLength(String field, String value, int max) {
        required(field, value);
        if (value.isBlank()) {
            throw ProvisioningException.field(CODE, field, "must not be blank");
        }
        if (value.length() > max) {
            throw ProvisioningException.field(CODE, field, "must be at most " + max + " characters, was " + value.length());
        }
    }
}
