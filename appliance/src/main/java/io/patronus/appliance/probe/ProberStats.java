package io.patronus.appliance.probe;

/**
 * Counters of a {@link Prober} since it started: probes sent, replies in time and late, replies that matched no
 * probe in flight, datagrams that were not replies, failed sends, probes postponed by the global rate limit, events
 * the listener queue had to drop, the current number of paths and sockets, and the longest a due path waited for the
 * loop thread (a field diagnostic: a long lag means the thread was starved of CPU, and RTTs measured meanwhile include
 * that wait).
 */
public record ProberStats(long sent, long received, long late, long unknownReplies, long malformed, long sendErrors,
                          long postponed, long listenerDrops, int paths, int sockets, long maxLagMicros) {
}
