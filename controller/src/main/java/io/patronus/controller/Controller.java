package io.patronus.controller;

import io.helidon.webserver.WebServer;
import io.patronus.controller.api.AdminRoutes;
import io.patronus.controller.api.ApiRoute;
import io.patronus.controller.api.ControllerServer;
import io.patronus.controller.api.DeviceAuthenticator;
import io.patronus.controller.api.DeviceRoutes;
import io.patronus.controller.api.OrganisationRoutes;
import io.patronus.controller.config.ControllerConfig;
import io.patronus.controller.enrol.Enrolment;
import io.patronus.controller.enrol.Tokens;
import io.patronus.controller.fleet.BundleWaiters;
import io.patronus.controller.fleet.ConfigPublisher;
import io.patronus.controller.fleet.DeviceReports;
import io.patronus.controller.fleet.Drift;
import io.patronus.controller.fleet.KeyRotations;
import io.patronus.controller.fleet.RolloutEngine;
import io.patronus.controller.store.Change;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.StoreOptions;
import io.patronus.provisioning.BundleSigner;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.Pem;
import io.patronus.provisioning.ProvisioningException;
import io.patronus.provisioning.SecretFile;
import io.patronus.provisioning.TlsContexts;
import io.patronus.wal.WalOptions;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running controller: the store, the CA and bundle signer, the publisher, the rollout engine and the HTTPS API,
 * started and stopped together. {@code patronus-controller serve} and the tests both start it through
 * {@link #start}, so tests run the production wiring on a real port and a real data directory.
 *
 * <p>Files in {@code dataDir}: {@code controller.db} (checkpoint), {@code wal/} (write-ahead log),
 * {@code secrets/ca.key}, {@code secrets/ca.pem}, {@code secrets/signing.key}, {@code secrets/signing.pem},
 * {@code secrets/admin.token} (all 0600 but the certificates).
 */
public final class Controller implements AutoCloseable {
    public static final String VERSION = Optional.ofNullable(Controller.class.getPackage().getImplementationVersion()).orElse("0.1.0-dev");
    private static final System.Logger LOG = System.getLogger(Controller.class.getName());
    /** How often the store is checkpointed when changes were journalled. */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    /**
     * How often it is checkpointed when only heartbeats came in (lastSeen, paths: in memory, not journalled). A crash
     * loses at most this much of them; each appliance's next heartbeat brings them back.
     */
    private static final Duration SOFT_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);
    private static final Duration RETENTION_INTERVAL = Duration.ofHours(1);
    private static final Duration ROLLOUT_TICK = Duration.ofSeconds(1);
    /** The admin token file inside the secrets directory. */
    public static final String ADMIN_TOKEN_FILE = "admin.token";

    private final ControllerConfig config;
    private final ControllerStore store;
    private final CertificateAuthority ca;
    private final BundleWaiters waiters;
    private final RolloutEngine rollouts;
    private final KeyRotations keyRotations;
    private final ScheduledExecutorService housekeeping;
    private final String adminToken;
    private volatile WebServer server;

    private Controller(ControllerConfig config, ControllerStore store, CertificateAuthority ca, BundleWaiters waiters,
                       RolloutEngine rollouts, KeyRotations keyRotations, ScheduledExecutorService housekeeping,
                       String adminToken) {
        this.config = config;
        this.store = store;
        this.ca = ca;
        this.waiters = waiters;
        this.rollouts = rollouts;
        this.keyRotations = keyRotations;
        this.housekeeping = housekeeping;
        this.adminToken = adminToken;
    }

    /**
     * Opens the store (recovering it), loads or creates the CA, the signing key and the admin token, issues a fresh
     * server certificate for {@code config.tlsNames()}, brings every appliance's bundle up to date and starts HTTPS.
     *
     * @throws ControllerException when a secret or the store cannot be used; nothing is left running
     */
    public static Controller start(ControllerConfig config, Clock clock) {
        ControllerStore store;
        try {
            store = ControllerStore.open(new StoreOptions(config.dataDir(),
                    WalOptions.defaults(config.dataDir().resolve("wal")).segmentBytes(config.walSegmentBytes()),
                    config.checkpointEvery(), clock, config.organisation()));
        } catch (RuntimeException e) {
            throw new ControllerException("cannot start the controller: " + e.getMessage(), e);
        }
        ScheduledExecutorService housekeeping = null;
        BundleWaiters waiters = new BundleWaiters();
        try {
            Path secrets = config.secretsDir();
            CertificateAuthority ca = CertificateAuthority.loadOrCreate(secrets, config.organisation() + " Patronus CA", clock);
            BundleSigner signer = BundleSigner.loadOrCreate(secrets, ca);
            String adminToken = adminToken(secrets.resolve(ADMIN_TOKEN_FILE));
            KeyPair serverKey = DeviceKeys.generate();
            List<String> ips = new ArrayList<>(config.tlsIpAddresses());
            // A specific bind address is always in the certificate: the derived appliance URL may use it.
            if (ControllerConfig.isIpLiteral(config.host()) && !ips.contains(config.host())
                    && !config.host().equals("0.0.0.0") && !config.host().equals("::")) {
                ips.add(config.host());
            }
            X509Certificate serverCert = ca.issueServer(serverKey.getPublic(), config.tlsDnsNames(), ips,
                    config.serverCertificateValidity());
            SecretFile.write(secrets.resolve("server.pem"), Pem.certificate(serverCert));
            SSLContext tls = TlsContexts.server(serverKey.getPrivate(), serverCert, ca.certificate());

            store.addListener(change -> {
                if (change.ops().stream().anyMatch(op -> op instanceof Change.Op.Publish)) {
                    waiters.published();
                }
            });
            ConfigPublisher publisher = new ConfigPublisher(store, signer);
            RolloutEngine rollouts = new RolloutEngine(store, publisher, config, clock);
            KeyRotations keyRotations = new KeyRotations(store, publisher, config.keyRotationInterval(),
                    config.keyRotationGrace(), config.heartbeatInterval(), clock);
            housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "controller-housekeeping");
                t.setDaemon(true);
                return t;
            });
            ScheduledExecutorService hk = housekeeping;
            Controller[] self = new Controller[1];
            Enrolment enrolment = new Enrolment(store, ca, signer, publisher, config.deviceCertificateValidity(),
                    () -> self[0].url().toString());
            Drift drift = new Drift(store, publisher);
            Tokens tokens = new Tokens(store);
            // A fleet-wide publish makes every appliance report at once: one pending nudge is enough for all of them.
            AtomicBoolean nudged = new AtomicBoolean();
            Runnable nudge = () -> {
                if (nudged.compareAndSet(false, true)) {
                    hk.execute(() -> {
                        nudged.set(false);
                        tick(rollouts);
                        tick(keyRotations);
                    });
                }
            };
            List<ApiRoute> routes = new ArrayList<>(new DeviceRoutes(ca, enrolment, new DeviceReports(store, publisher), store,
                    waiters, publisher, keyRotations, nudge).routes());
            Controller controller = new Controller(config, store, ca, waiters, rollouts, keyRotations, housekeeping, adminToken);
            self[0] = controller;
            routes.addAll(new AdminRoutes(store, tokens, publisher, rollouts, drift, keyRotations, config.tokenTtl(),
                    config.heartbeatInterval(), controller::info, clock).routes());
            routes.addAll(new OrganisationRoutes(store).routes());
            publisher.reconcile("system");
            ControllerServer api = new ControllerServer(routes, adminToken, new DeviceAuthenticator(ca, store, clock), store);
            controller.server = api.start(config.host(), config.port(), tls);
            housekeeping.scheduleWithFixedDelay(() -> tick(rollouts), ROLLOUT_TICK.toMillis(), ROLLOUT_TICK.toMillis(),
                    TimeUnit.MILLISECONDS);
            housekeeping.scheduleWithFixedDelay(() -> tick(keyRotations), ROLLOUT_TICK.toMillis(), ROLLOUT_TICK.toMillis(),
                    TimeUnit.MILLISECONDS);
            housekeeping.scheduleWithFixedDelay(() -> {
                try {
                    store.checkpointIfDue(SOFT_CHECKPOINT_INTERVAL);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "periodic checkpoint failed: " + e, e);
                }
            }, CHECKPOINT_INTERVAL.toSeconds(), CHECKPOINT_INTERVAL.toSeconds(), TimeUnit.SECONDS);
            housekeeping.scheduleWithFixedDelay(controller::enforceRetention, 0, RETENTION_INTERVAL.toSeconds(),
                    TimeUnit.SECONDS);
            LOG.log(System.Logger.Level.INFO, "patronus-controller " + VERSION + " listening on https://" + config.host() + ":"
                    + controller.port() + ", CA " + ca.fingerprint() + ", data in " + config.dataDir());
            return controller;
        } catch (RuntimeException e) {
            if (housekeeping != null) {
                housekeeping.shutdownNow();
            }
            waiters.close();
            store.close();
            if (e instanceof ProvisioningException p) {
                throw new ControllerException("cannot start the controller: " + p.getMessage() + " (" + p.code() + ")", p);
            }
            throw e instanceof ControllerException ? e : new ControllerException("cannot start the controller: " + e.getMessage(), e);
        }
    }

    private static void tick(RolloutEngine rollouts) {
        try {
            rollouts.tick();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "rollout tick failed: " + e, e);
        }
    }

    private static void tick(KeyRotations keys) {
        try {
            keys.tick();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "key rotation tick failed: " + e, e);
        }
    }

    /**
     * Removes the telemetry events and audit records older than {@code telemetryRetention} and {@code auditRetention}
     * (zero keeps them). Runs every hour, and at start.
     */
    public ControllerStore.Pruned enforceRetention() {
        try {
            Instant now = store.now();
            Optional<Instant> events = config.telemetryRetention().isZero() ? Optional.empty()
                    : Optional.of(now.minus(config.telemetryRetention()));
            Optional<Instant> audit = config.auditRetention().isZero() ? Optional.empty()
                    : Optional.of(now.minus(config.auditRetention()));
            ControllerStore.Pruned pruned = store.prune("system", events, audit);
            if (pruned.events() > 0 || pruned.auditRecords() > 0) {
                LOG.log(System.Logger.Level.INFO, "retention: removed " + pruned.events() + " telemetry event(s) and "
                        + pruned.auditRecords() + " audit record(s)");
            }
            return pruned;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "retention pass failed: " + e, e);
            return new ControllerStore.Pruned(0, 0);
        }
    }

    /** Reads the admin token, creating a random one (256 bits, 0600) on the first start. */
    static String adminToken(Path file) {
        if (Files.exists(file)) {
            String token = SecretFile.read(file).trim();
            if (token.length() < 32) {
                throw new ControllerException("admin token file " + file + " holds fewer than 32 characters; delete it "
                        + "and restart to get a new random token");
            }
            return token;
        }
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String token = "padm_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        SecretFile.write(file, token + "\n");
        return token;
    }

    /** The bound port (the real one when the configuration asked for port 0). */
    public int port() {
        return server.port();
    }

    /** The CA certificate's SHA-256 fingerprint, {@code sha256:<64 hex>}, for bootstrap files. */
    public String caFingerprint() {
        return ca.fingerprint();
    }

    /** The CA certificate that appliances pin. */
    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** The fleet admin bearer token ({@code dataDir/secrets/admin.token}): every organisation. */
    public String adminToken() {
        return adminToken;
    }

    /** The URL appliances are told to use: {@code publicUrl}, else derived from the host or TLS names and the port. */
    public URI url() {
        if (config.publicUrl().isPresent()) {
            return config.publicUrl().get();
        }
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
            host = config.tlsIpAddresses().stream().filter(ip -> !ip.startsWith("127.") && !ip.equals("::1")
                    && !ip.contains(":")).findFirst().orElse("127.0.0.1");
        }
        return URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /** The URL of this controller on the loopback interface, for local tools and tests. */
    public URI localUrl() {
        return URI.create("https://127.0.0.1:" + port());
    }

    public ControllerConfig config() {
        return config;
    }

    /** The store, for tests and diagnostics; read it, do not write behind the controller's back. */
    public ControllerStore store() {
        return store;
    }

    /** Advances rollouts now instead of at the next tick (tests). */
    public void tickRollouts() {
        rollouts.tick();
    }

    /** Moves key rotations along and starts the due ones now instead of at the next tick (tests). */
    public void tickKeyRotations() {
        keyRotations.tick();
    }

    Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("url", url().toString());
        m.put("caFingerprint", ca.fingerprint());
        m.put("sites", store.sites().size());
        m.put("appliances", store.appliances().size());
        m.put("config", config.describe());
        return m;
    }

    /** Stops HTTPS (long-polls answer at once), the background tasks, and checkpoints and closes the store. */
    @Override
    public void close() {
        waiters.close();
        WebServer s = server;
        if (s != null) {
            s.stop();
        }
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
