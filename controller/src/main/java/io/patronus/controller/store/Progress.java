package io.patronus.controller.store;

import java.time.Instant;

/**
 * One step of an appliance's history as the controller saw it: enrolment, a status change, a new applied or rejected
 * version, a certificate renewal.
 *
 * @param at     when the controller recorded it (the appliance's own time is in {@code detail} when it differs)
 * @param state  the device state or event name ({@code ENROLLED}, {@code CONFIG_APPLIED}, {@code RENEWED}, ...)
 * @param detail versions and reason, human-readable
 */
public record Progress(Instant at, String state, long appliedVersion, long rejectedVersion, String detail) {
    public Progress {
        detail = detail == null ? "" : detail;
    }
}
