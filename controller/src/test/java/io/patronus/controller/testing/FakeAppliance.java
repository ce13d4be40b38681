package io.patronus.controller.testing;

import io.patronus.model.Json;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.Onboarding;
import io.patronus.provisioning.PathSummary;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.provisioning.TlsContexts;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The appliance side of the federation protocol, as far as tests need it: a device key and CSR, enrolment with the
 * onboarding verified against the pinned CA, and device calls over mutual TLS.
 */
public final class FakeAppliance {
    private final TestFleet fleet;
    private final String serial;
    private final String wireguardKey;
    private KeyPair keys;
    private X509Certificate certificate;
    private Onboarding onboarding;
    private Http device;
    private int devicePort;

    public FakeAppliance(TestFleet fleet, String serial) {
        this.fleet = fleet;
        this.serial = serial;
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        this.wireguardKey = Base64.getEncoder().encodeToString(raw);
        this.keys = DeviceKeys.generate();
    }

    public String serial() {
        return serial;
    }

    public String wireguardKey() {
        return wireguardKey;
    }

    public EnrolmentRequest request(String token, String csrSerial) {
        return new EnrolmentRequest(token, serial, DeviceKeys.csr(keys, csrSerial), wireguardKey,
                Map.of("fiber", "192.0.2." + (1 + Math.abs(serial.hashCode() % 200)) + ":51820"), "0.1.0-test");
    }

    /** POST /v1/enrol with a CSR for {@code csrSerial}; the raw answer. */
    public Http.Answer tryEnrol(String token, String csrSerial) {
        return fleet.anonymous().post("/v1/enrol", request(token, csrSerial));
    }

    /** Enrols (200 expected), verifies the onboarding envelope and keeps the certificate for device calls. */
    public Onboarding enrol(String token) {
        Http.Answer a = tryEnrol(token, serial);
        if (a.status() != 200) {
            throw new AssertionError("enrolment of " + serial + " failed: " + a);
        }
        SignedEnvelope envelope = Json.mapper().convertValue(a.json(), SignedEnvelope.class);
        onboarding = verifier().verify(envelope, Onboarding.class);
        certificate = Pem.parseCertificate(onboarding.certificate());
        device = deviceClient();
        return onboarding;
    }

    /**
     * The same appliance (keys, certificate, onboarding) talking to another controller on the same data: the one a
     * test started on a copy of the data directory, as after a kill -9.
     */
    public FakeAppliance movedTo(TestFleet other) {
        FakeAppliance moved = new FakeAppliance(other, serial, wireguardKey, keys);
        moved.certificate = certificate;
        moved.onboarding = onboarding;
        moved.device = certificate == null ? null : moved.deviceClient();
        return moved;
    }

    private FakeAppliance(TestFleet fleet, String serial, String wireguardKey, KeyPair keys) {
        this.fleet = fleet;
        this.serial = serial;
        this.wireguardKey = wireguardKey;
        this.keys = keys;
    }

    public EnvelopeVerifier verifier() {
        return new EnvelopeVerifier(fleet.controller().caCertificate(), fleet.clockView());
    }

    public Onboarding onboarding() {
        return onboarding;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keys() {
        return keys;
    }

    /** Device calls with this appliance's certificate. */
    public Http device() {
        if (device != null && devicePort != fleet.controller().port()) {
            device = deviceClient(); // the controller restarted on another port
        }
        return device;
    }

    private Http deviceClient() {
        devicePort = fleet.controller().port();
        return new Http(fleet.controller().localUrl(),
                TlsContexts.client(fleet.controller().caCertificate(), keys.getPrivate(), certificate), Optional.empty());
    }

    /** Renews with a fresh key; afterwards device calls use the new certificate. Returns the renew answer. */
    public Http.Answer renew() {
        KeyPair fresh = DeviceKeys.generate();
        Http.Answer a = device().post("/v1/device/renew", Map.of("csr", DeviceKeys.csr(fresh, serial)));
        if (a.status() == 200) {
            keys = fresh;
            certificate = Pem.parseCertificate(a.json().path("certificate").asText());
            device = deviceClient();
        }
        return a;
    }

    /** GET /v1/device/config; the verified bundle, or empty on 204. */
    public Optional<ConfigBundle> poll(long after, int waitSeconds) {
        Http.Answer a = device().get("/v1/device/config?after=" + after + "&waitSeconds=" + waitSeconds,
                Duration.ofSeconds(waitSeconds + 10));
        if (a.status() == 204) {
            return Optional.empty();
        }
        if (a.status() != 200) {
            throw new AssertionError("config poll failed: " + a);
        }
        return Optional.of(verifier().verify(Json.mapper().convertValue(a.json(), SignedEnvelope.class), ConfigBundle.class));
    }

    /** The newest bundle at once (after=0, no wait). */
    public ConfigBundle bundle() {
        return poll(0, 0).orElseThrow();
    }

    public Http.Answer status(DeviceState state, long applied, long rejected, String reason, PathSummary paths,
                              Optional<BundleConfig> observed, int localChanges) {
        return status(state, applied, rejected, reason, paths, observed, localChanges, "");
    }

    /** POST /v1/device/status with a data plane problem ("" none). */
    public Http.Answer status(DeviceState state, long applied, long rejected, String reason, PathSummary paths,
                              Optional<BundleConfig> observed, int localChanges, String dataPlaneProblem) {
        return device().post("/v1/device/status", new DeviceStatus(state, applied, rejected, reason,
                fleet.clockView().instant(), paths, observed, localChanges, dataPlaneProblem));
    }

    /** POST /v1/device/keys: a next key generated ({@code active} false) or switched to. */
    public Http.Answer keys(String rotationId, String publicKey, boolean active) {
        return device().post("/v1/device/keys", new KeyReport(rotationId, publicKey, active));
    }

    /** A random WireGuard public key in its base64 form. */
    public static String randomKey() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** Reports {@code version} applied with every path up and the given observed config. */
    public Http.Answer applied(long version, Optional<BundleConfig> observed) {
        return status(DeviceState.CONFIG_APPLIED, version, 0, "", new PathSummary(2, 0, 0), observed, 0);
    }
}
