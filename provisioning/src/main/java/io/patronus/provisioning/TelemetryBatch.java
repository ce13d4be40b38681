package io.patronus.provisioning;

import java.util.List;

/** Body of {@code POST /v1/device/telemetry}: up to 1000 events in strictly increasing sequence order. */
public record TelemetryBatch(List<TelemetryEvent> events) {
    public static final int MAX_EVENTS = 1000;

    public TelemetryBatch {
        events = Fields.list("events", events, MAX_EVENTS);
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).sequence() <= events.get(i - 1).sequence()) {
                throw ProvisioningException.field(Fields.CODE, "events[" + i + "].sequence", "must be above the previous event's "
                        + events.get(i - 1).sequence() + ", was " + events.get(i).sequence());
            }
        }
    }
}
