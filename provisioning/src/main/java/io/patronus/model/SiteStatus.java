package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a site takes part in the mesh; an inactive site keeps its record but gets no tunnels. */
public enum SiteStatus {
    ACTIVE, INACTIVE;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
