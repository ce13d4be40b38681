package io.patronus.appliance.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the appliance API on a real socket: answers canned JSON per "METHOD /path?query" and records every
 * request, so a test can check both what the CLI printed and what it sent.
 */
final class FakeAppliance implements AutoCloseable {
    /** A request as received: the raw path and query as they were on the wire. */
    record Request(String method, String target, Optional<String> authorization, String body) {
    }

    private record Answer(int status, String body) {
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeAppliance() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers {@code method target} (target as sent: "/v1/sites?status=active") with this status and body. */
    FakeAppliance answer(String method, String target, int status, String body) {
        answers.put(method + " " + target, new Answer(status, body));
        return this;
    }

    FakeAppliance answer(String method, String target, String body) {
        return answer(method, target, 200, body);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    Request onlyRequest() {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests);
        }
        return requests.getFirst();
    }

    private void handle(HttpExchange x) throws IOException {
        String target = x.getRequestURI().getRawPath() + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery());
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(x.getRequestMethod(), target,
                Optional.ofNullable(x.getRequestHeaders().getFirst("Authorization")), body));
        Answer a = answers.getOrDefault(x.getRequestMethod() + " " + target,
                new Answer(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no canned answer for " + target + "\"}}"));
        byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(a.status(), a.status() == 204 ? -1 : bytes.length);
        if (a.status() != 204) {
            x.getResponseBody().write(bytes);
        }
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
