package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** An inclusive TCP/UDP port range, written {@code 443} or {@code 10000-20000}. */
public record PortRange(int from, int to) {
    public PortRange {
        Check.range("from", from, 0, 65535);
        Check.range("to", to, 0, 65535);
        if (from > to) {
            throw new ValidationException("to", "order", "must not be below from (" + from + "), was " + to);
        }
    }

    @JsonCreator
    public static PortRange parse(String text) {
        Check.required("ports", text);
        String[] parts = text.split("-", -1);
        if (parts.length > 2) {
            throw new ValidationException("ports", "format", "must be a port or a range like 10000-20000, was '" + Check.clip(text) + "'");
        }
        int from = port(parts[0].trim(), text);
        int to = parts.length == 2 ? port(parts[1].trim(), text) : from;
        return new PortRange(from, to);
    }

    @JsonCreator
    public static PortRange single(int port) {
        return new PortRange(port, port);
    }

    private static int port(String s, String whole) {
        if (!Check.digits(s, 5)) {
            throw new ValidationException("ports", "format", "must be a port or a range like 10000-20000, was '" + Check.clip(whole) + "'");
        }
        return Integer.parseInt(s);
    }

    public boolean contains(int port) {
        return port >= from && port <= to;
    }

    @JsonValue
    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}
