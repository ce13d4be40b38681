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
        // toUpperCase also turns some non-ASCII letters into ASCII ones (dotless i into I): take ASCII spellings only.
        if (text.chars().allMatch(c -> c < 128)) {
            for (Role v : values()) {
                if (v.name().equalsIgnoreCase(text)) {
                    return v;
                }
            }
        }
        throw new ValidationException("role", "enum", "must be one of viewer, operator, admin, was '" + Check.clip(text) + "'");
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
