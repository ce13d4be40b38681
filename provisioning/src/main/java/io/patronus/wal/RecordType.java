package io.patronus.wal;

/**
 * What a log record means; its numeric {@linkplain #code() code} is what is stored on disk.
 *
 * <p>The write-ahead log is the appliance's one record of "what happened", so the types cover the whole
 * product, not only state mutations. Codes are part of the on-disk format: never renumber or reuse one,
 * add a new constant with a new code instead (1..65535; 0 is reserved and never written). A record whose
 * code this build does not know (written by a newer version) is still a valid record: it is read back as
 * {@link #UNKNOWN} with its raw code kept in {@link LogRecord#typeCode()}.
 */
public enum RecordType {
    /** A change to the appliance's replicated state (the default kind of mutation). */
    STATE_MUTATION(1),
    /** An audit event: who did what through the API or CLI. */
    AUDIT(2),
    /** A snapshot of state was taken; the payload names the sequence it covers. */
    CHECKPOINT(3),
    /** A failover decision between WAN paths, with its inputs. */
    FAILOVER_DECISION(4),
    /** A path-health sample or a path state change. */
    PATH_EVENT(5),
    /** A configuration bundle was applied. */
    CONFIG_APPLY(6),
    /** The telemetry outbox was acknowledged by the controller up to some point. */
    OUTBOX_ACK(7),
    /** A configuration bundle was rolled back. */
    CONFIG_ROLLBACK(8),
    /** A configuration bundle was confirmed (controller reached, mesh up) and is kept. */
    CONFIG_COMMIT(9),
    /** Opaque bytes, for tests and benchmarks. */
    RAW(100),
    /** Read-only marker for a code this build does not know; cannot be appended. */
    UNKNOWN(-1);

    /** Largest code the on-disk format can hold (the field is an unsigned 16-bit integer). */
    public static final int MAX_CODE = 0xFFFF;

    private static final RecordType[] BY_CODE = new RecordType[RAW.code + 1];

    static {
        for (RecordType type : values()) {
            if (type != UNKNOWN) {
                if (BY_CODE[type.code] != null) {
                    throw new ExceptionInInitializerError("record type code " + type.code + " used twice");
                }
                BY_CODE[type.code] = type;
            }
        }
    }

    private final int code;

    RecordType(int code) {
        this.code = code;
    }

    /** The stable numeric code stored on disk; -1 for {@link #UNKNOWN}. */
    public int code() {
        return code;
    }

    /** The type for an on-disk code, or {@link #UNKNOWN} when this build does not know the code. */
    public static RecordType fromCode(int code) {
        if (code > 0 && code < BY_CODE.length && BY_CODE[code] != null) {
            return BY_CODE[code];
        }
        return UNKNOWN;
    }
}
