package io.patronus.controller.api;

import io.patronus.controller.enrol.Enrolment;
import io.patronus.controller.fleet.BundleWaiters;
import io.patronus.controller.fleet.ConfigPublisher;
import io.patronus.controller.fleet.DeviceReports;
import io.patronus.controller.fleet.KeyRotations;
import io.patronus.controller.store.KeyRotationRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.BundleVersion;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.RenewRequest;
import io.patronus.provisioning.TelemetryBatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routes appliances call (docs/FEDERATION.md): the CA download, enrolment, and the device routes behind mutual
 * TLS: renewal, the configuration long-poll, status, telemetry and key rotation steps.
 */
public final class DeviceRoutes {
    /** The longest a configuration long-poll waits. */
    public static final int MAX_WAIT_SECONDS = 60;

    private final CertificateAuthority ca;
    private final Enrolment enrolment;
    private final DeviceReports reports;
    private final ControllerStore store;
    private final BundleWaiters waiters;
    private final ConfigPublisher publisher;
    private final Runnable afterStatus;
    private final KeyRotations keys;

    /**
     * {@code afterStatus} runs after each status report that changed the appliance's state, versions or observed
     * configuration (the rollout engine's and the key rotations' nudge: an applied version may let them go on); a
     * plain heartbeat does not run it.
     */
    public DeviceRoutes(CertificateAuthority ca, Enrolment enrolment, DeviceReports reports, ControllerStore store,
                        BundleWaiters waiters, ConfigPublisher publisher, KeyRotations keys, Runnable afterStatus) {
        this.ca = ca;
        this.enrolment = enrolment;
        this.reports = reports;
        this.store = store;
        this.waiters = waiters;
        this.publisher = publisher;
        this.afterStatus = afterStatus;
        this.keys = keys;
    }

    public List<ApiRoute> routes() {
        return List.of(
                new ApiRoute("GET", "/v1/ca", ApiRoute.Auth.NONE, r -> Reply.text(ca.certificatePem(), "application/x-pem-file")),
                new ApiRoute("POST", "/v1/enrol", ApiRoute.Auth.NONE, this::enrol),
                new ApiRoute("POST", "/v1/device/renew", ApiRoute.Auth.DEVICE, this::renew),
                new ApiRoute("GET", "/v1/device/config", ApiRoute.Auth.DEVICE, this::config),
                new ApiRoute("POST", "/v1/device/status", ApiRoute.Auth.DEVICE, this::status),
                new ApiRoute("POST", "/v1/device/telemetry", ApiRoute.Auth.DEVICE, this::telemetry),
                new ApiRoute("POST", "/v1/device/keys", ApiRoute.Auth.DEVICE, this::keys));
    }

    private Reply enrol(ApiRequest r) {
        return Reply.ok(enrolment.enrol(r.bodyAs(EnrolmentRequest.class), r));
    }

    private Reply renew(ApiRequest r) {
        return Reply.ok(enrolment.renew(r.device().identity(), r.bodyAs(RenewRequest.class), r.remote()));
    }

    private Reply config(ApiRequest r) {
        String site = r.device().siteId();
        long after = number(r, "after", 0, Long.MAX_VALUE, 0);
        long wait = Math.min(number(r, "waitSeconds", 0, Integer.MAX_VALUE, 0), MAX_WAIT_SECONDS);
        Optional<BundleVersion> bundle = waiters.await(() -> store.bundle(site), after, Duration.ofSeconds(wait));
        if (bundle.isEmpty()) {
            return Reply.noContent();
        }
        // Signed here, on this request's own thread: a fleet-wide publish is signed by all the woken long-polls at once.
        return Reply.ok(publisher.envelope(bundle.get()).orElseThrow(() -> new ApiException(503, "bundle_unavailable",
                "version " + bundle.get().version() + " of site " + site + "'s bundle cannot be rendered now (see the "
                        + "controller log); try again later")));
    }

    private Reply status(ApiRequest r) {
        DeviceStatus s = r.bodyAs(DeviceStatus.class);
        DeviceReports.Reported a = reports.status(r.device().siteId(), s, r.auditActor());
        if (a.journalled()) {
            afterStatus.run();
        }
        // An appliance sends its observed configuration only when it changed (or every 10 minutes); one the controller
        // holds none of (a new or restored store) is asked for it, so drift is never silently unknown.
        return Reply.ok(Map.of("desiredVersion", a.appliance().desiredVersion(),
                "observedConfigWanted", a.appliance().observedDigest().isEmpty()));
    }

    private Reply telemetry(ApiRequest r) {
        return Reply.ok(reports.telemetry(r.device().siteId(), r.bodyAs(TelemetryBatch.class), r.auditActor()));
    }

    private Reply keys(ApiRequest r) {
        String site = r.device().siteId();
        r.auditTarget("site/" + site);
        KeyRotationRecord k = keys.report(site, r.bodyAs(KeyReport.class), r.auditActor(), r.remote());
        return Reply.ok(Map.of("rotationId", k.id(), "phase", k.phaseName()));
    }

    private static long number(ApiRequest r, String name, long min, long max, long absent) {
        Optional<String> v = r.query(name);
        if (v.isEmpty()) {
            return absent;
        }
        try {
            long n = Long.parseLong(v.get().trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_request", name + " must be a whole number of at least " + min
                    + ", was '" + v.get() + "'", name);
        }
    }
}
