package io.patronus.appliance.federation;

import io.patronus.provisioning.Bootstrap;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.Fingerprint;
import io.patronus.provisioning.Onboarding;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.provisioning.RenewRequest;
import io.patronus.provisioning.RenewResponse;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.provisioning.TlsContexts;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Zero-touch enrolment and certificate renewal (docs/FEDERATION.md). Enrolment: read the bootstrap file, fetch the
 * controller's CA once over an unauthenticated connection and refuse unless its SHA-256 fingerprint is the pinned
 * one, generate the device key on the appliance, send a CSR for the serial with the WireGuard public key and the
 * endpoints over a connection trusting only that CA, verify the signed onboarding answer with the CA, and store the
 * identity ({@link FederationFiles}). An unreachable controller (or a 5xx) is retried with a 1 s .. 60 s exponential
 * backoff; a definitive refusal ({@code token_replayed}, {@code token_expired}, {@code ca_fingerprint_mismatch},
 * a bad bootstrap file, ...) stops at once with a {@link FederationException} saying why, and nothing is stored.
 *
 * <p>Not thread-safe: one enrolment or renewal at a time (the caller's thread).
 */
public final class Enroller {
    private static final System.Logger LOG = System.getLogger(Enroller.class.getName());

    /** Sleeps between attempts; tests pass one that does not. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** A completed enrolment: who the appliance now is, and the first bundle to apply. */
    record Enrolment(Identity identity, SignedEnvelope firstBundle) {
    }

    private final FederationFiles files;
    private final Clock clock;
    private final Sleeper sleeper;
    private final String applianceVersion;

    Enroller(FederationFiles files, Clock clock, Sleeper sleeper, String applianceVersion) {
        this.files = files;
        this.clock = clock;
        this.sleeper = sleeper;
        this.applianceVersion = applianceVersion;
    }

    /**
     * Enrols, retrying while it can help and {@code keepTrying} holds.
     *
     * @param waitForFile keep waiting (with the backoff) while the bootstrap file does not exist yet
     * @throws FederationException on a definitive refusal, when {@code keepTrying} turns false, or when interrupted
     */
    Enrolment enrol(Path bootstrapFile, boolean waitForFile, String serial, String wireguardPublicKey, Map<String, String> endpoints,
                    BooleanSupplier keepTrying) {
        return enrol(bootstrapFile, waitForFile, serial, wireguardPublicKey, endpoints, keepTrying,
                new EnrolmentProgress(bootstrapFile, serial, "caller", clock));
    }

    /** As above, recording every attempt in {@code progress} for the local API. */
    Enrolment enrol(Path bootstrapFile, boolean waitForFile, String serial, String wireguardPublicKey, Map<String, String> endpoints,
                    BooleanSupplier keepTrying, EnrolmentProgress progress) {
        Backoff backoff = Backoff.controller();
        KeyPair keys = DeviceKeys.generate();
        String lastProblem = "";
        for (int attempt = 1; ; attempt++) {
            progress.attemptStarted();
            try {
                if (!Files.exists(bootstrapFile)) {
                    if (!waitForFile) {
                        throw new FederationException("invalid_bootstrap", "bootstrap file " + bootstrapFile + " does not exist", false);
                    }
                    throw new FederationException("bootstrap_missing", "federation.enabled is true but the bootstrap file "
                            + bootstrapFile + " does not exist yet", true);
                }
                Bootstrap bootstrap = Bootstrap.read(bootstrapFile);
                progress.controller(bootstrap.controllerUrl().toString());
                bootstrap.serial().filter(bound -> !bound.equals(serial)).ifPresent(bound -> LOG.log(System.Logger.Level.WARNING,
                        "federation: the bootstrap token is bound to serial " + bound + " but this device's serial is " + serial
                                + "; the controller will refuse it (token_serial_mismatch) unless federation.serial is set to " + bound));
                Enrolment e = attempt(bootstrap, keys, serial, wireguardPublicKey, endpoints);
                LOG.log(System.Logger.Level.INFO, "federation: enrolled with " + bootstrap.controllerUrl() + " as site "
                        + e.identity().siteId() + " (" + e.identity().siteName() + "), serial " + serial + "; certificate renewal after "
                        + e.identity().renewAfter());
                progress.succeeded();
                return e;
            } catch (ProvisioningException e) {
                throw refused(new FederationException(e.code(), e.getMessage(), false, e), progress);
            } catch (FederationException e) {
                if (!e.retryable()) {
                    throw refused(e, progress);
                }
                if (!keepTrying.getAsBoolean()) {
                    progress.attemptFailed(e, Optional.empty());
                    throw new FederationException("stopped", "enrolment stopped after " + attempt + " attempt(s): " + e.getMessage(),
                            false, e);
                }
                Duration wait = backoff.next();
                progress.attemptFailed(e, Optional.of(wait));
                String problem = e.getMessage();
                // The first failure and every change of cause at WARNING; the same cause again quietly.
                LOG.log(problem.equals(lastProblem) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                        "federation: enrolment attempt " + attempt + " failed (" + problem + "); retrying in " + wait.toSeconds() + " s");
                lastProblem = problem;
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new FederationException("stopped", "enrolment interrupted while waiting to retry: " + problem, false, ie);
                }
            }
        }
    }

    /** A definitive refusal: not retried; the caller logs it once (nothing was stored). */
    private static FederationException refused(FederationException e, EnrolmentProgress progress) {
        progress.attemptFailed(e, Optional.empty());
        return e;
    }

    /** One enrolment attempt; stores the identity only when everything checked out. */
    Enrolment attempt(Bootstrap bootstrap, KeyPair keys, String serial, String wireguardPublicKey, Map<String, String> endpoints) {
        URI url = bootstrap.controllerUrl();
        X509Certificate ca = ControllerClient.fetchCa(url);
        if (!Fingerprint.matches(bootstrap.caFingerprint(), ca)) {
            String actual = Fingerprint.sha256(ca);
            LOG.log(System.Logger.Level.ERROR, "federation: controller CA fingerprint mismatch: the bootstrap file pins "
                    + Fingerprint.normalise(bootstrap.caFingerprint()) + " but " + url + " presents a CA with " + actual
                    + "; refusing to enrol (nothing was stored). Check the bootstrap file or the controller address");
            throw new FederationException("ca_fingerprint_mismatch", "the controller at " + url + " presents CA " + actual
                    + ", the bootstrap file pins " + Fingerprint.normalise(bootstrap.caFingerprint()), false);
        }
        String csr = DeviceKeys.csr(keys, serial);
        SignedEnvelope answer;
        try (ControllerClient client = new ControllerClient(url, TlsContexts.client(ca))) {
            answer = client.enrol(new EnrolmentRequest(bootstrap.token(), serial, csr, wireguardPublicKey, endpoints, applianceVersion));
        }
        Onboarding onboarding;
        try {
            onboarding = new EnvelopeVerifier(ca, clock).verify(answer, Onboarding.class);
        } catch (ProvisioningException e) {
            throw new FederationException(e.code(), "the onboarding answer from " + url + " does not verify with the pinned CA: "
                    + e.getMessage() + " (the token is used up: a new one is needed)", false, e);
        }
        X509Certificate certificate = Pem.parseCertificate(onboarding.certificate());
        if (!onboarding.serial().equals(serial)) {
            throw new FederationException("serial_mismatch", "the controller onboarded serial " + onboarding.serial()
                    + " but this device is " + serial, false);
        }
        if (!Arrays.equals(certificate.getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
            throw new FederationException("invalid_certificate", "the device certificate from " + url
                    + " is not for the key this appliance generated", false);
        }
        checkIssuedBy(certificate, ca, url);
        Identity identity = new Identity(onboarding.siteId(), onboarding.siteName(), serial, controllerUrl(onboarding, url),
                onboarding.renewAfter());
        files.saveEnrolment(keys.getPrivate(), certificate, ca, identity);
        return new Enrolment(identity, onboarding.bundle());
    }

    /**
     * The URL the device routes are called at: the one the bootstrap file gave, which is known to be reachable from
     * here. The onboarding's URL is what the controller believes it is called; it is logged when they differ.
     */
    private static String controllerUrl(Onboarding onboarding, URI bootstrapUrl) {
        String told = onboarding.controllerUrl();
        if (told != null && !told.isBlank() && !URI.create(told).equals(bootstrapUrl)) {
            LOG.log(System.Logger.Level.INFO, "federation: the controller calls itself " + told + "; this appliance keeps using "
                    + bootstrapUrl + " from its bootstrap file");
        }
        return bootstrapUrl.toString();
    }

    private static void checkIssuedBy(X509Certificate certificate, X509Certificate ca, URI url) {
        try {
            certificate.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new FederationException("invalid_certificate", "the device certificate from " + url
                    + " is not signed by the pinned CA: " + e.getMessage(), false, e);
        }
    }

    /** Renews the device certificate with a fresh key over mutual TLS; stores and returns the updated identity. */
    Identity renew(Identity identity, ControllerClient mtls, X509Certificate ca) {
        KeyPair keys = DeviceKeys.generate();
        RenewResponse r = mtls.renew(new RenewRequest(DeviceKeys.csr(keys, identity.serial())));
        X509Certificate certificate;
        try {
            certificate = Pem.parseCertificate(r.certificate());
        } catch (ProvisioningException e) {
            throw new FederationException("invalid_answer", "the renewed certificate does not parse: " + e.getMessage(), true, e);
        }
        if (!Arrays.equals(certificate.getPublicKey().getEncoded(), keys.getPublic().getEncoded())) {
            throw new FederationException("invalid_certificate", "the renewed certificate is not for the new key", true);
        }
        checkIssuedBy(certificate, ca, mtls.base());
        Identity next = identity.withRenewAfter(r.renewAfter());
        files.saveRenewal(keys.getPrivate(), certificate, next);
        LOG.log(System.Logger.Level.INFO, "federation: device certificate renewed (valid until " + certificate.getNotAfter().toInstant()
                + ", next renewal after " + r.renewAfter() + ")");
        return next;
    }
}
