package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.nio.ByteBuffer;
import java.time.Instant;

/** One health measurement of a path. Stored in the history as a fixed 41-byte value (see {@link #encode()}). */
public record PathSample(Instant at, double latencyMs, double packetLossPct, double jitterMs, int healthScore,
                         PathStatus status) {
    static final int SIZE = 8 + 8 + 8 + 8 + 4 + 1 + 4;

    /** {@code at} millis (8), latency, loss, jitter (3 x 8, IEEE doubles), score (4), status ordinal (1), reserved (4). */
    byte[] encode() {
        return ByteBuffer.allocate(SIZE).putLong(at.toEpochMilli()).putDouble(latencyMs).putDouble(packetLossPct)
                .putDouble(jitterMs).putInt(healthScore).put((byte) status.ordinal()).putInt(0).array();
    }

    static PathSample decode(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        Instant at = Instant.ofEpochMilli(buf.getLong());
        double lat = buf.getDouble();
        double loss = buf.getDouble();
        double jit = buf.getDouble();
        int score = buf.getInt();
        int st = buf.get();
        PathStatus status = st >= 0 && st < PathStatus.values().length ? PathStatus.values()[st] : PathStatus.UNKNOWN;
        return new PathSample(at, lat, loss, jit, score, status);
    }
}
