package io.patronus.appliance.auth;

/** A login or token check failed; the message is safe to show to the caller (it never says which part was wrong). */
public final class AuthException extends RuntimeException {
    public AuthException(String message) {
        super(message);
    }
}
