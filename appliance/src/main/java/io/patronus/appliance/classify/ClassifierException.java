package io.patronus.appliance.classify;

/** A rule set the classifier cannot hold, or a kernel classifier that could not be loaded, attached or updated. */
public class ClassifierException extends RuntimeException {
    public ClassifierException(String message) {
        super(message);
    }

    public ClassifierException(String message, Throwable cause) {
        super(message, cause);
    }
}
