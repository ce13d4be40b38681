package io.patronus.appliance.federation;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How far an enrolment that is still running has come, for the operator who looks at an appliance that is not
 * enrolled yet: the local API serves it as {@code GET /v1/federation} (state {@code enrolling}) while the rest of the
 * appliance waits for the site identity the controller gives. Written by the enrolling thread, read by API threads:
 * every method is synchronized (a handful of calls per attempt; contention does not matter).
 */
public final class EnrolmentProgress {
    private final Path bootstrapFile;
    private final String serial;
    private final String serialSource;
    private final Clock clock;
    private final Instant startedAt;
    private String controllerUrl = "";
    private int attempts;
    private Instant lastAttemptAt;
    private String lastErrorCode = "";
    private String lastError = "";
    private Instant nextAttemptAt;
    private String outcome = "";

    public EnrolmentProgress(Path bootstrapFile, String serial, String serialSource, Clock clock) {
        this.bootstrapFile = bootstrapFile;
        this.serial = serial;
        this.serialSource = serialSource;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public String serial() {
        return serial;
    }

    /** Where the serial came from (configuration, DMI, machine id). */
    public String serialSource() {
        return serialSource;
    }

    public Path bootstrapFile() {
        return bootstrapFile;
    }

    synchronized void attemptStarted() {
        attempts++;
        lastAttemptAt = clock.instant();
        nextAttemptAt = null;
    }

    /** The controller the bootstrap file names (known once the file could be read). */
    synchronized void controller(String url) {
        controllerUrl = url;
    }

    synchronized void attemptFailed(FederationException e, Optional<Duration> retryIn) {
        lastErrorCode = e.code();
        lastError = e.getMessage();
        nextAttemptAt = retryIn.map(d -> clock.instant().plus(d)).orElse(null);
        if (retryIn.isEmpty()) {
            outcome = "refused";
        }
    }

    synchronized void succeeded() {
        outcome = "enrolled";
        nextAttemptAt = null;
    }

    /** The number of attempts so far (the one running included). */
    public synchronized int attempts() {
        return attempts;
    }

    /** The state for {@code GET /v1/federation} while enrolling; absent values are left out. */
    public synchronized Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", outcome.isEmpty() ? "enrolling" : outcome);
        out.put("serial", serial);
        out.put("serialSource", serialSource);
        out.put("bootstrapFile", bootstrapFile.toString());
        if (!controllerUrl.isEmpty()) {
            out.put("controllerUrl", controllerUrl);
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("startedAt", startedAt);
        e.put("attempts", attempts);
        if (lastAttemptAt != null) {
            e.put("lastAttemptAt", lastAttemptAt);
        }
        if (nextAttemptAt != null) {
            e.put("nextAttemptAt", nextAttemptAt);
        }
        out.put("enrolment", e);
        if (!lastError.isEmpty()) {
            out.put("lastError", lastErrorCode + ": " + lastError);
            out.put("lastErrorAt", lastAttemptAt);
        }
        return out;
    }
}
