package io.patronus.controller.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A small HTTPS client for tests: one SSL context, optional bearer token, JSON in and out. */
public final class Http {
    /** An answer: status, raw body, and the body as JSON when it is JSON. */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return body.isEmpty() ? Json.mapper().missingNode() : Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        /** The error code of an error answer. */
        public String code() {
            return json().path("error").path("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final URI base;
    private final HttpClient client;
    private final Optional<String> bearer;

    public Http(URI base, SSLContext tls, Optional<String> bearer) {
        this.base = base;
        this.client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        this.bearer = bearer;
    }

    public Answer get(String path) {
        return send("GET", path, null, Duration.ofSeconds(30));
    }

    public Answer get(String path, Duration timeout) {
        return send("GET", path, null, timeout);
    }

    public Answer post(String path, Object body) {
        return send("POST", path, body, Duration.ofSeconds(30));
    }

    public Answer put(String path, Object body) {
        return send("PUT", path, body, Duration.ofSeconds(30));
    }

    public Answer delete(String path) {
        return send("DELETE", path, null, Duration.ofSeconds(30));
    }

    /** Sends; an I/O failure (a TLS refusal) is thrown as {@link UncheckedIOException}. */
    public Answer send(String method, String path, Object body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        bearer.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            if (body != null) {
                byte[] bytes = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Json.mapper().writeValueAsBytes(body);
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
            } else if (method.equals("POST") || method.equals("PUT")) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString("{}"));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void close() {
        client.close();
    }
}
