package io.patronus.wal;

/**
 * Counters of an open log since it was opened, for metrics and {@code patronus debug dump}.
 *
 * @param appends              records made durable
 * @param batches              batches written by the writer thread (each one write of one or more records)
 * @param fsyncs               {@code force} calls, one per batch plus one per sealed segment
 * @param batchWaits           times the writer waited for appends it expected before ending a batch
 * @param bytesWritten         frame bytes written to segments
 * @param flushesOnQueueEmpty  batches ended because no more appends were waiting
 * @param flushesOnMaxBytes    batches ended by {@link WalOptions#maxBatchBytes()}
 * @param flushesOnMaxWait     batches ended by {@link WalOptions#maxBatchWait()}
 * @param flushesOnSegmentRoll batches ended because the segment was full
 * @param flushesOnClose       batches ended by close
 * @param segments             segment files in the log now
 * @param segmentsRolled       segments started because the previous one was full
 * @param rollsWithoutSpare    rolls that found no preallocated spare and zero-filled the new segment while
 *                             appends waited; more than a few means preallocation cannot keep up
 * @param segmentsRetired      segments deleted by {@link WriteAheadLog#checkpoint(long)}
 * @param firstSequence        oldest retained sequence (lastSequence + 1 when the log holds no record)
 * @param lastSequence         newest durable sequence, 0 when none
 * @param queuedAppends        appends waiting for the writer thread right now
 */
public record WalStats(long appends, long batches, long fsyncs, long batchWaits, long bytesWritten,
                       long flushesOnQueueEmpty, long flushesOnMaxBytes, long flushesOnMaxWait,
                       long flushesOnSegmentRoll, long flushesOnClose,
                       int segments, long segmentsRolled, long rollsWithoutSpare, long segmentsRetired,
                       long firstSequence, long lastSequence, int queuedAppends) {

    /** The batch count for one flush reason. */
    public long flushes(FlushReason reason) {
        return switch (reason) {
            case QUEUE_EMPTY -> flushesOnQueueEmpty;
            case MAX_BYTES -> flushesOnMaxBytes;
            case MAX_WAIT -> flushesOnMaxWait;
            case SEGMENT_ROLL -> flushesOnSegmentRoll;
            case CLOSE -> flushesOnClose;
        };
    }

    /** Average records made durable per fsync: how much group commit saves. */
    public double appendsPerFsync() {
        return fsyncs == 0 ? 0 : (double) appends / fsyncs;
    }
}
