package io.patronus.appliance.wg;

import java.util.List;
import java.util.Optional;

/** A WireGuard device as read back from the kernel or wireguard-go. The private key is never part of it. */
public record DeviceState(String name, Optional<String> publicKey, int listenPort, int fwmark, List<PeerState> peers) {
    public DeviceState {
        peers = List.copyOf(peers);
    }

    public Optional<PeerState> peer(String publicBase64) {
        return peers.stream().filter(p -> p.publicKey().equals(publicBase64)).findFirst();
    }
}
