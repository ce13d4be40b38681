package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The CLI's HTTP calls to the appliance API. A server error becomes a {@link CliException} with the server's message
 * (and the field at fault), so the operator sees what the API said, not a stack trace.
 */
final class ApiCall {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final Optional<String> token;

    ApiCall(URI base, Optional<String> token) {
        this.base = base;
        this.token = token;
    }

    URI base() {
        return base;
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":");
    }

    JsonNode get(String path) {
        return json(send("GET", path, null));
    }

    String getText(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return json(send("POST", path, body));
    }

    JsonNode put(String path, Object body) {
        return json(send("PUT", path, body));
    }

    void delete(String path) {
        send("DELETE", path, null);
    }

    private static JsonNode json(String body) {
        if (body.isEmpty()) {
            return Json.mapper().nullNode();
        }
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw CliException.error("the appliance answered something that is not JSON: " + clip(body));
        }
    }

    private String send(String method, String path, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            if (body != null) {
                byte[] bytes = body instanceof byte[] raw ? raw : Json.mapper().writeValueAsBytes(body);
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw serverError(r);
            }
            return r.body();
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw CliException.error("cannot reach the appliance API at " + base
                    + " (is patronus-appliance running? use --api URL or PATRONUS_API_URL to point elsewhere)");
        } catch (HttpTimeoutException e) {
            throw CliException.error("the appliance API at " + base + " did not answer " + method + " " + path + " within 60 s");
        } catch (IOException e) {
            throw CliException.error("talking to the appliance API at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted");
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid API URL or path " + base + path + ": " + e.getMessage());
        }
    }

    private CliException serverError(HttpResponse<String> r) {
        String message;
        try {
            JsonNode e = Json.mapper().readTree(r.body()).get("error");
            message = e.get("message").asText();
            if (e.hasNonNull("field") && !message.startsWith(e.get("field").asText())) {
                message = e.get("field").asText() + ": " + message;
            }
            if (r.statusCode() == 401) {
                message += " (run `patronus login`)";
            }
        } catch (IOException | RuntimeException ex) {
            message = "HTTP " + r.statusCode() + ": " + clip(r.body());
        }
        return CliException.error(message);
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
