package io.patronus.appliance.federation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.provisioning.RenewRequest;
import io.patronus.provisioning.RenewResponse;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.provisioning.TelemetryAck;
import io.patronus.provisioning.TelemetryBatch;
import io.patronus.provisioning.TlsContexts;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;

/**
 * The appliance's HTTPS client of the controller's device routes (docs/FEDERATION.md). One instance per TLS identity:
 * trusting only the pinned CA, with the device certificate once enrolled; a renewal makes a new one. Every failure is
 * a {@link FederationException} whose {@link FederationException#retryable() retryable()} tells the caller whether
 * to back off and try again (unreachable, 5xx, 408, 429) or to stop (any other refusal, with the controller's code).
 *
 * <p>Thread-safe: the underlying {@link HttpClient} is.
 */
final class ControllerClient implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Slack over the long-poll wait before the request counts as timed out. */
    private static final Duration LONG_POLL_SLACK = Duration.ofSeconds(15);

    private final URI base;
    private final HttpClient http;

    ControllerClient(URI base, SSLContext ssl) {
        this.base = base;
        this.http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    URI base() {
        return base;
    }

    /**
     * {@code GET /v1/ca} over a connection that trusts any server, once, before anything is pinned: the caller must
     * check the fingerprint before trusting the answer for anything.
     */
    static X509Certificate fetchCa(URI base) {
        try (ControllerClient c = new ControllerClient(base, TlsContexts.trustAllForFingerprintCheck())) {
            HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(c.uri("/v1/ca")).timeout(REQUEST_TIMEOUT).GET().build(),
                    "GET /v1/ca");
            try {
                return Pem.parseCertificate(new String(r.body(), StandardCharsets.UTF_8));
            } catch (ProvisioningException e) {
                throw new FederationException("invalid_answer", "GET " + c.uri("/v1/ca") + " did not answer a PEM certificate: "
                        + e.getMessage(), true, e);
            }
        }
    }

    /** {@code POST /v1/enrol}: the signed onboarding envelope (not verified here). */
    SignedEnvelope enrol(EnrolmentRequest request) {
        return post("/v1/enrol", request, SignedEnvelope.class);
    }

    /** {@code POST /v1/device/renew} over mutual TLS. */
    RenewResponse renew(RenewRequest request) {
        return post("/v1/device/renew", request, RenewResponse.class);
    }

    /** {@code GET /v1/device/config}: the newest bundle when its version is above {@code after}, else empty after the wait. */
    Optional<SignedEnvelope> config(long after, Duration wait) {
        long seconds = Math.max(0, Math.min(60, wait.toSeconds()));
        URI u = uri("/v1/device/config?after=" + after + "&waitSeconds=" + seconds);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(seconds).plus(LONG_POLL_SLACK))
                .header("Accept", "application/json").GET().build(), "GET /v1/device/config");
        if (r.statusCode() == 204) {
            return Optional.empty();
        }
        return Optional.of(decode(r, SignedEnvelope.class, "GET /v1/device/config"));
    }

    /**
     * {@code POST /v1/device/status}; returns whether the controller asks for the observed configuration in the next
     * report (it holds none for this appliance: a new or restored controller store).
     */
    boolean status(DeviceStatus status) {
        return post("/v1/device/status", status, JsonNode.class).path("observedConfigWanted").asBoolean(false);
    }

    /** {@code POST /v1/device/keys}: a key rotation step. */
    void keys(KeyReport report) {
        post("/v1/device/keys", report, JsonNode.class);
    }

    /** {@code POST /v1/device/telemetry}: the highest sequence the controller now holds durably. */
    TelemetryAck telemetry(TelemetryBatch batch) {
        return post("/v1/device/telemetry", batch, TelemetryAck.class);
    }

    private <T> T post(String path, Object body, Class<T> answer) {
        byte[] bytes;
        try {
            bytes = Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a protocol record always serialises: " + e.getMessage(), e);
        }
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), "POST " + path);
        if (answer == JsonNode.class && r.body().length == 0) {
            return null;
        }
        return decode(r, answer, "POST " + path);
    }

    private static <T> T decode(HttpResponse<byte[]> r, Class<T> type, String what) {
        try {
            return Json.mapper().readValue(r.body(), type);
        } catch (IOException | RuntimeException e) {
            throw new FederationException("invalid_answer", what + " answered " + r.statusCode() + " with a body that is not a "
                    + type.getSimpleName() + ": " + e.getMessage(), true, e);
        }
    }

    private URI uri(String pathAndQuery) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + pathAndQuery);
    }

    /** Sends, mapping transport failures and non-2xx answers to {@link FederationException}. */
    private HttpResponse<byte[]> send(HttpRequest request, String what) {
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new FederationException("controller_unreachable", what + " to " + base + " failed: " + describe(e), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FederationException("interrupted", what + " to " + base + " was interrupted", true, e);
        }
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            return r;
        }
        String code = "http_" + status;
        String message = new String(r.body(), StandardCharsets.UTF_8);
        try {
            JsonNode error = Json.mapper().readTree(r.body()).path("error");
            if (error.path("code").isTextual()) {
                code = error.path("code").asText();
                message = error.path("message").asText(message);
            }
        } catch (IOException | RuntimeException ignored) {
            // not the error shape: keep the raw body (clipped below)
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        boolean retryable = status >= 500 || status == 408 || status == 429;
        throw new FederationException(code, what + " to " + base + " answered " + status + " " + code + ": " + message, retryable);
    }

    private static String describe(IOException e) {
        if (e instanceof java.net.ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "cannot connect (refused or unreachable)";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time (" + e.getMessage() + ")";
        }
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        Throwable c = e.getCause();
        return c != null && c.getMessage() != null && !m.contains(c.getMessage()) ? m + " (" + c.getMessage() + ")" : m;
    }

    /** Aborts requests in flight (a long-poll) and releases the connections. */
    @Override
    public void close() {
        http.shutdownNow();
    }
}
