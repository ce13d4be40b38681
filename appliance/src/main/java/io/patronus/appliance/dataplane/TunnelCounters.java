package io.patronus.appliance.dataplane;

import java.util.Optional;

/**
 * What the WireGuard device says about one path's tunnel: the interface, seconds since the last handshake (empty
 * before the first), bytes received and sent, and the endpoint the peer is reached at.
 */
public record TunnelCounters(String iface, Optional<Long> handshakeAgeSeconds, long rxBytes, long txBytes,
                             Optional<String> endpoint) {
}
