package io.patronus.controller.store;

/**
 * Telemetry bookkeeping of one site.
 *
 * @param stored          events stored (each (site, sequence) once)
 * @param duplicates      events received again after they were stored (at-least-once resends)
 * @param highestSequence highest sequence stored; what the controller acknowledges
 */
public record TelemetryCounter(String siteId, long stored, long duplicates, long highestSequence) {
}
