package io.patronus.provisioning;

/** Answer to a telemetry batch: the highest sequence the controller now holds durably. */
public record TelemetryAck(long acknowledged) {
    public TelemetryAck {
        Fields.atLeast("acknowledged", acknowledged, 0);
    }
}
