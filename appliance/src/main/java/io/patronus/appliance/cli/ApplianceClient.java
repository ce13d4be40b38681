package io.patronus.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.model.Json;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's HTTP calls to one appliance API. Every failure becomes a {@link CliException} worded for the operator: the
 * server's message with the field at fault, or which URL could not be reached. Redirects are not followed, so the
 * token goes nowhere but {@link #base()}.
 */
final class ApplianceClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final Optional<String> token;
    private final String loginAdvice;

    /** {@code loginAdvice} is appended to a 401 answer: what to run to get a (new) token. */
    ApplianceClient(URI base, Optional<String> token, String loginAdvice) {
        this.base = base;
        this.token = token;
        this.loginAdvice = loginAdvice;
    }

    URI base() {
        return base;
    }

    /** One path segment, percent-encoded except for the colons of path ids ("demo-site:branch-2:fiber"). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":").replace("%7E", "~");
    }

    /** A query string ("?a=1&b=2", or "" when empty) of the present values, in the given order. */
    static String query(Map<String, Optional<String>> params) {
        StringBuilder q = new StringBuilder();
        params.forEach((k, v) -> v.ifPresent(value -> q.append(q.isEmpty() ? '?' : '&').append(k).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8))));
        return q.toString();
    }

    JsonNode get(String path) {
        return json(send("GET", path, Optional.empty()));
    }

    /** A GET whose answer is text (a wg-quick file), returned as is. */
    String getText(String path) {
        return send("GET", path, Optional.empty());
    }

    JsonNode post(String path, JsonNode body) {
        return json(send("POST", path, Optional.of(body)));
    }

    JsonNode put(String path, JsonNode body) {
        return json(send("PUT", path, Optional.of(body)));
    }

    void delete(String path) {
        send("DELETE", path, Optional.empty());
    }

    private static JsonNode json(String body) {
        if (body.isEmpty()) {
            return Json.mapper().missingNode();
        }
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw CliException.error("the appliance answered something that is not JSON: " + clip(body));
        }
    }

    private String send(String method, String path, Optional<JsonNode> body) {
        URI uri = URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        if (body.isPresent()) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes(body.get())));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() >= 300) {
                throw serverError(method, path, r);
            }
            return r.body();
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw unreachable(e instanceof HttpConnectTimeoutException ? "no answer to connect within "
                    + CONNECT_TIMEOUT.toSeconds() + " s" : "connection refused");
        } catch (HttpTimeoutException e) {
            throw CliException.error("the appliance API at " + base + " did not answer " + method + " " + path + " within "
                    + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            if (e.getCause() instanceof UnresolvedAddressException) {
                throw unreachable("unknown host " + base.getHost());
            }
            throw CliException.error(method + " " + base + path + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted while waiting for " + method + " " + base + path);
        }
    }

    private CliException unreachable(String why) {
        return CliException.error("cannot reach the appliance API at " + base + " (" + why + "): the appliance may not be "
                + "running there; start it, or point the CLI elsewhere with --api URL or PATRONUS_API_URL");
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** "field: message" from the API's error JSON; the raw status and body when the answer is not that JSON. */
    private CliException serverError(String method, String path, HttpResponse<String> r) {
        String message;
        try {
            JsonNode e = Json.mapper().readTree(r.body()).path("error");
            if (!e.path("message").isTextual()) {
                throw new IOException("no error.message");
            }
            message = e.path("message").asText();
            String field = e.path("field").asText("");
            if (!field.isEmpty() && !message.startsWith(field)) {
                message = field + ": " + message;
            }
        } catch (IOException | RuntimeException ex) {
            message = method + " " + path + " answered HTTP " + r.statusCode() + (r.body().isBlank() ? "" : ": " + clip(r.body()));
        }
        if (r.statusCode() == 401) {
            message += " (" + loginAdvice + ")";
        }
        return CliException.error(message);
    }

    private static String clip(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
