package io.patronus.appliance.wg;

/** A WireGuard operation failed; the message names the operation, the interface and the cause (errno, UAPI errno). */
public class WireGuardException extends RuntimeException {
    public WireGuardException(String message) {
        super(message);
    }

    public WireGuardException(String message, Throwable cause) {
        super(message, cause);
    }
}
