package io.patronus.appliance.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.patronus.model.Role;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Issues and checks the API's bearer tokens: HS256 JWTs (nimbus-jose-jwt) signed with a 256-bit key generated on
 * first start and kept in {@code secrets/jwt.key} (mode 0600), so tokens survive a restart of the appliance.
 */
public final class TokenService {
    static final String ISSUER = "patronus-appliance";
    private final byte[] key;
    private final Duration ttl;
    private final Clock clock;

    public TokenService(byte[] key, Duration ttl, Clock clock) {
        if (key.length < 32) {
            throw new IllegalArgumentException("JWT signing key must be at least 32 bytes, was " + key.length);
        }
        this.key = key.clone();
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Loads the signing key from {@code file}, creating a random one (0600) the first time. */
    public static TokenService fromKeyFile(Path file, Duration ttl, Clock clock) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            SecretFiles.write(file, fresh);
        }
        return new TokenService(SecretFiles.read(file), ttl, clock);
    }

    /** A token and its expiry. */
    public record Issued(String token, Instant expiresAt) {
    }

    public Issued issue(Principal principal) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(principal.username())
                .claim("role", principal.role().wire())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token: " + e.getMessage(), e);
        }
        return new Issued(jwt.serialize(), exp);
    }

    /** Checks signature, issuer and expiry; returns who the token speaks for. */
    public Principal verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new MACVerifier(key))) {
                throw new AuthException("the token is not valid: log in again");
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            if (!ISSUER.equals(c.getIssuer()) || c.getExpirationTime() == null || c.getSubject() == null) {
                throw new AuthException("the token is not valid: log in again");
            }
            if (!c.getExpirationTime().toInstant().isAfter(clock.instant())) {
                throw new AuthException("the token has expired: log in again");
            }
            return new Principal(c.getSubject(), Role.parse(String.valueOf(c.getClaim("role"))));
        } catch (ParseException | JOSEException | RuntimeException e) {
            if (e instanceof AuthException a) {
                throw a;
            }
            throw new AuthException("the token is not valid: log in again");
        }
    }
}
