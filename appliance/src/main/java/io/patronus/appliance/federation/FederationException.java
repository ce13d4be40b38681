package io.patronus.appliance.federation;

/**
 * A federation step failed: enrolment, a controller call, a bundle, the enrolment files. {@link #code()} is the stable
 * code of docs/FEDERATION.md when the controller or the shared verifier gave one ({@code token_replayed},
 * {@code bad_signature}), else one of this package's ({@code controller_unreachable}, {@code controller_error},
 * {@code invalid_answer}, {@code identity_damaged}). {@link #retryable()} says whether trying again later can help:
 * an unreachable controller or a 5xx can; a refused token cannot.
 */
public class FederationException extends RuntimeException {
    private final String code;
    private final boolean retryable;

    public FederationException(String code, String message, boolean retryable) {
        super(message);
        this.code = code;
        this.retryable = retryable;
    }

    public FederationException(String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
