package io.patronus.appliance.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A small HTTP client for tests: real requests over a real socket to a {@link RunningAppliance}. */
public final class ApiClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private Optional<String> token = Optional.empty();

    public ApiClient(URI base) {
        this.base = base;
    }

    /** A response: status, raw body and the body parsed as JSON when it is JSON. */
    public record Response(int status, String body, Optional<String> contentType, Optional<String> location) {
        public JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response is not JSON (" + status + "): " + body, e);
            }
        }

        /** The error object of an error response, asserting the documented shape. */
        public JsonNode error() {
            JsonNode e = json().get("error");
            if (e == null || !e.hasNonNull("code") || !e.hasNonNull("message")) {
                throw new AssertionError("not an error response (" + status + "): " + body);
            }
            return e;
        }
    }

    public ApiClient login(String user, String password) {
        Response r = send("POST", "/v1/auth/login", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
        if (r.status() != 200) {
            throw new AssertionError("login failed: " + r.status() + " " + r.body());
        }
        token = Optional.of(r.json().get("token").asText());
        return this;
    }

    public ApiClient withToken(String t) {
        token = Optional.ofNullable(t);
        return this;
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response post(String path, String json) {
        return send("POST", path, json);
    }

    public Response put(String path, String json) {
        return send("PUT", path, json);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    public Response send(String method, String path, String json) {
        return send(method, path, json, "application/json");
    }

    /** Sends a body with the given content type (to test what the server does with the wrong one). */
    public Response send(String method, String path, String json, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        if (json != null) {
            b.header("Content-Type", contentType);
            b.method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().firstValue("Content-Type"),
                    r.headers().firstValue("Location"));
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
