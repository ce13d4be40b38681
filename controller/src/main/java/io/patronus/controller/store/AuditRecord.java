package io.patronus.controller.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One audit line: an enrolment, an admin change, or a refusal with its error code.
 *
 * @param actor   {@code admin}, {@code device:<site>/<serial>}, {@code token:<id>}, {@code system} or {@code anonymous}
 * @param action  what was asked: {@code enrol}, {@code site.create}, {@code GET /v1/device/config}, ...
 * @param outcome {@code ok} or {@code refused}
 * @param code    the error code of a refusal, "" otherwise
 * @param remote  the caller's address, "" when internal
 */
public record AuditRecord(long id, Instant at, String actor, String action, String target, String outcome, String code,
                          String message, String remote) {
    public AuditRecord {
        Objects.requireNonNull(at, "at");
        actor = actor == null ? "" : actor;
        action = action == null ? "" : action;
        target = target == null ? "" : target;
        outcome = outcome == null ? "ok" : outcome;
        code = code == null ? "" : code;
        message = message == null ? "" : message;
        remote = remote == null ? "" : remote;
    }
}
