package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * Where {@code patronus login} keeps the API URL and token: a JSON file only its owner can read. It is created with
 * mode 0600 from the start and replaced atomically, so the token is never readable by others, not even briefly.
 */
final class TokenFile {
    private TokenFile() {
    }

    /** A saved login. */
    record Saved(String api, String token, String expiresAt) {
    }

    static Path location(Map<String, String> env) {
        String explicit = env.get("PATRONUS_TOKEN_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return base.resolve("patronus").resolve("token");
    }

    static void save(Path file, Saved saved) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("api", saved.api());
            o.put("token", saved.token());
            o.put("expiresAt", saved.expiresAt());
            Files.write(tmp, Json.mapper().writeValueAsBytes(o));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw CliException.error("cannot save the login to " + file + ": " + e.getMessage());
        }
    }

    static Optional<Saved> load(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.mapper().readTree(file.toFile());
            if (n == null || !n.hasNonNull("token") || !n.hasNonNull("api")) {
                throw CliException.error("login file " + file + " is not a patronus login; run `patronus login` again");
            }
            return Optional.of(new Saved(n.get("api").asText(), n.get("token").asText(),
                    n.hasNonNull("expiresAt") ? n.get("expiresAt").asText() : ""));
        } catch (IOException e) {
            throw CliException.error("login file " + file + " cannot be read (" + e.getMessage() + "); run `patronus login` again");
        }
    }
}
