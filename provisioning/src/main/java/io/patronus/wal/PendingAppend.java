package io.patronus.wal;

import java.util.concurrent.CompletableFuture;

/** An append on its way to disk: created by the caller, numbered, written and completed by the writer thread. */
final class PendingAppend {
    /** Put on the queue by close: everything before it is written, nothing after it is accepted. */
    static final PendingAppend STOP = new PendingAppend(0, new byte[0], 0);

    final int typeCode;
    final byte[] payload;
    final long timestampMillis;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    /** Assigned by the writer thread. */
    long sequence;

    PendingAppend(int typeCode, byte[] payload, long timestampMillis) {
        this.typeCode = typeCode;
        this.payload = payload;
        this.timestampMillis = timestampMillis;
    }
}
