package io.patronus.controller.store;

/** A failure of the controller's store; the message says which operation on which object failed and what to do. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
