package io.patronus.appliance.wg;

import io.patronus.model.IpPrefix;

import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One peer's changes in a {@link DeviceConfig}. {@code remove} deletes the peer; {@code replaceAllowedIps} replaces
 * its allowed IPs with {@code allowedIps} instead of adding to them; {@code updateOnly} changes an existing peer
 * but never creates one.
 */
public record PeerConfig(byte[] publicKey, Optional<byte[]> presharedKey, Optional<InetSocketAddress> endpoint,
                         OptionalInt persistentKeepalive, boolean replaceAllowedIps, List<IpPrefix> allowedIps,
                         boolean remove, boolean updateOnly) {
    public PeerConfig {
        if (publicKey.length != 32) {
            throw new IllegalArgumentException("peer public key must be 32 bytes, was " + publicKey.length);
        }
        publicKey = publicKey.clone();
        allowedIps = List.copyOf(allowedIps);
    }

    /** A peer to add or update with the given endpoint and exactly these allowed IPs. */
    public static PeerConfig upsert(byte[] publicKey, Optional<InetSocketAddress> endpoint, List<IpPrefix> allowedIps,
                                    OptionalInt keepalive) {
        return new PeerConfig(publicKey, Optional.empty(), endpoint, keepalive, true, allowedIps, false, false);
    }

    /** An existing peer's persistent keepalive, nothing else changed; never creates the peer. */
    public static PeerConfig keepalive(byte[] publicKey, int seconds) {
        return new PeerConfig(publicKey, Optional.empty(), Optional.empty(), OptionalInt.of(seconds), false, List.of(), false, true);
    }

    /** A peer to remove. */
    public static PeerConfig removal(byte[] publicKey) {
        return new PeerConfig(publicKey, Optional.empty(), Optional.empty(), OptionalInt.empty(), false, List.of(), true, false);
    }

    public String publicBase64() {
        return Base64.getEncoder().encodeToString(publicKey);
    }

    @Override
    public String toString() {
        return "PeerConfig[" + publicBase64() + (remove ? " remove" : " endpoint=" + endpoint.map(Object::toString).orElse("-")
                + " allowedIps=" + allowedIps + " keepalive=" + (persistentKeepalive.isPresent() ? persistentKeepalive.getAsInt() : "-"))
                + "]";
    }
}
