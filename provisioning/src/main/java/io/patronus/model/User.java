package io.patronus.model;

import java.time.Instant;

/** A local user of the appliance; only the Argon2id hash of the password is ever kept. */
public record User(String username, Role role, String passwordHash, Instant createdAt) {
    public User {
        Check.id("username", username);
        Check.required("role", role);
        Check.text("passwordHash", passwordHash, 512);
        if (!passwordHash.startsWith("$argon2id$")) {
            throw new ValidationException("passwordHash", "format", "must be an Argon2id hash in PHC form");
        }
        Check.required("createdAt", createdAt);
    }

    @Override
    public String toString() {
        return "User[username=" + username + ", role=" + role.wire() + "]";
    }
}
