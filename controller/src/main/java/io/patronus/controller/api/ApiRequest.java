package io.patronus.controller.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;
import io.patronus.model.ValidationException;
import io.patronus.provisioning.ProvisioningException;

import java.util.Map;
import java.util.Optional;

/**
 * A call as a handler sees it: the caller, path and query parameters, the body with every decoding problem turned
 * into a 400 (not JSON) or 422 (a field is wrong, named by its path), and audit hints the handler may refine.
 */
public final class ApiRequest {
    private final Caller caller;
    private final String method;
    private final String path;
    private final Map<String, String> pathParams;
    private final Map<String, String> query;
    private final byte[] body;
    private final String remote;
    private String auditActor;
    private String auditTarget = "";
    private String auditOrganisation;

    public ApiRequest(Caller caller, String method, String path, Map<String, String> pathParams,
                      Map<String, String> query, byte[] body, String remote) {
        this.caller = caller;
        this.method = method;
        this.path = path;
        this.pathParams = Map.copyOf(pathParams);
        this.query = Map.copyOf(query);
        this.body = body;
        this.remote = remote;
        this.auditActor = caller.actor();
        this.auditOrganisation = caller instanceof Caller.OrganisationAdmin o ? o.organisation() : "";
    }

    public Caller caller() {
        return caller;
    }

    /** The device caller; only on {@link ApiRoute.Auth#DEVICE} routes. */
    public Caller.Device device() {
        if (caller instanceof Caller.Device d) {
            return d;
        }
        throw new IllegalStateException(method + " " + path + " is not a device route");
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String remote() {
        return remote;
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

    public byte[] body() {
        return body;
    }

    /** Who a refusal of this request is audited as; the caller unless the handler learnt more. */
    public String auditActor() {
        return auditActor;
    }

    public void auditActor(String actor) {
        this.auditActor = actor;
    }

    public String auditTarget() {
        return auditTarget;
    }

    public void auditTarget(String target) {
        this.auditTarget = target;
    }

    /**
     * The organisation a refusal of this request is audited under: an organisation token's own, else "" (no
     * organisation) unless the handler or the server learnt which one the request concerned.
     */
    public String auditOrganisation() {
        return auditOrganisation;
    }

    public void auditOrganisation(String organisation) {
        this.auditOrganisation = organisation;
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
            throw ApiException.malformedJson("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.malformedJson("the body could not be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.malformedJson("the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** The body bound to {@code type}, every failure naming the field. */
    public <T> T bodyAs(Class<T> type) {
        return convert(jsonObject(), type);
    }

    /** Converts a JSON tree into a record, mapping every failure to an error that names the field. */
    public static <T> T convert(JsonNode tree, Class<T> type) {
        try {
            return Json.mapper().treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw mapError(e);
        } catch (JacksonException e) {
            throw ApiException.malformedJson("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.getMessage());
        } catch (ProvisioningException e) {
            throw fromProvisioning(e);
        }
    }

    /** A provisioning error as an API error: its code, 400, its field. */
    public static ApiException fromProvisioning(ProvisioningException e) {
        return new ApiException(400, e.code(), e.getMessage(), e.field());
    }

    static ApiException mapError(JsonMappingException e) {
        String path = path(e);
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof ValidationException) && !(cause instanceof ProvisioningException)) {
            cause = cause.getCause();
        }
        if (cause instanceof ValidationException v) {
            String field = path.isEmpty() ? v.field() : path.endsWith(v.field()) ? path : path + "." + v.field();
            return ApiException.invalidField(field, field + ": " + v.detail());
        }
        if (cause instanceof ProvisioningException p) {
            ApiException a = fromProvisioning(p);
            return a.field().isPresent() || path.isEmpty() ? a : new ApiException(a.status(), a.code(), a.getMessage(), Optional.of(path));
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return ApiException.invalidField(path, path + ": unknown field; known fields here: " + u.getKnownPropertyIds());
        }
        if (e instanceof InvalidTypeIdException t) {
            return ApiException.invalidField(path.isEmpty() ? "type" : path + ".type", "unknown type '" + t.getTypeId()
                    + "' at " + (path.isEmpty() ? "the top level" : path));
        }
        String field = path.isEmpty() ? "body" : path;
        String m = e.getOriginalMessage().replaceAll("`[a-z.]+\\.([A-Za-z$]+)`", "$1").replace("java.lang.", "");
        int nl = m.indexOf('\n');
        return ApiException.invalidField(field, field + ": " + (nl > 0 ? m.substring(0, nl) : m));
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
}
