package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.regex.Pattern;

/** Where a remote site's link can be reached: {@code host:port}, with IPv6 literals in brackets. */
public record Endpoint(String host, int port) {
    private static final Pattern HOSTNAME = Pattern.compile("(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");

    public Endpoint {
        Check.required("host", host);
        if (IpPrefix.literal(host) == null && (!HOSTNAME.matcher(host).matches() || numericTopLabel(host))) {
            throw new ValidationException("host", "format", "must be an IP address or a DNS name, was '" + Check.clip(host) + "'");
        }
        Check.range("port", port, 1, 65535);
    }

    @JsonCreator
    public static Endpoint parse(String text) {
        Check.required("endpoint", text);
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new ValidationException("endpoint", "format", "must be [ipv6]:port, was '" + Check.clip(text) + "'");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new ValidationException("endpoint", "format", "must be host:port (IPv6 as [addr]:port), was '" + Check.clip(text) + "'");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        if (!Check.digits(portText, 5)) {
            throw new ValidationException("endpoint", "format", "has an invalid port '" + Check.clip(portText) + "'");
        }
        return new Endpoint(host, Integer.parseInt(portText));
    }

    /** An all-digit last label is no DNS name (RFC 3696 section 2) but a mistyped address such as 10.0.0.256. */
    private static boolean numericTopLabel(String host) {
        return Check.digits(host.substring(host.lastIndexOf('.') + 1), 253);
    }

    @JsonValue
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
