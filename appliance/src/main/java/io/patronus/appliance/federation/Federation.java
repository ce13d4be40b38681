package io.patronus.appliance.federation;

import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.paths.PathMonitor;
import io.patronus.appliance.store.Mutation;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.model.AuditEvent;
import io.patronus.model.Json;
import io.patronus.model.Link;
import io.patronus.model.PathStatus;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.PeerKeys;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.provisioning.TlsContexts;
import io.patronus.wal.RecordType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The appliance side of federation (docs/FEDERATION.md), started and stopped with the appliance.
 *
 * <p>{@link #prepare} runs first in {@code Appliance.start}, right after the store opens: it decides whether the
 * appliance is federated ({@code federation.enabled}), enrols when it has a bootstrap file and no identity yet
 * (retrying while the controller is unreachable: the start waits, because the site id the controller assigns is
 * what everything after it is built with; meanwhile {@code Appliance.start} serves the attempts in
 * {@link EnrolmentProgress} on a reduced local API), and recovers the journal. {@link #configure} then gives the configuration
 * with the enrolled site identity (and the last committed bundle's SLA classes). {@link #start} starts the threads:
 * <ul>
 * <li>{@code federation-config}: applies the first bundle, then long-polls {@code GET /v1/device/config} and hands
 *     each bundle to the {@link ConfigAgent};</li>
 * <li>{@code federation-status}: status reports (heartbeat and on change), certificate renewal and the steps of a
 *     WireGuard key rotation ({@link KeyRotationAgent});</li>
 * <li>{@code federation-ticker}: drives the confirm deadline and the heartbeat;</li>
 * <li>{@code federation-outbox}: the telemetry {@link Outbox}.</li>
 * </ul>
 * None of them is on the path of probing, failover or the local API; a controller that is absent, unreachable or
 * answering errors only shows in {@link #status()} and the log.
 */
public final class Federation implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Federation.class.getName());
    /** Where the image build may point at the bootstrap file: the kernel command line {@code patronus.bootstrap=PATH}. */
    static final Path KERNEL_CMDLINE = Path.of("/proc/cmdline");
    static final Path DEFAULT_BOOTSTRAP = Path.of("/etc/patronus/bootstrap.json");
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How often the renewal time is compared with the clock (cheap; the renewal itself runs once when due). */
    private static final Duration RENEWAL_CHECK = Duration.ofSeconds(10);

    /** What the running appliance gives federation to work with. */
    public record Wiring(StateStore store, PathMonitor monitor, DataPlane dataPlane, List<Link> links, List<SlaClass> slaClasses,
                         java.util.function.Consumer<List<SlaClass>> slaClassesChanged) {
    }

    private final ApplianceConfig.Federation settings;
    private final Clock clock;
    private final FederationHealth health = new FederationHealth();
    private final Optional<Enrolled> enrolled;
    private final String disabledReason;
    private volatile String state;

    /** Everything an enrolled appliance has; absent when federation is disabled. */
    private record Enrolled(FederationFiles files, FederationJournal journal, X509Certificate ca, Optional<SignedEnvelope> firstBundle,
                            String applianceVersion) {
    }

    // Set by start().
    private final AtomicReference<ControllerClient> client = new AtomicReference<>();
    private volatile Identity identity;
    private volatile X509Certificate certificate;
    private volatile ConfigAgent agent;
    private volatile StatusReporter reporter;
    private volatile Outbox outbox;
    private volatile TelemetrySource telemetry;
    private volatile KeyRotationAgent keyAgent;
    private final java.util.concurrent.atomic.AtomicBoolean keyStepQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private ScheduledExecutorService ticker;
    private ExecutorService sender;
    private Thread poller;
    private Thread outboxThread;
    private volatile List<SlaClass> slaInEffect = List.of();
    private volatile boolean running;
    private final Object wakeUp = new Object();

    private Federation(ApplianceConfig.Federation settings, Clock clock, Optional<Enrolled> enrolled, String disabledReason,
                       Optional<Identity> identity, Optional<X509Certificate> certificate) {
        this.settings = settings;
        this.clock = clock;
        this.enrolled = enrolled;
        this.disabledReason = disabledReason;
        this.identity = identity.orElse(null);
        this.certificate = certificate.orElse(null);
        this.state = enrolled.isPresent() ? "enrolled" : "disabled";
    }

    private static Federation disabled(ApplianceConfig.Federation settings, Clock clock, String why, boolean error) {
        LOG.log(error ? System.Logger.Level.ERROR : System.Logger.Level.INFO, "federation: disabled: " + why);
        Federation f = new Federation(settings, clock, Optional.empty(), why, Optional.empty(), Optional.empty());
        if (error) {
            f.health.error(why, clock.instant());
        }
        return f;
    }

    /**
     * Decides whether this appliance is federated, enrols it when needed (blocking, see the class comment) and
     * recovers the federation journal. Never fails the start: a refused enrolment or damaged enrolment files leave
     * federation disabled, with the reason in the log and in {@link #status()}.
     */
    public static Federation prepare(ApplianceConfig config, StateStore store, Clock clock, String applianceVersion) {
        return prepare(config, store, clock, applianceVersion, enrolmentAhead(config, clock));
    }

    /**
     * Whether {@link #prepare} will have to enrol before the appliance can start (federation not off, not enrolled
     * yet, and a bootstrap file, or {@code federation.enabled: true} which waits for one), with the progress object
     * the enrolment then records its attempts in, so that the caller can show it while it waits.
     */
    public static Optional<EnrolmentProgress> enrolmentAhead(ApplianceConfig config, Clock clock) {
        ApplianceConfig.Federation fc = config.federation();
        if (fc.enabled() == ApplianceConfig.FederationMode.FALSE || new FederationFiles(config.dataDir()).enrolled()) {
            return Optional.empty();
        }
        Path bootstrap = bootstrapFile(fc.bootstrapFile(), KERNEL_CMDLINE);
        if (fc.enabled() == ApplianceConfig.FederationMode.AUTO && !Files.exists(bootstrap)) {
            return Optional.empty();
        }
        DeviceSerial.Resolved serial = DeviceSerial.resolve(fc.serial());
        return Optional.of(new EnrolmentProgress(bootstrap, serial.serial(), serial.source(), clock));
    }

    /** As {@link #prepare(ApplianceConfig, StateStore, Clock, String)}, enrolling with {@code ahead} when present. */
    public static Federation prepare(ApplianceConfig config, StateStore store, Clock clock, String applianceVersion,
                                     Optional<EnrolmentProgress> ahead) {
        ApplianceConfig.Federation fc = config.federation();
        if (fc.enabled() == ApplianceConfig.FederationMode.FALSE) {
            return disabled(fc, clock, "federation.enabled is false", false);
        }
        FederationFiles files = new FederationFiles(config.dataDir());
        Path bootstrap = bootstrapFile(fc.bootstrapFile(), KERNEL_CMDLINE);
        Optional<SignedEnvelope> first = Optional.empty();
        if (!files.enrolled()) {
            if (ahead.isEmpty()) {
                return disabled(fc, clock, "not enrolled and there is no bootstrap file at " + bootstrap, false);
            }
            EnrolmentProgress progress = ahead.get();
            bootstrap = progress.bootstrapFile();
            LOG.log(System.Logger.Level.INFO, "federation: device serial " + progress.serial() + " (from "
                    + progress.serialSource() + ")");
            String wireguardKey;
            try {
                // The data plane's own key file, created the same way DataPlane.start would.
                wireguardKey = WgKeyPair.loadOrCreate(config.dataDir().resolve("secrets").resolve("wg.key")).publicBase64();
            } catch (IOException e) {
                return disabled(fc, clock, "cannot read the WireGuard key to enrol with: " + e.getMessage(), true);
            }
            Map<String, String> endpoints = LocalEndpoints.of(config.links());
            LOG.log(System.Logger.Level.INFO, "federation: enrolling with the bootstrap file " + bootstrap + " (endpoints "
                    + endpoints + "); the start waits until the controller has answered (GET /v1/federation, `patronus federation status` show the attempts)");
            try {
                Enroller.Enrolment e = new Enroller(files, clock, d -> Thread.sleep(d.toMillis()), applianceVersion)
                        .enrol(bootstrap, fc.enabled() == ApplianceConfig.FederationMode.TRUE, progress.serial(), wireguardKey,
                                endpoints, () -> !Thread.currentThread().isInterrupted(), progress);
                first = Optional.of(e.firstBundle());
                FederationJournal.startFresh(store, files.stateFile());
            } catch (FederationException e) {
                if (e.code().equals("stopped")) {
                    return disabled(fc, clock, "enrolment did not finish: " + e.getMessage(), true);
                }
                auditEnrolmentRefused(store, clock, bootstrap, e);
                return disabled(fc, clock, "enrolment refused (" + e.code() + "), not retried and nothing stored: " + e.getMessage()
                        + ". Fix the cause (a new token in the bootstrap file for token_* codes) and restart", true);
            }
        }
        try {
            files.finishRenewal();
            Identity id = files.identity();
            X509Certificate ca = files.ca();
            X509Certificate cert = files.deviceCertificate();
            files.deviceKey(); // fail now, not at the first call, when it is unreadable
            FederationJournal journal = FederationJournal.open(store, files.stateFile());
            LOG.log(System.Logger.Level.INFO, "federation: enrolled as site " + id.siteId() + " with " + id.controllerUrl()
                    + " (certificate valid until " + cert.getNotAfter().toInstant() + ", bundle v" + journal.state().appliedVersion()
                    + " applied)");
            return new Federation(fc, clock, Optional.of(new Enrolled(files, journal, ca, first, applianceVersion)), "",
                    Optional.of(id), Optional.of(cert));
        } catch (FederationException | IOException | io.patronus.wal.WalException e) {
            return disabled(fc, clock, "enrolment files unusable: " + e.getMessage(), true);
        }
    }

    /**
     * The bootstrap file: the configured one, unless it is the default and the kernel command line names another
     * with {@code patronus.bootstrap=PATH}.
     */
    static Path bootstrapFile(Path configured, Path cmdline) {
        if (!configured.equals(DEFAULT_BOOTSTRAP)) {
            return configured;
        }
        try {
            for (String arg : Files.readString(cmdline, StandardCharsets.UTF_8).trim().split("\\s+")) {
                if (arg.startsWith("patronus.bootstrap=") && arg.length() > "patronus.bootstrap=".length()) {
                    return Path.of(arg.substring("patronus.bootstrap=".length())).toAbsolutePath().normalize();
                }
            }
        } catch (IOException | RuntimeException e) {
            // no kernel command line to read (not Linux, or a sandbox): the configured file it is
        }
        return configured;
    }

    /** The configuration with the enrolled site identity and the last committed bundle's SLA classes. */
    public ApplianceConfig configure(ApplianceConfig config) {
        if (enrolled.isEmpty()) {
            return config;
        }
        ApplianceConfig out = config;
        Identity id = identity;
        if (!id.siteId().equals(config.site().id()) || !id.siteName().equals(config.site().name())) {
            LOG.log(System.Logger.Level.INFO, "federation: site " + id.siteId() + " (" + id.siteName() + ") as enrolled replaces site.id "
                    + config.site().id() + " of the configuration");
            out = out.withSite(new ApplianceConfig.SiteIdentity(id.siteId(), id.siteName(), config.site().location()));
        }
        List<SlaClass> committed = enrolled.get().journal().state().committed().map(BundleConfig::slaClasses).orElse(List.of());
        if (!committed.isEmpty() && !committed.equals(config.slaClasses())) {
            LOG.log(System.Logger.Level.INFO, "federation: using the " + committed.size() + " SLA classes of committed bundle v"
                    + enrolled.get().journal().state().appliedVersion() + " instead of slaClasses of the configuration");
            out = out.withSlaClasses(committed);
        }
        return out;
    }

    /**
     * The SLA classes of the committed bundle (the configuration's when it carries none) are the ones in effect: a
     * commit changes them at run time, a rollback leaves the committed ones in place.
     */
    private void slaClassesInEffect(FederationJournal journal, Wiring w) {
        List<SlaClass> committed = journal.state().committed().map(BundleConfig::slaClasses).filter(l -> !l.isEmpty())
                .orElse(List.copyOf(w.slaClasses()));
        if (!committed.equals(slaInEffect)) {
            slaInEffect = committed;
            LOG.log(System.Logger.Level.INFO, "federation: SLA classes of bundle v" + journal.state().appliedVersion()
                    + " in effect: " + committed.stream().map(SlaClass::name).toList());
            w.slaClassesChanged().accept(committed);
        }
    }

    /** Starts the federation threads; does nothing when federation is disabled. */
    public synchronized void start(Wiring w) {
        if (enrolled.isEmpty() || running) {
            return;
        }
        Enrolled e = enrolled.get();
        try {
            client.set(mtlsClient(e));
        } catch (RuntimeException ex) {
            // Never fails the appliance's start: it runs on its last committed configuration without a controller.
            String why = "cannot build the TLS client from the enrolment files: " + ex.getMessage();
            LOG.log(System.Logger.Level.ERROR, "federation: not started: " + why);
            health.error(why, clock.instant());
            return;
        }
        running = true;
        slaInEffect = List.copyOf(w.slaClasses());
        ConfigAgent.ConfigTarget target = new ConfigAgent.ConfigTarget() {
            @Override
            public BundleConfig current() {
                return new BundleConfig(w.store().sites(), w.store().policies(), slaInEffect);
            }

            @Override
            public void replace(List<io.patronus.model.Site> sites, List<io.patronus.model.Policy> policies, String actor) {
                w.store().replaceConfig(sites, policies, actor);
            }
        };
        ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "federation-ticker"));
        sender = Executors.newSingleThreadExecutor(r -> daemon(r, "federation-status"));
        StatusReporter[] rep = new StatusReporter[1];
        DataPlane dp = w.dataPlane();
        keyAgent = new KeyRotationAgent(new KeyRotationAgent.Keys() {
            @Override
            public String publicKey() {
                return dp.publicKey();
            }

            @Override
            public String nextPublicKey() throws IOException {
                return dp.nextPublicKey();
            }

            @Override
            public void switchKey(String expected) throws IOException {
                dp.switchKey(expected);
            }

            @Override
            public boolean keyApplied() {
                return dp.keyApplied();
            }

            @Override
            public void reconcile() {
                dp.reconcile();
            }
        }, e.journal()::state, r -> client.get().keys(r), health, clock);
        agent = new ConfigAgent(identity.siteId(), new EnvelopeVerifier(e.ca(), clock), e.journal(), target,
                new HandshakeMeshCheck(w.dataPlane(), identity.siteId(), w.links()), () -> allPathsUp(w.monitor()),
                (version, code, detail) -> audit(w.store(), version, code, detail), clock, settings.confirmTimeout(),
                () -> {
                    rep[0].sendSoon();
                    slaClassesInEffect(e.journal(), w);
                    // The bundle in effect changed: its peer keys shape the tunnels, its key rotation step is ours.
                    dp.reconcileSoon();
                    keyStepSoon();
                });
        reporter = new StatusReporter(client::get, e.journal(), agent, w.store(), w.monitor(), () -> slaInEffect,
                () -> dataPlaneProblem(w.dataPlane()), health, clock, sender);
        rep[0] = reporter;
        w.store().addListener(m -> countLocalChange(e.journal(), m));
        guarded("resuming the confirm window", agent::resume); // if it fails, the ticker still rolls back at the deadline
        telemetry = new TelemetrySource(w.store());
        outbox = new Outbox(telemetry, e.journal(), client::get, health, clock);
        ticker.scheduleWithFixedDelay(() -> guarded("confirm tick", agent::tick), TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(reporter::sendSoon, 0, settings.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::keyStepSoon, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(() -> {
            try {
                sender.execute(() -> guarded("certificate renewal", () -> renewIfDue(e)));
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // close() is under way
            }
        }, 0, RENEWAL_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        poller = daemon(this::pollLoop, "federation-config");
        outboxThread = daemon(outbox, "federation-outbox");
        poller.start();
        outboxThread.start();
    }

    /** Queues a key rotation step on the status thread (it may talk to the controller), unless one is queued. */
    private void keyStepSoon() {
        KeyRotationAgent k = keyAgent;
        if (k == null || !running || !keyStepQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            sender.execute(() -> {
                keyStepQueued.set(false);
                guarded("key rotation", k::tick);
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            keyStepQueued.set(false);
        }
    }

    /**
     * The next and retiring keys of rotating remote sites, by site id, from the bundle in effect: the pending one,
     * else the committed one. Empty when not federated.
     */
    public Map<String, PeerKeys> peerKeys() {
        if (enrolled.isEmpty()) {
            return Map.of();
        }
        FederationState s = enrolled.get().journal().state();
        return s.pending().map(FederationState.Pending::config).or(s::committed).map(BundleConfig::peerKeys).orElse(Map.of());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private ControllerClient mtlsClient(Enrolled e) {
        return new ControllerClient(URI.create(identity.controllerUrl()),
                TlsContexts.client(e.ca(), e.files().deviceKey(), e.files().deviceCertificate()));
    }

    /**
     * What keeps the tunnels, routes and rules from the configuration, for the controller's fleet view; empty while
     * nothing does. Worded the same for as long as the same failure lasts (no attempt count), so the controller journals
     * it once, not with every heartbeat.
     */
    static String dataPlaneProblem(DataPlane dataPlane) {
        DataPlane.ReconcileStatus rs = dataPlane.reconcileStatus();
        return rs.failing() ? "tunnel reconcile failing since " + rs.lastFailureAt().map(Instant::toString).orElse("?") + ": "
                + rs.lastError() : "";
    }

    private static boolean allPathsUp(PathMonitor monitor) {
        List<io.patronus.model.Path> paths = monitor.paths();
        return !paths.isEmpty() && paths.stream().allMatch(p -> p.status() == PathStatus.UP);
    }

    /** A site or policy change by anyone but the controller is drift from the applied bundle. */
    private void countLocalChange(FederationJournal journal, Mutation m) {
        boolean config = m instanceof Mutation.PutSite || m instanceof Mutation.DeleteSite || m instanceof Mutation.PutPolicy
                || m instanceof Mutation.DeletePolicy || m instanceof Mutation.ReplaceConfig;
        if (config && !m.actor().startsWith("controller:")) {
            journal.update(s -> s.withLocalChanges(s.localChanges() + 1));
            StatusReporter r = reporter;
            if (r != null) {
                r.sendSoon();
            }
        }
    }

    /**
     * A refused enrolment is a security event on this side too (a wrong CA fingerprint may be a rogue controller), so
     * it goes to the local audit trail, which the outbox delivers once the appliance is enrolled.
     */
    private static void auditEnrolmentRefused(StateStore store, Clock clock, Path bootstrap, FederationException e) {
        String detail = e.code() + ": " + e.getMessage();
        AuditEvent event = new AuditEvent(0, clock.instant(), "federation", "federation.enrol", "bootstrap/" + bootstrap,
                "refused", detail.length() > 4000 ? detail.substring(0, 4000) : detail);
        try {
            store.append(RecordType.AUDIT, Json.mapper().writeValueAsBytes(event));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "federation: could not audit the refused enrolment: " + ex.getMessage());
        }
    }

    private void audit(StateStore store, long version, String code, String detail) {
        String d = code + ": " + detail;
        AuditEvent event = new AuditEvent(0, clock.instant(), "controller", "config.refuse", "bundle/v" + version, "refused",
                d.length() > 4000 ? d.substring(0, 4000) : d);
        try {
            store.append(RecordType.AUDIT, Json.mapper().writeValueAsBytes(event));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ex) {
            if (running) {
                LOG.log(System.Logger.Level.WARNING, "federation: " + what + " failed: " + ex, ex);
                health.error(what + ": " + ex.getMessage(), clock.instant());
            }
        }
    }

    /** The config long-poll: the first bundle, then every newer one; never ends but with {@link #close()}. */
    private void pollLoop() {
        Backoff backoff = Backoff.controller();
        Optional<SignedEnvelope> first = enrolled.get().firstBundle();
        if (first.isPresent()) {
            guarded("first bundle", () -> agent.offer(first.get()));
        }
        while (running) {
            Duration wait = Duration.ZERO;
            try {
                if (agent.pending()) {
                    wait = TICK; // one bundle at a time: the next waits until this one is committed or rolled back
                } else {
                    ControllerClient c = client.get();
                    Optional<SignedEnvelope> bundle = c.config(agent.pollAfter(), settings.longPollWait());
                    health.contact(clock.instant());
                    if (bundle.isPresent() && agent.offer(bundle.get()) == ConfigAgent.Outcome.REFUSED) {
                        wait = backoff.next(); // the controller may offer the same refused bundle again: not in a tight loop
                    } else {
                        backoff.reset();
                    }
                }
            } catch (FederationException ex) {
                if (!running) {
                    break;
                }
                wait = backoff.next();
                if (health.error("config: " + ex.getMessage(), clock.instant())) {
                    LOG.log(ex.retryable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR, "federation: config long-poll: "
                            + ex.getMessage() + "; retrying with backoff (now " + wait.toSeconds() + " s)"
                            + (ex.retryable() ? "" : ". This needs attention: the controller refuses this appliance"));
                }
            } catch (RuntimeException ex) {
                if (!running) {
                    break;
                }
                wait = backoff.next();
                LOG.log(System.Logger.Level.WARNING, "federation: config long-poll failed: " + ex, ex);
                health.error("config: " + ex, clock.instant());
            }
            if (!wait.isZero()) {
                pause(wait);
            }
        }
    }

    /** Waits without an interrupt: {@link #close()} wakes the poller through this monitor, never by interrupting it
     * (an interrupt in the middle of a store mutation leaves its log record in doubt until the next start). */
    private void pause(Duration d) {
        synchronized (wakeUp) {
            if (running) {
                try {
                    wakeUp.wait(Math.max(1, d.toMillis()));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void renewIfDue(Enrolled e) {
        Identity id = identity;
        if (!running || clock.instant().isBefore(id.renewAfter())) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "federation: renewing the device certificate (renewal was due at " + id.renewAfter() + ")");
        try {
            Identity next = new Enroller(e.files(), clock, d -> Thread.sleep(d.toMillis()), e.applianceVersion())
                    .renew(id, client.get(), e.ca());
            identity = next;
            certificate = e.files().deviceCertificate();
            ControllerClient old = client.getAndSet(mtlsClient(e));
            old.close();
        } catch (FederationException ex) {
            if (health.error("renewal: " + ex.getMessage(), clock.instant())) {
                LOG.log(System.Logger.Level.WARNING, "federation: certificate renewal failed: " + ex.getMessage()
                        + "; retried every " + RENEWAL_CHECK.toSeconds() + " s until the certificate expires at " + certificate.getNotAfter().toInstant());
            }
        }
    }

    /** The federation's state for {@code GET /v1/federation}; absent values are left out. */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", state);
        Identity id = identity;
        if (id != null) {
            out.put("siteId", id.siteId());
            out.put("siteName", id.siteName());
            out.put("serial", id.serial());
            out.put("controllerUrl", id.controllerUrl());
            out.put("renewAfter", id.renewAfter());
        }
        X509Certificate cert = certificate;
        if (cert != null) {
            out.put("certificateNotAfter", cert.getNotAfter().toInstant());
        }
        if (enrolled.isPresent()) {
            FederationState s = enrolled.get().journal().state();
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("appliedVersion", s.appliedVersion());
            s.pending().ifPresent(p -> {
                config.put("pendingVersion", p.version());
                config.put("pendingDeadline", p.deadline());
            });
            ConfigAgent a = agent;
            if (a != null && s.pending().isPresent()) {
                config.put("waitingFor", a.view().waitingFor());
            }
            if (s.rejectedVersion() > 0) {
                config.put("rejectedVersion", s.rejectedVersion());
            }
            if (!s.reason().isEmpty()) {
                config.put("reason", s.reason());
            }
            config.put("reported", s.reported().name().toLowerCase(Locale.ROOT));
            config.put("localChanges", s.localChanges());
            out.put("config", config);
            KeyRotationAgent k = keyAgent;
            if (k != null) {
                k.view().ifPresent(v -> out.put("keyRotation", v));
            }
            Map<String, Object> ob = new LinkedHashMap<>();
            ob.put("acknowledged", s.outboxAck());
            TelemetrySource t = telemetry;
            ob.put("pending", t == null ? 0 : t.pendingEvents(s.outboxAck()));
            out.put("outbox", ob);
        } else if (!disabledReason.isEmpty()) {
            out.put("reason", disabledReason);
        }
        health.lastContact().ifPresent(at -> out.put("lastContact", at));
        if (!health.lastError().isEmpty()) {
            out.put("lastError", health.lastError());
            health.lastErrorAt().ifPresent(at -> out.put("lastErrorAt", at));
        }
        return out;
    }

    /** The federation component for {@code patronus debug dump}. */
    public Map<String, Object> dump() {
        Map<String, Object> d = new LinkedHashMap<>(status());
        d.put("threads", running ? "running" : "stopped");
        if (reporter != null) {
            d.put("statusReportsDelivered", reporter.delivered());
        }
        if (outbox != null) {
            d.put("telemetryBatchesSent", outbox.sentBatches());
        }
        return d;
    }

    /** {@code disabled} or {@code enrolled}. */
    public String state() {
        return state;
    }

    /** The enrolled site id, when enrolled. */
    public Optional<String> siteId() {
        return Optional.ofNullable(identity).map(Identity::siteId);
    }

    /**
     * Stops the threads without interrupting them (see {@link #pause}): a controller call in flight is aborted by
     * closing the client, a wait is woken, a store mutation in progress finishes. A pending bundle stays pending and
     * its window resumes at the next start.
     */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        outbox.stop();
        reporter.stop();
        ticker.shutdown();
        sender.shutdown();
        client.get().close(); // aborts a long-poll or a report in flight
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        boolean interrupted = false;
        try {
            for (Thread t : new Thread[]{poller, outboxThread}) {
                t.join(10_000);
                if (t.isAlive()) {
                    LOG.log(System.Logger.Level.WARNING, "federation: thread " + t.getName() + " did not stop within 10 s");
                }
            }
            if (!ticker.awaitTermination(10, TimeUnit.SECONDS) || !sender.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "federation: the status or ticker thread did not stop within 10 s");
            }
        } catch (InterruptedException ie) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
