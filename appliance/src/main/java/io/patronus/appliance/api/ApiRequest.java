package io.patronus.appliance.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.auth.Principal;
import io.patronus.model.Json;
import io.patronus.model.ValidationException;

import java.util.Map;
import java.util.Optional;

/**
 * An API call as a handler sees it: the caller, path and query parameters, and the JSON body decoded with every
 * decoding problem turned into a 400 (not JSON) or 422 (JSON, but a field is wrong, named by its path).
 */
public final class ApiRequest {
    private final Optional<Principal> principal;
    private final Map<String, String> pathParams;
    private final Map<String, String> query;
    private final byte[] body;

    public ApiRequest(Optional<Principal> principal, Map<String, String> pathParams, Map<String, String> query, byte[] body) {
        this.principal = principal;
        this.pathParams = Map.copyOf(pathParams);
        this.query = Map.copyOf(query);
        this.body = body;
    }

    /** The authenticated caller; present on every route except login. */
    public Principal principal() {
        return principal.orElseThrow(() -> ApiException.unauthorized("log in first: POST /v1/auth/login"));
    }

    public String pathParam(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no path parameter " + name);
        }
        return v;
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(query.get(name)).filter(s -> !s.isEmpty());
    }

    /** The body as a JSON object, or 400. */
    public ObjectNode jsonObject() {
        if (body.length == 0) {
            throw ApiException.malformedJson("the request needs a JSON object body");
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (JacksonException e) {
            throw ApiException.malformedJson("the body is not valid JSON: " + e.getOriginalMessage() + location(e));
        } catch (java.io.IOException e) {
            throw ApiException.malformedJson("the body could not be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.malformedJson("the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Converts a JSON tree into a model record, mapping every failure to an error that names the field. */
    public static <T> T convert(JsonNode tree, Class<T> type) {
        UnknownFields.find(tree, type, "").ifPresent(e -> {
            throw e;
        });
        try {
            return Json.mapper().treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw mapError(e);
        } catch (JacksonException e) {
            throw ApiException.malformedJson("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.getMessage());
        }
    }

    static ApiException mapError(JsonMappingException e) {
        String path = path(e);
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof ValidationException)) {
            cause = cause.getCause();
        }
        if (cause instanceof ValidationException v) {
            String field = join(path, v.field());
            return ApiException.invalidField(field, field + ": " + v.detail());
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String field = join(path, "");
            return ApiException.invalidField(field, field + ": unknown field; known fields here: " + u.getKnownPropertyIds());
        }
        if (e instanceof InvalidTypeIdException t) {
            return ApiException.invalidField(join(path, "type"), "unknown type '" + t.getTypeId() + "' at "
                    + (path.isEmpty() ? "the top level" : path));
        }
        String field = path.isEmpty() ? "body" : path;
        return ApiException.invalidField(field, field + ": " + simplify(e.getOriginalMessage()));
    }

    /** Validators of scalar values parsed from one string name a generic field; the JSON path is more precise. */
    private static final java.util.Set<String> GENERIC = java.util.Set.of("prefix", "ports", "endpoint", "protocol", "role",
            "address", "length", "from", "to", "host", "port");

    private static String join(String path, String field) {
        if (path.isEmpty()) {
            return field;
        }
        if (field.isEmpty() || path.endsWith("]") || path.equals(field) || path.endsWith("." + field)
                || GENERIC.contains(field) && !path.endsWith("action")) {
            return path;
        }
        return path + "." + field;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String simplify(String message) {
        // Jackson messages name Java types; keep the first sentence, which says what was expected.
        String m = message.replaceAll("`[a-z.]+\\.([A-Za-z$]+)`", "$1").replace("java.lang.", "");
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    private static String location(JacksonException e) {
        if (e instanceof JsonParseException || e instanceof JsonEOFException) {
            var loc = e.getLocation();
            if (loc != null) {
                return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            }
        }
        return "";
    }
}
