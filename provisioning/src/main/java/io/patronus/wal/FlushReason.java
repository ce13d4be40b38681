package io.patronus.wal;

/** Why the group-commit writer ended a batch and had it written and forced; counted in {@link WalStats}. */
public enum FlushReason {
    /** No more appends were waiting: the usual trigger, giving batching without added latency. */
    QUEUE_EMPTY,
    /** The batch reached {@link WalOptions#maxBatchBytes()}. */
    MAX_BYTES,
    /**
     * The batch's first record had waited {@link WalOptions#maxBatchWait()} while more kept arriving, or the
     * writer waited as long as it may for appends it expected.
     */
    MAX_WAIT,
    /** The active segment was full: the batch so far goes to the old segment, which is sealed. */
    SEGMENT_ROLL,
    /** The log is closing: the last appends are written and the active segment is sealed. */
    CLOSE
}
