package io.patronus.appliance;

import io.helidon.webserver.WebServer;
import io.patronus.appliance.api.ApiRoute;
import io.patronus.appliance.api.ClassifierRoutes;
import io.patronus.appliance.api.FailoverRoutes;
import io.patronus.appliance.api.FederationRoutes;
import io.patronus.appliance.api.SlaClassRoutes;
import io.patronus.appliance.federation.Federation;
import io.patronus.appliance.events.EventJournal;
import io.patronus.appliance.failover.FailoverEngine;
import io.patronus.appliance.failover.FailoverService;
import io.patronus.appliance.failover.Overrides;
import io.patronus.appliance.failover.PathHealthSource;
import io.patronus.appliance.classify.PolicyClassifier;
import io.patronus.appliance.classify.SlotAssignments;
import io.patronus.appliance.api.ApiServer;
import io.patronus.appliance.api.AuthRoutes;
import io.patronus.appliance.api.EnrolmentRoutes;
import io.patronus.appliance.federation.EnrolmentProgress;
import io.patronus.appliance.api.V1Routes;
import io.patronus.appliance.auth.PasswordHasher;
import io.patronus.appliance.auth.TokenService;
import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.metrics.ApplianceMetrics;
import io.patronus.appliance.paths.EmulatedPathProbe;
import io.patronus.appliance.paths.PathHistory;
import io.patronus.appliance.paths.PathMonitor;
import io.patronus.appliance.paths.PathProbe;
import io.patronus.appliance.paths.TunnelPathProbe;
import io.patronus.appliance.paths.ProbedPaths;
import io.patronus.appliance.classify.SteeringPlan;
import io.patronus.appliance.store.Mutation;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.wal.WalOptions;
import io.patronus.wal.WalStats;
import io.patronus.model.Role;
import io.patronus.model.SlaClass;
import io.patronus.model.User;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running appliance: the state store, the path monitor, the metrics and the REST API, started and stopped
 * together. The daemon's main and the integration tests both start it through {@link #start}, so tests run exactly
 * the production wiring on a real port and a real data directory.
 */
public final class Appliance implements AutoCloseable {
    public static final String VERSION = Optional.ofNullable(Appliance.class.getPackage().getImplementationVersion()).orElse("0.1.0-dev");
    private static final System.Logger LOG = System.getLogger(Appliance.class.getName());
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    /** How often failover re-evaluates without a path change (so failback holds expire on time). */
    private static final Duration FAILOVER_TICK = Duration.ofMillis(200);
    /** Events kept in the history file; older ones remain only in retired log segments. */
    private static final int EVENTS_KEPT = 100_000;

    private final ApplianceConfig config;
    private final StateStore store;
    private final PathMonitor monitor;
    private final DataPlane dataPlane;
    private final PolicyClassifier classifier;
    private final FailoverService failover;
    private final ProbedPaths probed;
    private final ApplianceMetrics metrics;
    private final WebServer server;
    private final Optional<String> generatedAdminPassword;
    private final ScheduledExecutorService housekeeping;
    private final Instant startedAt;
    private final List<ApiRoute> routes;
    private final Federation federation;

    private Appliance(ApplianceConfig config, StateStore store, PathMonitor monitor, DataPlane dataPlane,
                      PolicyClassifier classifier, FailoverService failover, ProbedPaths probed, ApplianceMetrics metrics,
                      WebServer server, Optional<String> generatedAdminPassword, ScheduledExecutorService housekeeping,
                      Instant startedAt, List<ApiRoute> routes, Federation federation) {
        this.config = config;
        this.store = store;
        this.monitor = monitor;
        this.dataPlane = dataPlane;
        this.classifier = classifier;
        this.failover = failover;
        this.probed = probed;
        this.metrics = metrics;
        this.server = server;
        this.generatedAdminPassword = generatedAdminPassword;
        this.housekeeping = housekeeping;
        this.startedAt = startedAt;
        this.routes = List.copyOf(routes);
        this.federation = federation;
    }

    /**
     * Opens the store (recovering it), enrols with a controller when federation asks for it (see {@link Federation}:
     * the enrolled site identity is what everything after it is built with), creates the first admin if there is
     * none, and starts probing, the API and the federation threads.
     */
    public static Appliance start(ApplianceConfig given, Clock clock) {
        return start(given, clock, (api, progress, password) -> {
        });
    }

    /** Told once the reduced API of an appliance that has to enrol first is up (see {@link EnrolmentRoutes}). */
    @FunctionalInterface
    public interface EnrolmentListener {
        void enrolling(URI api, EnrolmentProgress progress, Optional<String> generatedAdminPassword);
    }

