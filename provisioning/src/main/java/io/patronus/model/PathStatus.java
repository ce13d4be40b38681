package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** Health state of a path: {@code UNKNOWN} until its first measurement. */
public enum PathStatus {
    UP, DEGRADED, DOWN, UNKNOWN;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
