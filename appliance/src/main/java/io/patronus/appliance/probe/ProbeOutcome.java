package io.patronus.appliance.probe;

/** What became of one probe, as the state machine sees it. */
public enum ProbeOutcome {
    /** The reply came in time. */
    REPLIED,
    /** No reply within the timeout. */
    LOST
}
