package io.patronus.provisioning;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Optional;

/**
 * Body of {@code POST /v1/device/status}, the appliance's state report and heartbeat; a version of 0 and an empty
 * reason mean none. {@code dataPlaneProblem} is empty while the appliance's tunnels, routes and rules match its
 * configuration, else what keeps them from it (the same text for as long as the same failure lasts). Left out of the
 * JSON when empty, so a controller older than the field still takes every report of a healthy appliance, and a
 * report from an appliance older than it reads as none.
 */
public record DeviceStatus(DeviceState state, long appliedVersion, long rejectedVersion, String reason, Instant at,
                           PathSummary paths, Optional<BundleConfig> observedConfig, int localChanges,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) String dataPlaneProblem) {
    public DeviceStatus {
        Fields.required("state", state);
        Fields.atLeast("appliedVersion", appliedVersion, 0);
        Fields.atLeast("rejectedVersion", rejectedVersion, 0);
        reason = reason == null || reason.isEmpty() ? "" : Fields.text("reason", reason, 4096);
        Fields.required("at", at);
        paths = paths == null ? PathSummary.none() : paths;
        observedConfig = observedConfig == null ? Optional.empty() : observedConfig;
        Fields.atLeast("localChanges", localChanges, 0);
        dataPlaneProblem = dataPlaneProblem == null || dataPlaneProblem.isEmpty() ? "" : Fields.text("dataPlaneProblem",
                dataPlaneProblem, 4096);
    }

    /** A report without a data plane problem. */
    public DeviceStatus(DeviceState state, long appliedVersion, long rejectedVersion, String reason, Instant at,
                        PathSummary paths, Optional<BundleConfig> observedConfig, int localChanges) {
        this(state, appliedVersion, rejectedVersion, reason, at, paths, observedConfig, localChanges, "");
    }
}
