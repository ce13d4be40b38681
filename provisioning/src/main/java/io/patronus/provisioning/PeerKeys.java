package io.patronus.provisioning;

import io.patronus.model.WireGuardKey;

import java.util.Optional;

/**
 * A remote site's WireGuard keys besides the current one in its {@code Site}, while it rotates: {@code next}, the
 * key it will switch to (peers add it beside the current one, without allowed IPs, and move the site's allowed IPs
 * to it once it completes a handshake), or {@code retiring}, the key it switched away from (kept without allowed IPs
 * until the controller stops listing it).
 */
public record PeerKeys(Optional<String> next, Optional<String> retiring) {
    public PeerKeys {
        next = next == null ? Optional.empty() : next;
        retiring = retiring == null ? Optional.empty() : retiring;
        next.ifPresent(k -> Fields.model("peerKeys.next", () -> WireGuardKey.check("peerKeys.next", k)));
        retiring.ifPresent(k -> Fields.model("peerKeys.retiring", () -> WireGuardKey.check("peerKeys.retiring", k)));
    }

    public static PeerKeys next(String key) {
        return new PeerKeys(Optional.of(key), Optional.empty());
    }

    public static PeerKeys retiring(String key) {
        return new PeerKeys(Optional.empty(), Optional.of(key));
    }
}
