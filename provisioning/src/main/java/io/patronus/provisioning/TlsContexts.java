package io.patronus.provisioning;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * TLS 1.3 contexts for the federation: the controller's server (its certificate, client certificates from the CA
 * accepted) and the appliance's client (trusting only the pinned CA, with or without its device certificate).
 */
public final class TlsContexts {
    private static final char[] NO_PASSWORD = new char[0];

    private TlsContexts() {
    }

    /**
     * The controller's server context: presents {@code cert} (with the CA after it) and trusts client certificates
     * of {@code ca} only. It does not demand one: set {@code wantClientAuth} on the socket or engine, and check per
     * route with {@link CertificateAuthority#verifyDevice}.
     */
    public static SSLContext server(PrivateKey key, X509Certificate cert, X509Certificate ca) {
        return context(keyManagers(key, cert, ca), trustManagers(ca));
    }

    /** An appliance context without a client certificate (enrolment), trusting only {@code ca}. */
    public static SSLContext client(X509Certificate ca) {
        return context(null, trustManagers(ca));
    }

    /** An appliance context presenting its device certificate {@code cert} for {@code key}, trusting only {@code ca}. */
    public static SSLContext client(X509Certificate ca, PrivateKey key, X509Certificate cert) {
        return context(keyManagers(key, cert, ca), trustManagers(ca));
    }

    /**
     * A context that accepts any server certificate, for one use only: downloading {@code GET /v1/ca} before anything
     * is trusted, whose answer the caller must then check against the bootstrap fingerprint with
     * {@link Fingerprint#matches} before using it. Nothing else may go over it.
     */
    public static SSLContext trustAllForFingerprintCheck() {
        return context(null, new TrustManager[]{new AcceptAnyServer()});
    }

    private static SSLContext context(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keyManagers, trustManagers, new SecureRandom());
            return Tls13Only.wrap(context);
        } catch (GeneralSecurityException e) {
            throw new ProvisioningException("tls_error", "cannot create a TLSv1.3 context: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(PrivateKey key, X509Certificate cert, X509Certificate ca) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(ca, "ca");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            X509Certificate[] chain = cert.equals(ca) ? new X509Certificate[]{cert} : new X509Certificate[]{cert, ca};
            store.setKeyEntry("identity", key, NO_PASSWORD, chain);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, NO_PASSWORD);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ProvisioningException("tls_error", "cannot use the key and certificate '"
                    + cert.getSubjectX500Principal().getName() + "' for TLS: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(X509Certificate ca) {
        Objects.requireNonNull(ca, "ca");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ProvisioningException("tls_error", "cannot trust CA '" + ca.getSubjectX500Principal().getName() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Accepts every server. An {@link X509ExtendedTrustManager}, so that the JDK does not wrap it with its own
     * host-name check, which would defeat the point (the controller may be addressed by a name not yet in any SAN).
     */
    private static final class AcceptAnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("the fingerprint-check context is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("the fingerprint-check context is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("the fingerprint-check context is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
