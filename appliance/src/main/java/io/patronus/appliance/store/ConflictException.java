package io.patronus.appliance.store;

/** A mutation would break a uniqueness rule (duplicate id, overlapping LAN prefix, duplicate policy priority). */
public final class ConflictException extends StoreException {
    private final String field;

    public ConflictException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field that causes the conflict. */
    public String field() {
        return field;
    }
}
