package io.patronus.appliance.tunnel;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * Decides which end of a new tunnel sends the first WireGuard handshake initiation, and so when each peer entry gets
 * its persistent keepalive.
 *
 * <h2>Why</h2>
 * A peer with a persistent keepalive on an up device sends a keepalive, and so a handshake initiation, the moment it
 * is configured. If both ends do that at about the same time, the two initiations cross: each end answers the other's
 * and discards the answer to its own, both are left with an unconfirmed responder session, and nothing more is sent
 * until WireGuard retries after REKEY_TIMEOUT (5 s plus jitter). In a 10-site lab that hit 3-14 of 90 tunnels in every
 * run (docs/PERFORMANCE.md, "Every site at once").
 *
 * <h2>The rule</h2>
 * Of the two ends of a tunnel, the one whose public key is smaller (the 32 raw bytes compared as unsigned numbers) is
 * the <b>initiator</b>: it configures the peer with the keepalive at once. The other end <b>defers</b>: it configures
 * the peer without a keepalive, and sets it ({@value #KEEPALIVE_SECONDS} s, needed later to keep NAT mappings open)
 * once the entry has completed a handshake or {@link #DEFERRAL} after it added the entry, whichever comes first. Both
 * ends compare the same two keys, so they agree without talking. Each entry compares this site's key in use with the
 * entry's own key: the two static keys a handshake on that entry uses. During a rotation that is, for a remote site's
 * next-key entry, its next key (the one it will handshake with after it switched), and after this site switched, its
 * new key (the remote sites hold entries for that one already).
 *
 * <p>The deferral is 1 s. It must be short, because the initiator's first initiation may have been dropped (it was
 * sent before this end had added the peer, so this end did not know the key), and the initiator only retries after
 * 5 s: the deferring end then initiates itself after 1 s instead. It must be long enough for the initiator's
 * initiation to arrive in the common case: the two ends of a tunnel learn of each other from the same site list at
 * about the same time (every site of the 10-site lab had reconciled within 0.32 s), and a handshake round trip takes
 * milliseconds to a few hundred milliseconds (LTE, satellite). Initiations cross again only if the deferring end's
 * initiation and the initiator's are both in flight at once, i.e. if the initiator's lands within one trip time of
 * the end of the deferral.
 *
 * <h2>Probes wait for the first handshake</h2>
 * A new tunnel's paths are not probed until its entry has completed a handshake, for at most {@link #PROBE_HOLD} (2
 * s) after the entry was added, at both ends. At the deferring end a probe would make WireGuard initiate at once, and
 * the initiations could cross again. At the initiating end a probe sent before the handshake waits inside WireGuard
 * until one completes, which takes up to the other end's deferral when this end's first initiation was dropped; its
 * round trip then counts that wait, and a first RTT of a second or more made new paths DEGRADED, and moved traffic,
 * at start (the lab failover test). Two seconds cover the deferral plus a second of difference between the moments
 * the two ends added each other; past them a tunnel without a handshake is probed (and found DOWN) as before.
 *
 * <p>Only entries this reconciler added itself defer, and only while they have neither a handshake nor an elapsed
 * deferral: an entry found on the device (after an appliance restart) keeps or gets its keepalive, and an entry that
 * stopped deferring never defers again, so a settled peer is never reconfigured. Equal keys (a misconfiguration: two
 * sites sharing one key) defer at both ends, which only delays them by the deferral.
 *
 * <p>Stateless and thread-safe.
 */
public final class HandshakeStagger {
    /** The persistent keepalive of every settled peer entry. */
    public static final int KEEPALIVE_SECONDS = 25;
    /** How long the end with the larger key waits for the initiator's handshake before it initiates itself. */
    public static final Duration DEFERRAL = Duration.ofSeconds(1);
    /** How long, at most, a new tunnel's paths wait for its first handshake before they are probed. */
    public static final Duration PROBE_HOLD = Duration.ofSeconds(2);

    private HandshakeStagger() {
    }

    /**
     * The keepalive a peer entry should have now.
     *
     * @param seconds       {@value #KEEPALIVE_SECONDS}, or 0 while the entry defers its first initiation
     * @param deferralEnds  when the deferral ends, while the entry defers
     */
    public record Keepalive(int seconds, Optional<Instant> deferralEnds) {
        static final Keepalive ON = new Keepalive(KEEPALIVE_SECONDS, Optional.empty());

        public boolean deferring() {
            return deferralEnds.isPresent();
        }
    }

    /** Whether the end with {@code ownPublicKey} sends the first initiation to the peer with {@code peerPublicKey}. */
    public static boolean initiates(byte[] ownPublicKey, byte[] peerPublicKey) {
        return Arrays.compareUnsigned(ownPublicKey, peerPublicKey) < 0;
    }

    /**
     * The keepalive of one peer entry at {@code now}.
     *
     * @param addedAt       when this reconciler added the entry, while it may still defer; empty for an entry that
     *                      settled or that was found on the device
     * @param handshakeSeen whether the entry has completed a handshake
     */
    public static Keepalive keepalive(byte[] ownPublicKey, byte[] peerPublicKey, Optional<Instant> addedAt,
                                      boolean handshakeSeen, Instant now) {
        if (handshakeSeen || addedAt.isEmpty() || initiates(ownPublicKey, peerPublicKey) || !deferring(addedAt.get(), now)) {
            return Keepalive.ON;
        }
        return new Keepalive(0, Optional.of(addedAt.get().plus(DEFERRAL)));
    }

    /**
     * Whether a deferral that started at {@code addedAt} still runs at {@code now}. A clock set back before the start
     * ends it: a deferral must never outlast its second because the wall clock jumped.
     */
    static boolean deferring(Instant addedAt, Instant now) {
        return within(addedAt, DEFERRAL, now);
    }

    /** Whether the probe hold of an entry added at {@code addedAt} still runs at {@code now} (same clock rule). */
    static boolean holding(Instant addedAt, Instant now) {
        return within(addedAt, PROBE_HOLD, now);
    }

    private static boolean within(Instant start, Duration length, Instant now) {
        return !now.isBefore(start) && now.isBefore(start.plus(length));
    }
}
