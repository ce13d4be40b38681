package io.patronus.controller.store;

/**
 * Telemetry bookkeeping of one site.
 *
 * @param stored          events stored (each (site, sequence) once), including those retention removed since
 * @param duplicates      events received again after they were stored (at-least-once resends)
 * @param highestSequence highest sequence stored; what the controller acknowledges
 * @param prunedThrough   highest sequence retention removed (0 none): a resend at or below it is a duplicate, so an
 *                        event is never stored twice even after its first copy expired
 */
public record TelemetryCounter(String siteId, long stored, long duplicates, long highestSequence, Long prunedThrough) {
    public TelemetryCounter {
        prunedThrough = prunedThrough == null ? 0L : prunedThrough;
    }

    public TelemetryCounter(String siteId, long stored, long duplicates, long highestSequence) {
        this(siteId, stored, duplicates, highestSequence, 0L);
    }
}
