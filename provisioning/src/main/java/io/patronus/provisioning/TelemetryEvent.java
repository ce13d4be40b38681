package io.patronus.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.time.Instant;

/** One operational or audit event from the appliance's log, identified by its log sequence. */
public record TelemetryEvent(long sequence, Instant at, String kind, JsonNode body) {
    public TelemetryEvent {
        Fields.atLeast("sequence", sequence, 0);
        Fields.required("at", at);
        Fields.text("kind", kind, 64);
        body = body == null ? NullNode.getInstance() : body;
    }
}
