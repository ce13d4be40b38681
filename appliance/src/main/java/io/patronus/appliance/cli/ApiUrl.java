package io.patronus.appliance.cli;

import io.patronus.common.cli.CliException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Parsing and comparing appliance API URLs, so that "http://Host:80/" and "http://host" count as the same API. */
final class ApiUrl {
    private ApiUrl() {
    }

    /** The URL as a base for API paths; a usage error naming {@code source} when it is not an http(s) URL with a host. */
    static URI parse(String text, String source) {
        URI u;
        try {
            u = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw CliException.usage(source + " '" + text + "' is not a URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw CliException.usage(source + " '" + text + "' must be an http:// or https:// URL with a host, like " + PatronusCli.DEFAULT_API);
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw CliException.usage(source + " '" + text + "' must not have a query, fragment or user name");
        }
        int port = u.getPort() == defaultPort(scheme) ? -1 : u.getPort();
        String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
        String host = u.getHost().toLowerCase(Locale.ROOT);
        return URI.create(scheme + "://" + host + (port == -1 ? "" : ":" + port) + path);
    }

    /** Whether {@code saved} (as written in the token file) names the same API as {@code uri}. */
    static boolean same(String saved, URI uri) {
        try {
            return parse(saved, "saved").equals(uri);
        } catch (CliException e) {
            return false;
        }
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }
}
