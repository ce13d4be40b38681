package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CliException;
import io.patronus.model.Json;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where {@code patronus login} keeps the API URL, the bearer token and its expiry: a small JSON file
 * ({@code {"api":..., "token":..., "expiresAt":...}}) that only its owner can read.
 *
 * <p>The token is never readable by anyone else, not even for an instant: it is written to a sibling file that
 * {@link Files#createFile} creates with mode 0600 (so no umask or chmod race), then renamed over the old file. A
 * directory this class creates gets mode 0700.
 */
final class TokenFile {
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private TokenFile() {
    }

    /** A saved login; {@code expiresAt} is ISO-8601 as the server gave it, or empty. */
    record Saved(String api, String token, String expiresAt) {
    }

    /** PATRONUS_TOKEN_FILE, else $XDG_CONFIG_HOME/patronus/token, else ~/.config/patronus/token. */
    static Path location(Map<String, String> env) {
        String explicit = env.get("PATRONUS_TOKEN_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank()) {
            base = Path.of(xdg);
        } else {
            String home = env.get("HOME");
            base = Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".config");
        }
        return base.resolve("patronus").resolve("token");
    }

    static void save(Path file, Saved saved) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                createDirectories(dir);
            }
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("api", saved.api());
            o.put("token", saved.token());
            o.put("expiresAt", saved.expiresAt());
            Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw CliException.error("cannot save the login to " + file + ": " + e
                    + " (set PATRONUS_TOKEN_FILE to a file on a POSIX file system you can write)");
        }
    }

    /** Creates the missing directories, the ones created with mode 0700. */
    private static void createDirectories(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    static Optional<Saved> load(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw CliException.error("the login file " + file + " cannot be read (" + e.getMessage()
                    + "); delete it and run `patronus login`");
        }
        if (n == null || !n.path("token").isTextual() || !n.path("api").isTextual()) {
            throw CliException.error("the login file " + file + " is not a patronus login; delete it and run `patronus login`");
        }
        return Optional.of(new Saved(n.get("api").asText(), n.get("token").asText(), n.path("expiresAt").asText("")));
    }

    /** What is wrong with the file's permissions, if others can read or write it. */
    static Optional<String> permissionProblem(Path file) {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (OWNER_ONLY_FILE.containsAll(p)) {
                return Optional.empty();
            }
            return Optional.of("the login file " + file + " is accessible to others (" + PosixFilePermissions.toString(p)
                    + "); run `chmod 600 " + file + "`, or `patronus login` again to get a new token");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
