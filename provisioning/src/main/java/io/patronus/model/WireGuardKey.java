package io.patronus.model;

import java.util.Base64;

/** Validation of WireGuard keys in their base64 text form (44 characters, 32 bytes). */
public final class WireGuardKey {
    private WireGuardKey() {
    }

    /** Returns the key unchanged when it is a well-formed base64 encoding of 32 bytes. */
    public static String check(String field, String base64) {
        Check.required(field, base64);
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(field, "format", "must be a base64 WireGuard key (44 characters), was not valid base64");
        }
        if (raw.length != 32 || base64.length() != 44) {
            throw new ValidationException(field, "format", "must be a base64 WireGuard key of 32 bytes (44 characters), had " + raw.length + " bytes");
        }
        // The decoder ignores the two spare bits of the last character; wg(8) rejects keys that set them, and a key
        // must have one spelling so that comparing the text compares the keys.
        if (!Base64.getEncoder().encodeToString(raw).equals(base64)) {
            throw new ValidationException(field, "format", "must be a canonical base64 WireGuard key, the last character before '=' has spare bits set");
        }
        return base64;
    }
}
