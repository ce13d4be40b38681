package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a user may do: viewers read, operators also change the network, admins also manage users. */
public enum Role {
    VIEWER, OPERATOR, ADMIN;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    @JsonCreator
    public static Role parse(String text) {
        Check.required("role", text);
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("role", "enum", "must be one of viewer, operator, admin, was '" + Check.clip(text) + "'");
        }
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
