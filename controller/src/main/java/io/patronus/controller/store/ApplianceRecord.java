package io.patronus.controller.store;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.PathSummary;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The enrolled appliance of one site (one appliance per site; a replacement enrols with a new token and takes over):
 * its identity and certificates, the configuration versions desired, applied and rejected, and what it last reported.
 *
 * @param certificateSerial         hex serial of its current device certificate
 * @param previousCertificateSerial the certificate it had before the last renewal, accepted until it expires
 * @param desiredVersion            version of the newest bundle published for it
 * @param appliedVersion            version it last reported applied (0 none)
 * @param rejectedVersion           version it last refused or rolled back (0 none), with {@code rejectReason}
 * @param state                     last reported {@code DeviceState} name ({@code ENROLLED} until the first report)
 * @param lastSeen                  the last report; kept in memory and checkpointed, not journalled per heartbeat,
 *                                  so after a crash it may be up to one checkpoint interval old
 * @param paths                     the last reported path summary (in memory and checkpointed, like lastSeen)
 * @param observedConfig            the configuration it last reported running, for drift, when it is not a published
 *                                  one ({@code observedVersion} empty)
 * @param observedAt                when it was last reported (in memory and checkpointed, like lastSeen)
 * @param progress                  newest last, at most {@link #PROGRESS_KEPT}
 * @param observedDigest            content digest of the last reported configuration ({@link ObservedConfig})
 * @param observedVersion           the published version the last reported configuration equals, when it does
 * @param dataPlaneProblem          what keeps its tunnels, routes and rules from its configuration, as it last
 *                                  reported ("" none)
 */
public record ApplianceRecord(String siteId, String serial, String applianceVersion, String certificateSerial,
                              Instant certificateNotAfter, Optional<String> previousCertificateSerial,
                              Optional<Instant> previousCertificateNotAfter, Instant enrolledAt, Optional<Instant> lastSeen,
                              long desiredVersion, long appliedVersion, long rejectedVersion, String rejectReason,
                              String state, PathSummary paths, Optional<BundleConfig> observedConfig,
                              Optional<Instant> observedAt, int localChanges, List<Progress> progress,
                              Optional<String> observedDigest, Optional<Long> observedVersion, String dataPlaneProblem) {
    public static final int PROGRESS_KEPT = 200;

    public ApplianceRecord {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(serial, "serial");
        applianceVersion = applianceVersion == null ? "" : applianceVersion;
        Objects.requireNonNull(certificateSerial, "certificateSerial");
        Objects.requireNonNull(certificateNotAfter, "certificateNotAfter");
        previousCertificateSerial = previousCertificateSerial == null ? Optional.empty() : previousCertificateSerial;
        previousCertificateNotAfter = previousCertificateNotAfter == null ? Optional.empty() : previousCertificateNotAfter;
        Objects.requireNonNull(enrolledAt, "enrolledAt");
        lastSeen = lastSeen == null ? Optional.empty() : lastSeen;
        rejectReason = rejectReason == null ? "" : rejectReason;
        state = state == null ? "ENROLLED" : state;
        paths = paths == null ? new PathSummary(0, 0, 0) : paths;
        observedConfig = observedConfig == null ? Optional.empty() : observedConfig;
        observedAt = observedAt == null ? Optional.empty() : observedAt;
        progress = progress == null ? List.of() : List.copyOf(progress);
        observedDigest = observedDigest == null ? Optional.empty() : observedDigest;
        observedVersion = observedVersion == null ? Optional.empty() : observedVersion;
        dataPlaneProblem = dataPlaneProblem == null ? "" : dataPlaneProblem; // records written before the field
    }

    /** A record without an observed configuration digest (as written before digests were kept). */
    public ApplianceRecord(String siteId, String serial, String applianceVersion, String certificateSerial,
                           Instant certificateNotAfter, Optional<String> previousCertificateSerial,
                           Optional<Instant> previousCertificateNotAfter, Instant enrolledAt, Optional<Instant> lastSeen,
                           long desiredVersion, long appliedVersion, long rejectedVersion, String rejectReason,
                           String state, PathSummary paths, Optional<BundleConfig> observedConfig,
                           Optional<Instant> observedAt, int localChanges, List<Progress> progress) {
        this(siteId, serial, applianceVersion, certificateSerial, certificateNotAfter, previousCertificateSerial,
                previousCertificateNotAfter, enrolledAt, lastSeen, desiredVersion, appliedVersion, rejectedVersion,
                rejectReason, state, paths, observedConfig, observedAt, localChanges, progress, Optional.empty(),
                Optional.empty(), "");
    }

    /** What it last reported running, as stored; empty when it never reported a configuration. */
    public Optional<ObservedConfig> observed() {
        if (observedVersion.isPresent()) {
            return Optional.of(ObservedConfig.published(observedDigest.orElse(""), observedVersion.get()));
        }
        return observedConfig.map(c -> ObservedConfig.differing(observedDigest.orElse(""), c));
    }

    /** A copy with one more progress entry, dropping the oldest beyond {@link #PROGRESS_KEPT}. */
    public ApplianceRecord withProgress(Progress p) {
        List<Progress> list = new ArrayList<>(progress);
        list.add(p);
        while (list.size() > PROGRESS_KEPT) {
            list.removeFirst();
        }
        return toBuilder().progress(list).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copies an appliance record with some fields changed. */
    public static final class Builder {
        private String siteId;
        private String serial;
        private String applianceVersion;
        private String certificateSerial;
        private Instant certificateNotAfter;
        private Optional<String> previousCertificateSerial;
        private Optional<Instant> previousCertificateNotAfter;
        private Instant enrolledAt;
        private Optional<Instant> lastSeen;
        private long desiredVersion;
        private long appliedVersion;
        private long rejectedVersion;
        private String rejectReason;
        private String state;
        private PathSummary paths;
        private Optional<BundleConfig> observedConfig;
        private Optional<Instant> observedAt;
        private int localChanges;
        private List<Progress> progress;
        private Optional<String> observedDigest;
        private Optional<Long> observedVersion;
        private String dataPlaneProblem;

        private Builder(ApplianceRecord r) {
            siteId = r.siteId;
            serial = r.serial;
            applianceVersion = r.applianceVersion;
            certificateSerial = r.certificateSerial;
            certificateNotAfter = r.certificateNotAfter;
            previousCertificateSerial = r.previousCertificateSerial;
            previousCertificateNotAfter = r.previousCertificateNotAfter;
            enrolledAt = r.enrolledAt;
            lastSeen = r.lastSeen;
            desiredVersion = r.desiredVersion;
            appliedVersion = r.appliedVersion;
            rejectedVersion = r.rejectedVersion;
            rejectReason = r.rejectReason;
            state = r.state;
            paths = r.paths;
            observedConfig = r.observedConfig;
            observedAt = r.observedAt;
            localChanges = r.localChanges;
            progress = r.progress;
            observedDigest = r.observedDigest;
            observedVersion = r.observedVersion;
            dataPlaneProblem = r.dataPlaneProblem;
        }

        public Builder dataPlaneProblem(String problem) {
            this.dataPlaneProblem = problem;
            return this;
        }

        public Builder certificate(String serialHex, Instant notAfter) {
            this.certificateSerial = serialHex;
            this.certificateNotAfter = notAfter;
            return this;
        }

        public Builder previousCertificate(Optional<String> serialHex, Optional<Instant> notAfter) {
            this.previousCertificateSerial = serialHex;
            this.previousCertificateNotAfter = notAfter;
            return this;
        }

        public Builder lastSeen(Instant at) {
            this.lastSeen = Optional.of(at);
            return this;
        }

        public Builder desiredVersion(long v) {
            this.desiredVersion = v;
            return this;
        }

        public Builder appliedVersion(long v) {
            this.appliedVersion = v;
            return this;
        }

        public Builder rejected(long version, String reason) {
            this.rejectedVersion = version;
            this.rejectReason = reason;
            return this;
        }

        public Builder state(String s) {
            this.state = s;
            return this;
        }

        public Builder paths(PathSummary p) {
            this.paths = p;
            return this;
        }

        /** A reported configuration kept whole, without digest (tests and records before digests). */
        public Builder observed(Optional<BundleConfig> config, Optional<Instant> at) {
            this.observedConfig = config;
            this.observedAt = at;
            this.observedDigest = Optional.empty();
            this.observedVersion = Optional.empty();
            return this;
        }

        /** A reported configuration as {@link ObservedConfig}: by published version, or whole. */
        public Builder observed(ObservedConfig observed) {
            this.observedDigest = Optional.of(observed.digest());
            this.observedVersion = observed.publishedVersion() > 0 ? Optional.of(observed.publishedVersion()) : Optional.empty();
            this.observedConfig = observed.config();
            return this;
        }

        public Builder observedAt(Instant at) {
            this.observedAt = Optional.of(at);
            return this;
        }

        public Builder localChanges(int n) {
            this.localChanges = n;
            return this;
        }

        public Builder progress(List<Progress> p) {
            this.progress = p;
            return this;
        }

        public ApplianceRecord build() {
            return new ApplianceRecord(siteId, serial, applianceVersion, certificateSerial, certificateNotAfter,
                    previousCertificateSerial, previousCertificateNotAfter, enrolledAt, lastSeen, desiredVersion,
                    appliedVersion, rejectedVersion, rejectReason, state, paths, observedConfig, observedAt, localChanges,
                    progress, observedDigest, observedVersion, dataPlaneProblem);
        }
    }
}
