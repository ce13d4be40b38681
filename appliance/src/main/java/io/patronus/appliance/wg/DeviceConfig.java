package io.patronus.appliance.wg;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Changes to apply to a WireGuard device, mirroring WG_CMD_SET_DEVICE and the UAPI {@code set=1} operation: absent
 * values are left as they are; {@code replacePeers} removes every peer not listed.
 */
public record DeviceConfig(Optional<WgKeyPair> privateKey, OptionalInt listenPort, OptionalInt fwmark,
                           boolean replacePeers, List<PeerConfig> peers) {
    public DeviceConfig {
        peers = List.copyOf(peers);
        listenPort.ifPresent(p -> {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("listenPort must be 0-65535, was " + p);
            }
        });
    }

    @Override
    public String toString() {
        return "DeviceConfig[privateKey=" + privateKey.map(k -> "(set)").orElse("(unchanged)") + ", listenPort=" + listenPort
                + ", fwmark=" + fwmark + ", replacePeers=" + replacePeers + ", peers=" + peersSummary() + "]";
    }

    /** The peers, or for many (an error message about a 1,000-peer change) the first three and the count. */
    private String peersSummary() {
        if (peers.size() <= 3) {
            return peers.toString();
        }
        return peers.subList(0, 3).toString().replaceFirst("]$", ", ... (" + peers.size() + " peers)]");
    }
}
