package io.patronus.provisioning;

import java.io.Serial;
import java.util.Optional;

/**
 * A refusal or failure in enrolment, certificates, signed bundles or TLS, carrying one of the stable codes of
 * docs/FEDERATION.md ({@code invalid_csr}, {@code bad_signature}, ...) so that both ends and the HTTP layer can act on
 * it, and the field it concerns when there is one.
 */
public final class ProvisioningException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String field;

    /** A failure with a stable {@code code}; {@code message} says what is wrong and what to do. */
    public ProvisioningException(String code, String message) {
        this(code, null, message, null);
    }

    /** A failure with a stable {@code code}, caused by {@code cause}. */
    public ProvisioningException(String code, String message, Throwable cause) {
        this(code, null, message, cause);
    }

    private ProvisioningException(String code, String field, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.field = field;
    }

    /** A failure concerning one named {@code field}; the message is prefixed with the field's name. */
    public static ProvisioningException field(String code, String field, String message) {
        return new ProvisioningException(code, field, field + ": " + message, null);
    }

    /** Like {@link #field(String, String, String)} with a cause, and the message taken as it is. */
    static ProvisioningException of(String code, String field, String message, Throwable cause) {
        return new ProvisioningException(code, field, message, cause);
    }

    /** The stable machine-readable code, as listed in docs/FEDERATION.md. */
    public String code() {
        return code;
    }

    /** The offending field (dotted for nested values), when the failure concerns one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
