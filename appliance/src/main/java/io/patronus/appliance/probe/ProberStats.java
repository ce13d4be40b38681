package io.patronus.appliance.probe;

/**
 * Counters of a {@link Prober} since it started: probes sent, replies in time and late, replies that matched no
 * probe in flight, datagrams that were not replies, failed sends, probes postponed by the global rate limit, events
 * the listener queue had to drop, the current number of paths and sockets, and the longest a due path waited for the
 * loop thread (a field diagnostic: a long lag means the thread was starved of CPU; replies that waited meanwhile are
 * timed by the kernel's arrival stamps, so their RTTs do not include the wait unless the kernel gives none).
 */
public record ProberStats(long sent, long received, long late, long unknownReplies, long malformed, long sendErrors,
                          long postponed, long listenerDrops, int paths, int sockets, long maxLagMicros) {
}
