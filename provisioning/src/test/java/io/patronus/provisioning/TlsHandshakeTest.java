package io.patronus.provisioning;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real TLS handshakes over loopback between the controller's and the appliance's contexts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsHandshakeTest {
    private static final int TIMEOUT_MS = 10_000;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private KeyPair serverKeys;
    private X509Certificate serverCert;
    private KeyPair deviceKeys;
    private X509Certificate deviceCert;

    @BeforeEach
    void setUp() {
        ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "Patronus CA", Clock.systemUTC());
        serverKeys = DeviceKeys.generate();
        serverCert = ca.issueServer(serverKeys.getPublic(), List.of("localhost"), List.of(LOOPBACK.getHostAddress()), Duration.ofDays(1));
        deviceKeys = DeviceKeys.generate();
        deviceCert = ca.issueDevice(DeviceKeys.csr(deviceKeys, "PAT-1"), "PAT-1", "branch-1", Duration.ofDays(1));
    }

    @Test
    void handshake_deviceCertificate_serverSeesItAsDeviceIdentity() throws Exception {
        try (SSLServerSocket server = serverSocket()) {
            CompletableFuture<Certificate[]> seen = acceptOne(server);

            try (SSLSocket client = connect(TlsContexts.client(ca.certificate(), deviceKeys.getPrivate(), deviceCert), server.getLocalPort())) {
                client.startHandshake();
                assertEquals("TLSv1.3", client.getSession().getProtocol());
                assertEquals(serverCert, client.getSession().getPeerCertificates()[0]);
                assertEquals(1, client.getInputStream().read(), "server answered after the handshake");
            }

            Certificate[] chain = seen.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals(deviceCert, chain[0]);
            X509Certificate[] x509 = java.util.Arrays.copyOf(chain, chain.length, X509Certificate[].class);
            assertEquals("branch-1", ca.verifyDevice(x509, java.time.Instant.now()).siteId());
        }
    }

    @Test
    void handshake_clientTrustingAnotherCa_fails() throws Exception {
        CertificateAuthority other = CertificateAuthority.loadOrCreate(dir.resolve("other"), "Patronus CA", Clock.systemUTC());
        try (SSLServerSocket server = serverSocket()) {
            CompletableFuture<Certificate[]> seen = acceptOne(server);

            try (SSLSocket client = connect(TlsContexts.client(other.certificate(), deviceKeys.getPrivate(), deviceCert), server.getLocalPort())) {
                assertThrows(SSLException.class, client::startHandshake);
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> seen.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void handshake_clientCertificateFromAnotherCa_serverRefuses() throws Exception {
        CertificateAuthority other = CertificateAuthority.loadOrCreate(dir.resolve("other"), "Patronus CA", Clock.systemUTC());
        X509Certificate foreign = other.issueDevice(DeviceKeys.csr(deviceKeys, "PAT-1"), "PAT-1", "branch-1", Duration.ofDays(1));
        try (SSLServerSocket server = serverSocket()) {
            CompletableFuture<Certificate[]> seen = acceptOne(server);

            try (SSLSocket client = connect(TlsContexts.client(ca.certificate(), deviceKeys.getPrivate(), foreign), server.getLocalPort())) {
                // In TLS 1.3 the client finishes first; the server's refusal arrives as an alert on the first read.
                assertThrows(IOException.class, () -> {
                    client.startHandshake();
                    client.getInputStream().read();
                });
            }
            assertThrows(ExecutionException.class, () -> seen.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void handshake_tls12Client_refused() throws Exception {
        try (SSLServerSocket server = serverSocket()) {
            acceptOne(server);
            // Trusts the CA and presents the device certificate, so that only the protocol version can fail it.
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            java.security.KeyStore identity = java.security.KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("k", deviceKeys.getPrivate(), new char[0], new X509Certificate[]{deviceCert, ca.certificate()});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, new char[0]);
            SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
            tls12.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            try (SSLSocket client = (SSLSocket) tls12.getSocketFactory().createSocket(LOOPBACK, server.getLocalPort())) {
                client.setSoTimeout(TIMEOUT_MS);
                client.setEnabledProtocols(new String[]{"TLSv1.2"});
                SSLException e = assertThrows(SSLException.class, client::startHandshake);
                assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("protocol"), e.getMessage());
            }
        }
    }

    @Test
    void handshake_tls12ClientAgainstUnrestrictedServer_wouldSucceed() throws Exception {
        // Control for the test above: the same TLS 1.2 client does connect when the server allows TLS 1.2.
        try (SSLServerSocket server = serverSocket()) {
            server.setEnabledProtocols(new String[]{"TLSv1.2", "TLSv1.3"});
            server.setNeedClientAuth(false);
            CompletableFuture<Certificate[]> accepted = acceptOne(server);
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
            tls12.init(null, tmf.getTrustManagers(), null);
            try (SSLSocket client = (SSLSocket) tls12.getSocketFactory().createSocket(LOOPBACK, server.getLocalPort())) {
                client.setSoTimeout(TIMEOUT_MS);
                client.setEnabledProtocols(new String[]{"TLSv1.2"});
                client.startHandshake();
                assertEquals("TLSv1.2", client.getSession().getProtocol());
                assertEquals(1, client.getInputStream().read());
            }
            accepted.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void trustAllForFingerprintCheck_connects_andCaIsInServerChain() throws Exception {
        try (SSLServerSocket server = serverSocket()) {
            server.setNeedClientAuth(false);
            server.setWantClientAuth(true);
            acceptOne(server);

            try (SSLSocket client = connect(TlsContexts.trustAllForFingerprintCheck(), server.getLocalPort())) {
                client.startHandshake();
                Certificate[] chain = client.getSession().getPeerCertificates();
                assertTrue(Fingerprint.matches(ca.fingerprint(), (X509Certificate) chain[chain.length - 1]));
            }
        }
    }

    private SSLServerSocket serverSocket() throws IOException {
        SSLServerSocket server = (SSLServerSocket) TlsContexts.server(serverKeys.getPrivate(), serverCert, ca.certificate())
                .getServerSocketFactory().createServerSocket(0, 5, LOOPBACK);
        server.setSoTimeout(TIMEOUT_MS);
        server.setNeedClientAuth(true);
        return server;
    }

    /** Accepts one connection in a thread, completes the handshake, answers one byte and returns the client's chain. */
    private static CompletableFuture<Certificate[]> acceptOne(SSLServerSocket server) {
        CompletableFuture<Certificate[]> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.setSoTimeout(TIMEOUT_MS);
                socket.startHandshake();
                Certificate[] chain;
                try {
                    chain = socket.getSession().getPeerCertificates();
                } catch (javax.net.ssl.SSLPeerUnverifiedException anonymous) {
                    chain = new Certificate[0];
                }
                socket.getOutputStream().write(1);
                socket.getOutputStream().flush();
                result.complete(chain);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "tls-test-server");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static SSLSocket connect(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(LOOPBACK, port);
        socket.setSoTimeout(TIMEOUT_MS);
        // Check the server's name as an HTTPS client would: the loopback address must be in the certificate's SANs.
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        return socket;
    }
}
