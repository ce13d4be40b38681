package io.patronus.controller.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One audit line: an enrolment, an admin change, or a refusal with its error code.
 *
 * @param organisation the organisation the action concerned; "" for what concerns no organisation (a refused call
 *                     without credentials, retention), which only the fleet admin token sees
 * @param actor   {@code admin} (the fleet token), {@code admin:<organisation>/<token id>} (an organisation admin
 *                token), {@code device:<site>/<serial>}, {@code token:<id>}, {@code system} or {@code anonymous}
 * @param action  what was asked: {@code enrol}, {@code site.create}, {@code GET /v1/device/config}, ...
 * @param outcome {@code ok} or {@code refused}
 * @param code    the error code of a refusal, "" otherwise
 * @param remote  the caller's address, "" when internal
 */
public record AuditRecord(long id, Instant at, String organisation, String actor, String action, String target,
                          String outcome, String code, String message, String remote) {
    public AuditRecord {
        Objects.requireNonNull(at, "at");
        organisation = organisation == null ? "" : organisation;
        actor = actor == null ? "" : actor;
        action = action == null ? "" : action;
        target = target == null ? "" : target;
        outcome = outcome == null ? "ok" : outcome;
        code = code == null ? "" : code;
        message = message == null ? "" : message;
        remote = remote == null ? "" : remote;
    }

    /** The record in {@code org}: how the schema 3 migration moves a record written before organisations. */
    public AuditRecord withOrganisation(String org) {
        return new AuditRecord(id, at, org, actor, action, target, outcome, code, message, remote);
    }
}