    /**
     * As {@link #start(ApplianceConfig, Clock)}; when the appliance has to enrol first, a reduced API (login, health,
     * federation progress) serves on the API address while it does, and {@code listener} hears where.
     */
    public static Appliance start(ApplianceConfig given, Clock clock, EnrolmentListener listener) {
        Path dataDir = given.dataDir();
        StateStore store = StateStore.open(storeOptions(given, clock));
        Federation federation;
        PasswordHasher hasher = PasswordHasher.owaspDefaults();
        ApplianceMetrics metrics = new ApplianceMetrics();
        Optional<String> adminPassword;
        TokenService tokens;
        try {
            adminPassword = bootstrapAdmin(store, hasher, clock);
            tokens = TokenService.fromKeyFile(dataDir.resolve("secrets").resolve("jwt.key"), given.api().tokenTtl(), clock);
            Optional<EnrolmentProgress> ahead = Federation.enrolmentAhead(given, clock);
            WebServer enrolling = null;
            try {
                if (ahead.isPresent()) {
                    AuthRoutes auth = new AuthRoutes(store, tokens, hasher, metrics, clock);
                    EnrolmentRoutes reduced = new EnrolmentRoutes(auth, ahead.get(), VERSION, clock);
                    enrolling = ApiServer.start(given.api().host(), given.api().port(), reduced.routes(), auth::authenticate,
                            metrics, Optional.of(reduced::unavailable));
                    listener.enrolling(uri(given.api().host(), enrolling.port()), ahead.get(), adminPassword);
                }
                federation = Federation.prepare(given, store, clock, VERSION, ahead);
            } finally {
                if (enrolling != null) {
                    enrolling.stop();
                }
            }
        } catch (IOException e) {
            store.close();
            throw new UncheckedIOException("cannot start the appliance: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        ApplianceConfig config = federation.configure(given);
        PathMonitor monitor = null;
        DataPlane dataPlane = null;
        PolicyClassifier classifier = null;
        FailoverService failover = null;
        ProbedPaths probed = null;
        ScheduledExecutorService housekeeping = null;
        try {
            SlaClass sla = slaClass(config.slaClasses(), config.failover().slaClass());
            dataPlane = DataPlane.start(config, DataPlane.choose(config), store::sites, federation::peerKeys, clock);
            boolean real = !dataPlane.kind().equals("memory");
            if (real && !config.dataPlane().lanInterface().isEmpty()) {
                Map<String, Integer> marks = new LinkedHashMap<>();
                SteeringPlan.colours(config.links()).forEach((colour, steer) -> marks.put(colour, steer.mark()));
                probed = new ProbedPaths(config.site().id(), config.links(), marks, store::sites, config.dataPlane().lanInterface(),
                        config.failover().probePort(), config.failover().probeInterval(), config.failover().detectMultiplier(),
                        config.failover().recoveryProbes(), sla).start();
                probed.holdWhile(dataPlane::firstHandshakePending);
            }
            PathProbe probe = !real ? new EmulatedPathProbe()
                    : probed != null ? probed : new TunnelPathProbe(dataPlane, config.site().id());
            monitor = new PathMonitor(config.site().id(), config.links(), store::sites, probe, sla,
                    new PathHistory(store.historyMap(), config.history().rawRetention(), config.history().aggregateRetention(), clock),
                    clock);
            classifier = new PolicyClassifier(config.site().id(), config.links(), store::sites, store::policies,
                    SlotAssignments.open(dataDir.resolve("classifier-slots.json")),
                    PolicyClassifier.kernelSide(config, !dataPlane.kind().equals("memory")), clock);
            EventJournal events = new EventJournal(store, EVENTS_KEPT);
            PathMonitor pm = monitor;
            ProbedPaths pp = probed;
            java.util.function.Function<String, Optional<io.patronus.appliance.failover.PathHealth>> health =
                    pp != null ? pp::health : new PathHealthSource(pm::path, clock);
            FailoverEngine engine = new FailoverEngine(config.site().id(), config.links(), store::sites, store::policies,
                    health, config.failover().failbackHold(),
                    Overrides.open(dataDir.resolve("failover-pins.json")), clock);
            failover = new FailoverService(engine, classifier, events, metrics);
            if (pp != null) {
                FailoverService f = failover;
                pp.addListener((before, after) -> {
                    f.evaluateSoon();
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("pathId", after.pathId());
                    details.put("from", before.status().wire());
                    details.put("to", after.status().wire());
                    details.put("reason", after.reason());
                    details.put("score", after.score());
                    details.put("rttMs", after.rttMs());
                    details.put("lossPct", after.lossPct());
                    details.put("jitterMs", after.jitterMs());
                    details.put("holdDownSeconds", after.holdDown().toMillis() / 1000.0);
                    events.append(io.patronus.wal.RecordType.PATH_EVENT, after.since(), "path", after.pathId(),
                            after.pathId() + ": " + before.status().wire() + " -> " + after.status().wire() + " (" + after.reason() + ")",
                            details);
                    metrics.count("patronus_path_state_changes", "to", after.status().wire());
                });
                pp.addCarrierListener((colour, up, iface) -> {
                    f.evaluateSoon();
                    events.append(io.patronus.wal.RecordType.PATH_EVENT, java.time.Instant.now(), "path", iface,
                            "link " + iface + " (" + colour + ") is " + (up ? "up again; its paths recover through probes" : "down: its paths are down"),
                            Map.of("colour", colour, "iface", iface, "up", up));
                });
            }
            classifier.refresh();
            PathMonitor m = monitor;
            DataPlane dp = dataPlane;
            PolicyClassifier pc = classifier;
            FailoverService fs = failover;
            store.addListener(mutation -> {
                m.refresh();
                boolean sitesChanged = mutation instanceof Mutation.PutSite || mutation instanceof Mutation.DeleteSite
                        || mutation instanceof Mutation.ReplaceConfig;
                if (pp != null && sitesChanged) {
                    pp.refresh();
                }
                if (sitesChanged) {
                    dp.reconcileSoon();
                }
                if (sitesChanged || mutation instanceof Mutation.PutPolicy || mutation instanceof Mutation.DeletePolicy) {
                    pc.refresh();
                    fs.evaluateSoon();
                }
            });
            registerGauges(metrics, store);
            metrics.gauge("patronus_dataplane_reconcile_consecutive_failures", "Tunnel reconciles failed in a row (0: the "
                    + "devices, routes and rules match the configuration)", dataPlane, d -> d.reconcileStatus().consecutiveFailures());
            metrics.gauge("patronus_dataplane_reconcile_failures", "Tunnel reconciles failed since start", dataPlane,
                    d -> d.reconcileStatus().failures());
            metrics.gauge("patronus_dataplane_reconcile_last_success_seconds", "Unix time of the last tunnel reconcile that "
                    + "applied everything (0: none yet)", dataPlane,
                    d -> d.reconcileStatus().lastSuccessAt().map(t -> t.toEpochMilli() / 1000.0).orElse(0.0));
            Instant startedAt = clock.instant();
            Appliance[] self = new Appliance[1];
            V1Routes v1 = new V1Routes(store, monitor, tokens, hasher, metrics, config.links(),
                    new V1Routes.Info(config.site().id(), VERSION, startedAt, dataPlane.kind(), dataPlane.reason(),
                            dataPlane.publicKey()),
                    () -> self[0].dump(), clock, dataPlane);
            List<ApiRoute> routes = new java.util.ArrayList<>(v1.routes());
            // Before /v1/policies/{id}: "test" is not a policy id.
            routes.addAll(0, new ClassifierRoutes(store, classifier).routes());
            routes.addAll(new FailoverRoutes(store, failover, events, config.links(), clock).routes());
            routes.addAll(new FederationRoutes(federation).routes());
            PathMonitor judged = monitor;
            AtomicReference<List<SlaClass>> slaInEffect = new AtomicReference<>(config.slaClasses());
            routes.addAll(new SlaClassRoutes(slaInEffect::get, judged::sla, config.failover().probeInterval(),
                    config.failover().detectMultiplier()).routes());
            ProbedPaths prober = probed;
            String slaName = config.failover().slaClass();
            federation.start(new Federation.Wiring(store, monitor, dataPlane, config.links(), config.slaClasses(), classes -> {
                SlaClass now = slaClass(classes, slaName);
                slaInEffect.set(List.copyOf(classes));
                judged.sla(now);
                if (prober != null) {
                    // Re-times the running paths too: the class may carry another probe interval or detect multiplier.
                    prober.sla(now);
                }
            }));
            WebServer server = ApiServer.start(config.api().host(), config.api().port(), routes, v1::authenticate, metrics);
            dataPlane.startReconciling();
            // With probes the monitor only copies the prober's state (cheap); emulated paths are measured every 5 s.
            monitor.start(probed != null ? Duration.ofSeconds(1) : Duration.ofSeconds(5));
            failover.start(FAILOVER_TICK);
            housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "store-checkpoint");
                t.setDaemon(true);
                return t;
            });
            housekeeping.scheduleWithFixedDelay(() -> {
                try {
                    store.checkpoint();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "periodic checkpoint failed: " + e, e);
                }
            }, CHECKPOINT_INTERVAL.toSeconds(), CHECKPOINT_INTERVAL.toSeconds(), TimeUnit.SECONDS);
            // A LAN interface that appears late or a refused rule set is retried without waiting for the next change.
            housekeeping.scheduleWithFixedDelay(classifier::retryIfFailed, 10, 10, TimeUnit.SECONDS);
            self[0] = new Appliance(config, store, monitor, dataPlane, classifier, failover, probed, metrics, server, adminPassword,
                    housekeeping, startedAt, routes, federation);
            return self[0];
        } catch (RuntimeException e) {
            if (probed != null) {
                probed.close();
            }
            federation.close();
            cleanup(store, monitor, dataPlane, classifier, failover, housekeeping);
            throw e;
        }
    }

    /** The store settings a configuration implies; shared with the offline maintenance commands. */
    public static StoreOptions storeOptions(ApplianceConfig config, Clock clock) {
        Path dataDir = config.dataDir();
        return new StoreOptions(dataDir,
                new WalOptions(dataDir.resolve("wal"), config.wal().segmentBytes(), config.wal().maxBatchWait(),
                        (int) config.wal().maxBatchBytes()),
                config.wal().checkpointEvery(), true, clock);
    }

    private static void cleanup(StateStore store, PathMonitor monitor, DataPlane dataPlane, PolicyClassifier classifier,
                                FailoverService failover, ScheduledExecutorService housekeeping) {
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (failover != null) {
            failover.close();
        }
        if (classifier != null) {
            classifier.close();
        }
        if (monitor != null) {
            monitor.close();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
        store.close();
    }

    /**
     * On the very first start there are no users: create {@code admin} with a random password, which is returned to be
     * shown once. Only its Argon2id hash is stored; there is no default password.
     */
    static Optional<String> bootstrapAdmin(StateStore store, PasswordHasher hasher, Clock clock) {
        if (store.userCount() > 0) {
            return Optional.empty();
        }
        String password = randomPassword();
        store.putUser(new User("admin", Role.ADMIN, hasher.hash(password.toCharArray()), clock.instant()), "system");
        return Optional.of(password);
    }

    /** A new random password: 18 random bytes in URL-safe base64 (24 characters, 144 bits). */
    public static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void registerGauges(ApplianceMetrics metrics, StateStore store) {
        metrics.gauge("patronus_sites", "Sites configured", store, s -> s.sites().size());
        metrics.gauge("patronus_policies", "Policies configured", store, s -> s.policies().size());
        metrics.gauge("patronus_wal_last_sequence", "Last durable write-ahead log sequence", store, s -> s.log().lastSequence());
        metrics.gauge("patronus_wal_appends", "Records appended since start", store, s -> s.log().stats().appends());
        metrics.gauge("patronus_wal_fsyncs", "Log fsyncs since start (group commits)", store, s -> s.log().stats().fsyncs());
        metrics.gauge("patronus_wal_segments", "Log segment files", store, s -> s.log().stats().segments());
        metrics.gauge("patronus_store_applied_sequence", "Last log sequence applied to the store", store, StateStore::appliedSequence);
    }

    /** The API's base URI, with the port actually bound. */
    public URI apiUri() {
        return uri(config.api().host(), server.port());
    }

    private static URI uri(String host, int port) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port);
    }

    public int port() {
        return server.port();
    }

    /** The admin password generated by this start, present only on the very first start of a data directory. */
    public Optional<String> generatedAdminPassword() {
        return generatedAdminPassword;
    }

    /** The API routes this appliance serves (method and path template each). */
    public List<ApiRoute> routes() {
        return routes;
    }

    public StateStore store() {
        return store;
    }

    public PathMonitor monitor() {
        return monitor;
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The runtime state of every component as a tree, for {@code patronus debug dump}. */
    public Map<String, Object> dump() {
        WalStats ws = store.log().stats();
        Map<String, Object> walDetails = new LinkedHashMap<>();
        walDetails.put("directory", config.dataDir().resolve("wal").toString());
        walDetails.put("stats", ws);
        walDetails.put("recovery", store.log().recoveryReport().describe());
        Map<String, Object> storeDetails = new LinkedHashMap<>();
        storeDetails.put("file", config.dataDir().resolve("state.db").toString());
        storeDetails.put("appliedSequence", store.appliedSequence());
        storeDetails.put("replayedAtOpen", store.replayedAtOpen());
        storeDetails.put("sites", store.sites().size());
        storeDetails.put("policies", store.policies().size());
        storeDetails.put("users", store.userCount());
        Map<String, Object> dpDetails = new LinkedHashMap<>();
        dpDetails.put("backend", dataPlane.kind());
        dpDetails.put("why", dataPlane.reason());
        dpDetails.put("publicKey", dataPlane.publicKey());
        dpDetails.put("reconcile", io.patronus.appliance.api.V1Routes.reconcileView(dataPlane.reconcileStatus()));
        dpDetails.put("interfaces", dataPlane.devices().stream().map(d -> d.name() + " port " + d.listenPort() + ", "
                + d.peers().size() + " peer(s)").toList());
        Map<String, Object> pathDetails = new LinkedHashMap<>();
        pathDetails.put("probe", monitor.probeKind());
        pathDetails.put("paths", monitor.paths().size());
        // Counting MapDB entries one by one is slow at millions; the rings' bound is what matters to an operator.
        pathDetails.put("historyPaths", monitor.history().pathCount());
        pathDetails.put("historyEntryBound", monitor.history().entryBound());
        List<Map<String, Object>> children = List.of(
                component("store", "running", storeDetails, List.of(component("write-ahead-log", "running", walDetails, List.of()))),
                component("data-plane", dataPlane.reconcileStatus().failing() ? "failing" : "running", dpDetails, List.of()),
                component("path-monitor", "running", pathDetails, List.of()),
                component("classifier", classifier.status().state(), classifierDetails(), List.of()),
                component("failover", "running", failoverDetails(), List.of()),
                component("federation", federation.state(), federation.dump(), List.of()),
                component("api", server.isRunning() ? "running" : "stopped",
                        Map.of("uri", apiUri().toString()), List.of()),
                component("config", "loaded", Map.of("effective", config.toYaml()), List.of()));
        Map<String, Object> root = component("appliance", "running", Map.of("siteId", config.site().id(),
                "version", VERSION, "startedAt", startedAt.toString()), children);
        return Map.of("components", root);
    }

    private Map<String, Object> failoverDetails() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("failbackHold", failover.engine().failbackHold().toString());
        m.put("pins", failover.engine().overrides().all().entrySet().stream()
                .map(e -> e.getKey() + " -> " + e.getValue()).toList());
        m.put("offPreferred", failover.engine().choices().entrySet().stream()
                .filter(e -> e.getValue().cause() != io.patronus.appliance.failover.Choice.Cause.PRIMARY)
                .map(e -> e.getKey() + ": " + e.getValue().colour() + " (" + e.getValue().cause().wire() + ")").sorted().toList());
        m.put("probes", probed == null ? "none (paths are " + monitor.probeKind() + ")" : probed.stats().toString());
        return m;
    }

    private Map<String, Object> classifierDetails() {
        PolicyClassifier.Status s = classifier.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("detail", s.detail());
        m.put("rules", s.rules());
        m.put("generation", s.generation());
        m.put("lastError", s.lastError().orElse("none"));
        m.put("verdicts", classifier.verdicts().stream().map(v -> v.verdict() + " " + v.packets() + " packets").toList());
        m.put("tcpMssClamped", classifier.mssClamped() + " SYNs lowered to the tunnel's MSS");
        return m;
    }

    private static Map<String, Object> component(String name, String state, Map<String, ?> details,
                                                 List<Map<String, Object>> children) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("state", state);
        c.put("details", details);
        c.put("children", children);
        return c;
    }

    /** Stops the API first (no new mutations), then probing, then checkpoints and closes the store. */
    @Override
    public void close() {
        server.stop();
        federation.close();
        housekeeping.shutdownNow();
        failover.close();
        monitor.close();
        if (probed != null) {
            probed.close();
        }
        classifier.close();
        dataPlane.close();
        store.close();
    }

    /** The class named by failover.slaClass, else the first (a bundle may not carry the configured name). */
    private static SlaClass slaClass(List<SlaClass> classes, String name) {
        return classes.stream().filter(s -> s.name().equals(name)).findFirst().orElse(classes.getFirst());
    }

    /** The federation side: enrolment identity, config agent, status reports, outbox. */
    public Federation federation() {
        return federation;
    }

    /** The configuration this appliance runs with (after federation replaced the site identity). */
    public ApplianceConfig config() {
        return config;
    }

    public FailoverService failover() {
        return failover;
    }

    public PolicyClassifier classifier() {
        return classifier;
    }
}
