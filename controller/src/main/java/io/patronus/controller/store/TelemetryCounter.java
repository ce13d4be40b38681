package io.patronus.controller.store;

/**
 * Telemetry bookkeeping of one site.
 *
 * <p>Sequences here are the controller's: an appliance numbers its events from 1 in its own journal, and the
 * controller stores event {@code n} of the site's current device as {@code streamStart + n}. A replacement device
 * (or a deleted site's id used again) starts from 1 too; without the offset its events would look like the earlier
 * device's, be dropped as duplicates and acknowledged, and be lost. Enrolment starts a new stream
 * ({@link Change.Op.StartTelemetryStream}) above everything the site ever stored.
 *
 * @param stored          events stored (each (site, sequence) once), including those retention removed since
 * @param duplicates      events received again after they were stored (at-least-once resends)
 * @param highestSequence highest sequence stored
 * @param prunedThrough   highest sequence retention removed (0 none): a resend at or below it is a duplicate, so an
 *                        event is never stored twice even after its first copy expired
 * @param streamStart     the current device's event 1 is stored as {@code streamStart + 1} (0 for a site's first
 *                        device); what the controller acknowledges is {@code highestSequence - streamStart}
 */
public record TelemetryCounter(String siteId, long stored, long duplicates, long highestSequence, Long prunedThrough,
                               Long streamStart) {
    public TelemetryCounter {
        prunedThrough = prunedThrough == null ? 0L : prunedThrough;
        streamStart = streamStart == null ? 0L : streamStart; // counters stored before streams existed
    }

    public TelemetryCounter(String siteId, long stored, long duplicates, long highestSequence) {
        this(siteId, stored, duplicates, highestSequence, 0L, 0L);
    }

    /** The stored sequence of the current device's event {@code deviceSequence}. */
    public long stored(long deviceSequence) {
        return streamStart + deviceSequence;
    }

    /** What the controller acknowledges to the current device: the highest of its events stored, in its numbering. */
    public long deviceAcknowledged() {
        return Math.max(0, highestSequence - streamStart);
    }

    /** A new device's stream, starting above every sequence the site ever stored. */
    public TelemetryCounter newStream() {
        return new TelemetryCounter(siteId, stored, duplicates, highestSequence, prunedThrough,
                Math.max(Math.max(highestSequence, prunedThrough), streamStart));
    }

    /** The same counter with other totals; the stream stays. */
    public TelemetryCounter with(long stored, long duplicates, long highestSequence, long prunedThrough) {
        return new TelemetryCounter(siteId, stored, duplicates, highestSequence, prunedThrough, streamStart);
    }
}
