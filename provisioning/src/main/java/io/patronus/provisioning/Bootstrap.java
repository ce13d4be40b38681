package io.patronus.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an appliance starts with: where the controller is, the fingerprint of the CA to pin and a one-time enrolment
 * token, optionally bound to the device serial. Loaded from the bootstrap file of docs/FEDERATION.md.
 */
public record Bootstrap(URI controllerUrl, String caFingerprint, String token, Optional<String> serial) {
    private static final String CODE = "invalid_bootstrap";
    private static final Set<String> FIELDS = Set.of("controllerUrl", "caFingerprint", "token", "serial");

    public Bootstrap {
        if (controllerUrl == null) {
            throw ProvisioningException.field(CODE, "controllerUrl", "is required");
        }
        if (!"https".equalsIgnoreCase(controllerUrl.getScheme()) || controllerUrl.getHost() == null) {
            throw ProvisioningException.field(CODE, "controllerUrl",
                    "must be an https URL with a host such as https://192.0.2.250:8443, was '" + controllerUrl + "'");
        }
        if (caFingerprint == null) {
            throw ProvisioningException.field(CODE, "caFingerprint", "is required");
        }
        try {
            caFingerprint = Fingerprint.normalise(caFingerprint);
        } catch (ProvisioningException e) {
            throw ProvisioningException.of(CODE, "caFingerprint", "caFingerprint: " + e.getMessage(), e);
        }
        if (token == null || token.isBlank()) {
            throw ProvisioningException.field(CODE, "token", "is required and must not be blank");
        }
        serial = serial == null ? Optional.empty() : serial;
        if (serial.isPresent() && serial.get().isBlank()) {
            throw ProvisioningException.field(CODE, "serial", "must not be blank when present");
        }
    }

    /** Reads and validates a bootstrap file; every refusal is {@code invalid_bootstrap} naming the file and the field. */
    public static Bootstrap read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ProvisioningException(CODE, "bootstrap file " + file + " does not exist or is not a regular file;"
                    + " place it there or point federation.bootstrapFile at it");
        }
        String json;
        try {
            json = SecretFile.read(file);
        } catch (ProvisioningException e) {
            throw new ProvisioningException(CODE, e.getMessage(), e);
        }
        return parse(json, file.toString());
    }

    /** Parses bootstrap JSON; {@code source} (a file name, "kernel command line") is named in every error. */
    public static Bootstrap parse(String json, String source) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProvisioningException(CODE, "bootstrap " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ProvisioningException(CODE, "bootstrap " + source + " must be a JSON object with controllerUrl, caFingerprint and token");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!FIELDS.contains(e.getKey())) {
                throw failure(source, ProvisioningException.field(CODE, e.getKey(),
                        "is not a bootstrap field (expected controllerUrl, caFingerprint, token, serial)"));
            }
            if (!e.getValue().isTextual()) {
                throw failure(source, ProvisioningException.field(CODE, e.getKey(), "must be a string, was " + e.getValue().getNodeType()));
            }
        }
        try {
            return new Bootstrap(uri(text(root, "controllerUrl")), text(root, "caFingerprint"), text(root, "token"),
                    Optional.ofNullable(text(root, "serial")));
        } catch (ProvisioningException e) {
            throw failure(source, e);
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null ? null : node.asText();
    }

    private static URI uri(String text) {
        if (text == null) {
            return null;
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw ProvisioningException.field(CODE, "controllerUrl", "is not a valid URL: " + e.getMessage());
        }
    }

    private static ProvisioningException failure(String source, ProvisioningException e) {
        return ProvisioningException.of(CODE, e.field().orElse(null), "bootstrap " + source + ": " + e.getMessage(), e);
    }
}
