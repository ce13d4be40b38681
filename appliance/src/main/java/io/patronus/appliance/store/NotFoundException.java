package io.patronus.appliance.store;

/** The object a mutation or lookup names does not exist. */
public final class NotFoundException extends StoreException {
    public NotFoundException(String message) {
        super(message);
    }
}
