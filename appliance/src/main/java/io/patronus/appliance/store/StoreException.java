package io.patronus.appliance.store;

/** A failure of the appliance's state store; the message says which operation on which object failed. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
