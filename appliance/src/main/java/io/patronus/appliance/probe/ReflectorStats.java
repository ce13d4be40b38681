package io.patronus.appliance.probe;

/**
 * Counters of a {@link ProbeReflector} since it started: datagrams received, replies sent, and what was dropped and
 * why (not a valid request, over the reply rate, no socket for the colour's mark, a failed send).
 */
public record ReflectorStats(long received, long replied, long malformed, long rateLimited, long colourSocketFailures,
                             long sendErrors) {
}
