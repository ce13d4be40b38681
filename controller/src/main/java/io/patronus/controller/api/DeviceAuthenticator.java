package io.patronus.controller.api;

import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.DeviceIdentity;
import io.patronus.provisioning.ProvisioningException;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a TLS client certificate may call a device route: it must chain to the controller's CA and be valid
 * (else 401 {@code untrusted_certificate}; none at all is 401 {@code client_certificate_required}), and it must be
 * the current certificate of its site's appliance, or the previous one until that expires (else 403
 * {@code certificate_revoked}: a deleted site, a replaced appliance, a certificate superseded twice).
 */
public final class DeviceAuthenticator {
    private final CertificateAuthority ca;
    private final ControllerStore store;
    private final Clock clock;

    public DeviceAuthenticator(CertificateAuthority ca, ControllerStore store, Clock clock) {
        this.ca = ca;
        this.store = store;
        this.clock = clock;
    }

    /** The caller behind the presented chain, or an {@link ApiException} with the code of docs/FEDERATION.md. */
    public Caller.Device authenticate(Optional<Certificate[]> presented) {
        if (presented.isEmpty() || presented.get().length == 0) {
            throw new ApiException(401, "client_certificate_required", "this device route needs the appliance's "
                    + "client certificate (mutual TLS); enrol first with POST /v1/enrol");
        }
        X509Certificate[] chain = new X509Certificate[presented.get().length];
        for (int i = 0; i < chain.length; i++) {
            if (!(presented.get()[i] instanceof X509Certificate x)) {
                throw new ApiException(401, "untrusted_certificate", "the client certificate is not an X.509 certificate");
            }
            chain[i] = x;
        }
        DeviceIdentity id;
        try {
            id = ca.verifyDevice(chain, clock.instant());
        } catch (ProvisioningException e) {
            throw new ApiException(401, "untrusted_certificate", "the client certificate was not issued by this "
                    + "controller's CA or is not valid now: " + e.getMessage());
        }
        Optional<ApplianceRecord> appliance = store.appliance(id.siteId());
        if (appliance.isEmpty()) {
            throw new ApiException(403, "certificate_revoked", "certificate " + id.certificateSerial() + " of site "
                    + id.siteId() + " belongs to no enrolled appliance (the site was deleted or never enrolled); "
                    + "enrol again with a new token");
        }
        ApplianceRecord a = appliance.get();
        String serial = id.certificateSerial().toLowerCase(Locale.ROOT);
        boolean current = a.certificateSerial().toLowerCase(Locale.ROOT).equals(serial);
        boolean previous = a.previousCertificateSerial().map(s -> s.toLowerCase(Locale.ROOT).equals(serial)).orElse(false)
                && a.previousCertificateNotAfter().map(t -> clock.instant().isBefore(t)).orElse(false);
        if (!a.serial().equals(id.serial()) || !current && !previous) {
            throw new ApiException(403, "certificate_revoked", "certificate " + id.certificateSerial() + " of site "
                    + id.siteId() + " (device " + id.serial() + ") is no longer the appliance's certificate "
                    + "(it was renewed or the appliance was replaced); enrol again with a new token");
        }
        return new Caller.Device(id);
    }
}
