package io.patronus.controller.enrol;

import io.patronus.controller.api.ApiException;
import io.patronus.controller.api.ApiRequest;
import io.patronus.controller.fleet.ConfigPublisher;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.Progress;
import io.patronus.controller.store.BundleVersion;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.TokenRecord;
import io.patronus.model.Endpoint;
import io.patronus.model.ValidationException;
import io.patronus.provisioning.BundleSigner;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.DeviceIdentity;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.Onboarding;
import io.patronus.provisioning.PathSummary;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.provisioning.RenewRequest;
import io.patronus.provisioning.RenewResponse;
import io.patronus.provisioning.SignedEnvelope;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Zero-touch enrolment and certificate renewal (docs/FEDERATION.md).
 *
 * <p>Enrolment, in order: the token is looked up by the SHA-256 of its text ({@code token_unknown}, 401), then, under
 * the store's lock, checked ({@code token_revoked}, {@code token_replayed}, {@code token_expired},
 * {@code token_serial_mismatch}, 403) and at once marked used in its own durable change: from that moment the token
 * is spent, whatever happens next (a bad CSR, a crash, an answer lost on the way). Then the CSR must verify and name
 * the serial ({@code invalid_csr}, 400); the CA issues the device certificate; the appliance record is created (or
 * replaces the site's previous appliance) with the site's WireGuard key and endpoints, and the publisher renders the
 * first bundle for it and new bundles for every other appliance whose mesh changed. The answer is a signed
 * {@link Onboarding}.
 */
public final class Enrolment {
    private final ControllerStore store;
    private final CertificateAuthority ca;
    private final BundleSigner signer;
    private final ConfigPublisher publisher;
    private final Duration certificateValidity;
    private final Supplier<String> controllerUrl;

    public Enrolment(ControllerStore store, CertificateAuthority ca, BundleSigner signer, ConfigPublisher publisher,
                     Duration certificateValidity, Supplier<String> controllerUrl) {
        this.store = store;
        this.ca = ca;
        this.signer = signer;
        this.publisher = publisher;
        this.certificateValidity = certificateValidity;
        this.controllerUrl = controllerUrl;
    }

    /** Runs an enrolment; refusals are {@link ApiException}s with the codes above (the server audits them). */
    public SignedEnvelope enrol(EnrolmentRequest req, ApiRequest call) {
        call.auditActor("serial:" + req.serial());
        String hash = Tokens.sha256(req.token());
        TokenRecord token = store.tokenBySecretHash(hash).orElseThrow(() -> new ApiException(401, "token_unknown",
                "the enrolment token is not known to this controller; ask the operator for a token "
                        + "(patronus-controller tokens create)", Optional.of("token")));
        call.auditActor("token:" + token.id() + "/serial:" + req.serial());
        call.auditTarget("site/" + token.siteId());
        call.auditOrganisation(token.organisation());
        store.transact("token:" + token.id(), tx -> {
            TokenRecord t = tx.store().token(token.id()).orElseThrow();
            Instant now = tx.now();
            if (t.revoked()) {
                throw new ApiException(403, "token_revoked", "enrolment token " + t.id() + " was revoked; ask the operator "
                        + "for a new one", Optional.of("token"));
            }
            if (t.usedAt().isPresent()) {
                throw new ApiException(403, "token_replayed", "enrolment token " + t.id() + " was already used at "
                        + t.usedAt().get() + t.usedBySerial().map(s -> " by device " + s).orElse("")
                        + "; a token enrols once: ask the operator for a new one", Optional.of("token"));
            }
            if (!now.isBefore(t.expiresAt())) {
                throw new ApiException(403, "token_expired", "enrolment token " + t.id() + " expired at " + t.expiresAt()
                        + "; ask the operator for a new one", Optional.of("token"));
            }
            if (t.serial().isPresent() && !t.serial().get().equals(req.serial())) {
                throw new ApiException(403, "token_serial_mismatch", "enrolment token " + t.id() + " is bound to device "
                        + "serial " + t.serial().get() + ", not " + req.serial(), Optional.of("serial"));
            }
            if (tx.store().site(t.siteId()).isEmpty()) {
                throw new ApiException(403, "token_revoked", "enrolment token " + t.id() + " is for site " + t.siteId()
                        + ", which was deleted", Optional.of("token"));
            }
            tx.putToken(t.used(now, req.serial()));
            tx.audit(t.organisation(), "token:" + t.id(), "token.use", "token/" + t.id(), "used by device " + req.serial() + " for site "
                    + t.siteId(), call.remote());
            return null;
        });
        Map<String, Endpoint> endpoints = endpoints(req.endpoints());
        X509Certificate certificate;
        try {
            certificate = ca.issueDevice(req.csr(), req.serial(), token.siteId(), certificateValidity);
        } catch (ProvisioningException e) {
            if (e.code().equals("ca_error")) {
                throw e;
            }
            throw new ApiException(400, "invalid_csr", "the CSR was refused: " + e.getMessage()
                    + " (token " + token.id() + " is now used; a new enrolment needs a new token)", Optional.of("csr"));
        }
        DeviceIdentity id = DeviceIdentity.of(certificate);
        Instant renewAfter = renewAfter(certificate);
        SiteRecord site = store.transact("token:" + token.id(), tx -> {
            SiteRecord s = tx.store().site(token.siteId()).orElseThrow(() -> new ApiException(409, "site_deleted",
                    "site " + token.siteId() + " was deleted during the enrolment"));
            Optional<ApplianceRecord> previous = tx.store().appliance(s.id());
            ApplianceRecord a = new ApplianceRecord(s.id(), req.serial(), req.applianceVersion(), id.certificateSerial(),
                    id.notAfter(), Optional.empty(), Optional.empty(), tx.now(), Optional.of(tx.now()),
                    previous.map(ApplianceRecord::desiredVersion).orElse(0L), 0, 0, "", "ENROLLED", PathSummary.none(),
                    Optional.empty(), Optional.empty(), 0,
                    List.of(new Progress(tx.now(), "ENROLLED", 0, 0, "device " + req.serial() + " enrolled with token "
                            + token.id() + ", certificate " + id.certificateSerial()
                            + previous.map(p -> "; replaces device " + p.serial()).orElse(""))));
            SiteRecord updated = s.withEnrolment(req.wireguardPublicKey(), endpoints);
            tx.putSite(updated);
            // The new appliance brings its own key: a rotation of the previous one has nothing left to rotate.
            tx.store().keyRotation(s.id()).filter(KeyRotationRecord::open).ifPresent(r -> {
                tx.putKeyRotation(r.cancelled(tx.now(), "superseded: device " + req.serial() + " enrolled with a new key"));
                tx.audit(s.organisation(), "token:" + token.id(), "key.rotate.cancel", "site/" + s.id(), r.id() + " (" + r.phaseName()
                        + ") cancelled: the site re-enrolled with a new key", call.remote());
            });
            tx.putAppliance(a);
            if (tx.store().telemetry(s.id()).isPresent()) {
                // A new device numbers its events from 1: store them above the site's earlier ones, not as duplicates.
                tx.startTelemetryStream(s.id());
            }
            tx.audit(s.organisation(), "token:" + token.id(), "enrol", "site/" + s.id(), "device " + req.serial() + " (appliance "
                    + req.applianceVersion() + ") enrolled; certificate " + id.certificateSerial() + " valid until "
                    + id.notAfter(), call.remote());
            return updated;
        });
        // Forced for the enrolled site: a new appliance gets a fresh bundle (and a version above any earlier one).
        publisher.reconcile("enrol:" + site.id(), java.util.Set.of(site.id()));
        BundleVersion bundle = store.bundle(site.id()).orElseThrow(() -> new ApiException(409, "conflict",
                "site " + site.id() + " enrolled, but its configuration cannot be rendered (conflicting policies of its "
                        + "group and overrides); fix the group configuration, then the appliance gets it by long-poll"));
        SignedEnvelope envelope = publisher.envelope(bundle).orElseThrow(() -> new ApiException(409, "conflict",
                "site " + site.id() + " enrolled, but version " + bundle.version() + " of its bundle cannot be rendered "
                        + "now; the appliance gets it by long-poll"));
        Onboarding onboarding = new Onboarding(site.id(), site.name(), req.serial(), controllerUrl.get(),
                Pem.certificate(certificate), ca.certificatePem(), renewAfter, envelope);
        return signer.sign(onboarding);
    }

    /** Issues a new device certificate for the caller's fresh key; the previous one stays valid until it expires. */
    public RenewResponse renew(DeviceIdentity caller, RenewRequest req, String remote) {
        X509Certificate certificate;
        try {
            certificate = ca.issueDevice(req.csr(), caller.serial(), caller.siteId(), certificateValidity);
        } catch (ProvisioningException e) {
            if (e.code().equals("serial_mismatch")) {
                throw new ApiException(403, "serial_mismatch", e.getMessage(), Optional.of("csr"));
            }
            if (e.code().equals("ca_error")) {
                throw e;
            }
            throw new ApiException(400, "invalid_csr", "the CSR was refused: " + e.getMessage(), Optional.of("csr"));
        }
        DeviceIdentity id = DeviceIdentity.of(certificate);
        String actor = "device:" + caller.siteId() + "/" + caller.serial();
        store.transact(actor, tx -> {
            ApplianceRecord a = tx.store().appliance(caller.siteId()).orElseThrow(() -> new ApiException(403,
                    "certificate_revoked", "site " + caller.siteId() + " has no enrolled appliance any more"));
            tx.putAppliance(a.toBuilder()
                    .previousCertificate(Optional.of(a.certificateSerial()), Optional.of(a.certificateNotAfter()))
                    .certificate(id.certificateSerial(), id.notAfter())
                    .build()
                    .withProgress(new Progress(tx.now(), "RENEWED", a.appliedVersion(), a.rejectedVersion(),
                            "certificate " + a.certificateSerial() + " renewed as " + id.certificateSerial())));
            String organisation = tx.store().site(caller.siteId()).map(SiteRecord::organisation).orElse("");
            tx.audit(organisation, actor, "renew", "appliance/" + caller.siteId(), "certificate " + a.certificateSerial()
                    + " renewed as " + id.certificateSerial() + ", valid until " + id.notAfter(), remote);
            return null;
        });
        return new RenewResponse(Pem.certificate(certificate), renewAfter(certificate));
    }

    /** Two thirds into the certificate's validity. */
    private static Instant renewAfter(X509Certificate c) {
        Instant from = c.getNotBefore().toInstant();
        Instant to = c.getNotAfter().toInstant();
        return from.plus(Duration.between(from, to).multipliedBy(2).dividedBy(3));
    }

    private static Map<String, Endpoint> endpoints(Map<String, String> given) {
        Map<String, Endpoint> out = new LinkedHashMap<>();
        given.forEach((colour, text) -> {
            try {
                out.put(colour, Endpoint.parse(text));
            } catch (ValidationException e) {
                throw new ApiException(400, "invalid_request", "endpoints." + colour + ": " + e.detail(),
                        Optional.of("endpoints." + colour));
            }
        });
        return out;
    }
}
