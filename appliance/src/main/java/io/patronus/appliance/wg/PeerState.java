package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One peer as read back: where it is, what it carries, when it last completed a handshake, and its traffic. */
public record PeerState(String publicKey, Optional<InetSocketAddress> endpoint, List<IpPrefix> allowedIps,
                        Optional<Instant> lastHandshake, long rxBytes, long txBytes, int persistentKeepalive) {
    public PeerState {
        allowedIps = List.copyOf(allowedIps);
    }
}
