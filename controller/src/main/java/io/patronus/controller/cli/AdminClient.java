package io.patronus.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.model.Json;
import io.patronus.provisioning.TlsContexts;

import javax.net.ssl.SSLHandshakeException;
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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's HTTPS calls to the controller's admin API: trusts only the controller's CA, sends the admin token and the
 * chosen organisation (query parameter {@code organisation} on every call but those about organisations themselves),
 * and turns every failure into a one-line {@link CliException}: the controller's message with the field at fault, or
 * which URL could not be reached and why. Redirects are not followed, so the token goes nowhere else.
 */
final class AdminClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String token;
    private final X509Certificate ca;
    private final Optional<String> organisation;

    AdminClient(URI base, String token, X509Certificate ca, Optional<String> organisation) {
        this.base = base;
        this.token = token;
        this.ca = ca;
        this.organisation = organisation;
    }

    /** One path segment, percent-encoded. */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
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
            return Json.mapper().createObjectNode();
        }
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw CliException.error("the controller answered something that is not JSON: " + clip(body));
        }
    }

    /** The path with the organisation parameter, unless it is about organisations (which name theirs in the path). */
    private String scoped(String path) {
        if (organisation.isEmpty() || path.startsWith("/v1/admin/organisations")) {
            return path;
        }
        return path + (path.contains("?") ? "&" : "?") + "organisation="
                + URLEncoder.encode(organisation.get(), StandardCharsets.UTF_8);
    }

    private String send(String method, String path, Optional<JsonNode> body) {
        URI uri = URI.create(base.toString().replaceAll("/+$", "") + scoped(path));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Accept", "application/json")
                .header("Authorization", "Bearer " + token);
        if (body.isPresent()) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes(body.get())));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try (HttpClient http = HttpClient.newBuilder().sslContext(TlsContexts.client(ca)).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() >= 300) {
                throw serverError(method, path, r);
            }
            return r.body();
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw unreachable(e instanceof HttpConnectTimeoutException ? "no answer to connect within "
                    + CONNECT_TIMEOUT.toSeconds() + " s" : "connection refused");
        } catch (HttpTimeoutException e) {
            throw CliException.error("the controller at " + base + " did not answer " + method + " " + path + " within "
                    + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (SSLHandshakeException e) {
            throw CliException.error("TLS with " + base + " failed: " + e.getMessage() + " (is --ca-file the CA of this "
                    + "controller, and is the host in its certificate's names, config key tlsNames?)");
        } catch (IOException e) {
            if (e.getCause() instanceof UnresolvedAddressException) {
                throw unreachable("unknown host " + base.getHost());
            }
            if (e.getCause() instanceof SSLHandshakeException h) {
                throw CliException.error("TLS with " + base + " failed: " + h.getMessage() + " (is --ca-file the CA of "
                        + "this controller, and is the host in its certificate's names, config key tlsNames?)");
            }
            throw CliException.error(method + " " + uri + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted while waiting for " + method + " " + uri);
        }
    }

    private CliException unreachable(String why) {
        return CliException.error("cannot reach the controller at " + base + " (" + why + "): is it running there? "
                + "Point the CLI elsewhere with --controller URL or PATRONUS_CONTROLLER_URL");
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** "field: message" from the API's error JSON; the raw status and body when the answer is not that JSON. */
    private static CliException serverError(String method, String path, HttpResponse<String> r) {
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
            message += " (" + e.path("code").asText() + ")";
        } catch (IOException | RuntimeException ex) {
            message = method + " " + path + " answered HTTP " + r.statusCode() + (r.body().isBlank() ? "" : ": " + clip(r.body()));
        }
        return CliException.error(message);
    }

    private static String clip(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
