package io.patronus.controller;

/** The controller could not start or run: the message names the component, the file or setting, and what to do. */
public final class ControllerException extends RuntimeException {
    public ControllerException(String message) {
        super(message);
    }

    public ControllerException(String message, Throwable cause) {
        super(message, cause);
    }
}
