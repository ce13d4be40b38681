package io.patronus.controller.enrol;

import io.patronus.controller.fleet.FleetException;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.TokenRecord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Enrolment tokens: created for a staged site (optionally bound to a device serial), shown once, stored only as the
 * SHA-256 of their text, used at most once, revocable. A token is {@code ptok_} and 32 random bytes in URL-safe
 * base64 (256 bits), so guessing one is hopeless and hashing without salt is enough.
 */
public final class Tokens {
    /** The prefix of every token, so a leaked one is recognisable in logs and scanners. */
    public static final String PREFIX = "ptok_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ControllerStore store;

    public Tokens(ControllerStore store) {
        this.store = store;
    }

    /** A new token and its secret text, which is returned only here. */
    public record Issued(TokenRecord record, String token) {
    }

    /**
     * Creates a token for {@code siteId}.
     *
     * @param visible whether the caller may see a site of this organisation (a site of another one is not found)
     * @throws FleetException 404 when the site does not exist or is not visible
     */
    public Issued create(String siteId, Duration ttl, Optional<String> serial, Predicate<String> visible, String actor,
                         String remote) {
        String secret = secret(PREFIX);
        String id = id("tok-");
        TokenRecord record = store.transact(actor, tx -> {
            SiteRecord site = tx.store().site(siteId).filter(s -> visible.test(s.organisation())).orElseThrow(() ->
                    FleetException.notFound("site " + siteId + " does not exist: stage it first with POST /v1/admin/sites"));
            TokenRecord t = new TokenRecord(id, sha256(secret), siteId, site.organisation(), serial, tx.now(), tx.now().plus(ttl),
                    Optional.empty(), Optional.empty(), false, actor);
            tx.putToken(t);
            tx.audit(site.organisation(), actor, "token.create", "token/" + id, "for site " + siteId + serial.map(s -> " bound to serial " + s).orElse("")
                    + ", expires " + t.expiresAt(), remote);
            return t;
        });
        return new Issued(record, secret);
    }

    /**
     * Revokes a token; revoking a revoked token changes nothing.
     *
     * @param visible whether the caller may see a token of this organisation (one of another is not found)
     * @throws FleetException 404 when there is no such token, or it is not visible
     */
    public TokenRecord revoke(String id, Predicate<String> visible, String actor, String remote) {
        return store.transact(actor, tx -> {
            TokenRecord t = tx.store().token(id).filter(x -> visible.test(x.organisation()))
                    .orElseThrow(() -> FleetException.notFound("token " + id + " does not exist"));
            if (t.revoked()) {
                return t;
            }
            TokenRecord r = t.revoke();
            tx.putToken(r);
            tx.audit(t.organisation(), actor, "token.revoke", "token/" + id, "revoked (was " + t.state(tx.now()) + ")", remote);
            return r;
        });
    }

    /** Lower-case hex SHA-256 of a token's UTF-8 text. */
    /** A new bearer secret: {@code prefix} and 256 random bits in URL-safe base64; only its SHA-256 is ever stored. */
    public static String secret(String prefix) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** A new public identifier for a secret: {@code prefix} and 48 random bits in hex. */
    public static String id(String prefix) {
        byte[] raw = new byte[6];
        RANDOM.nextBytes(raw);
        return prefix + HexFormat.of().formatHex(raw);
    }

    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
