package io.patronus.model;

import java.time.Instant;

/** Who did what to which object, and whether it worked; written to the log alongside the change itself. */
public record AuditEvent(long sequence, Instant at, String actor, String action, String target, String outcome, String detail) {
    public AuditEvent {
        Check.range("sequence", sequence, 0, Long.MAX_VALUE);
        Check.required("at", at);
        Check.text("actor", actor, 128);
        Check.text("action", action, 64);
        Check.text("target", target, 256);
        Check.text("outcome", outcome, 32);
        detail = Check.optionalText("detail", detail, 4096);
    }
}
