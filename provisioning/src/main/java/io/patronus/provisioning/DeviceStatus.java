package io.patronus.provisioning;

import java.time.Instant;
import java.util.Optional;

/**
 * Body of {@code POST /v1/device/status}, the appliance's state report and heartbeat; a version of 0 and an empty
 * reason mean none.
 */
public record DeviceStatus(DeviceState state, long appliedVersion, long rejectedVersion, String reason, Instant at,
                           PathSummary paths, Optional<BundleConfig> observedConfig, int localChanges) {
    public DeviceStatus {
        Fields.required("state", state);
        Fields.atLeast("appliedVersion", appliedVersion, 0);
        Fields.atLeast("rejectedVersion", rejectedVersion, 0);
        reason = reason == null || reason.isEmpty() ? "" : Fields.text("reason", reason, 4096);
        Fields.required("at", at);
        paths = paths == null ? PathSummary.none() : paths;
        observedConfig = observedConfig == null ? Optional.empty() : observedConfig;
        Fields.atLeast("localChanges", localChanges, 0);
    }
}
