package io.patronus.appliance.store;

import java.util.List;

/**
 * What {@code patronus db check} found: the state store's contents and the write-ahead log verified end to end.
 *
 * @param ok                 true when no problem was found
 * @param schemaVersion      the store's schema version
 * @param appliedSequence    the last log sequence the checkpointed store contains
 * @param sites              sites stored
 * @param policies           policies stored
 * @param users              users stored
 * @param historySamples     path health samples stored
 * @param logLastSequence    the last durable sequence in the log
 * @param logSegments        segment files in the log
 * @param logRecords         records verified in the log
 * @param problems           one line per problem found, naming the object and what is wrong
 */
public record StoreCheck(boolean ok, int schemaVersion, long appliedSequence, int sites, int policies, int users,
                         long historySamples, long logLastSequence, int logSegments, long logRecords,
                         List<String> problems) {
}
