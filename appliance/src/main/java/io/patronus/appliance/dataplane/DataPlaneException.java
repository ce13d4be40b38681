package io.patronus.appliance.dataplane;

/** A host setting the data plane manages outside netlink (a sysctl) could not be read or changed. */
public final class DataPlaneException extends RuntimeException {
    public DataPlaneException(String message) {
        super(message);
    }

    public DataPlaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
