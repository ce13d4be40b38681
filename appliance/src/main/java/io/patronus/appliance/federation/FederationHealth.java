package io.patronus.appliance.federation;

import java.time.Instant;
import java.util.Optional;

/** The last successful contact with the controller and the last error, for the API. Thread-safe. */
final class FederationHealth {
    private Instant lastContact;
    private String lastError = "";
    private Instant lastErrorAt;

    synchronized void contact(Instant at) {
        if (lastContact == null || at.isAfter(lastContact)) {
            lastContact = at;
        }
    }

    /** Records an error; returns true when it differs from the previous one (worth a log line at WARNING). */
    synchronized boolean error(String what, Instant at) {
        boolean changed = !what.equals(lastError);
        lastError = what;
        lastErrorAt = at;
        return changed;
    }

    synchronized Optional<Instant> lastContact() {
        return Optional.ofNullable(lastContact);
    }

    synchronized String lastError() {
        return lastError;
    }

    synchronized Optional<Instant> lastErrorAt() {
        return Optional.ofNullable(lastErrorAt);
    }
}
