package io.patronus.controller.bench;

import io.patronus.controller.Controller;
import io.patronus.controller.config.ControllerConfig;
import io.patronus.controller.fleet.ConfigRenderer;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.OrganisationRecord;
import io.patronus.controller.store.Progress;
import io.patronus.controller.store.SiteOverrides;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.testing.Configs;
import io.patronus.controller.testing.Http;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import io.patronus.model.Site;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceIdentity;
import io.patronus.provisioning.DeviceKeys;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.DeviceStatus;
import io.patronus.provisioning.EnrolmentRequest;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.PathSummary;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.provisioning.TlsContexts;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How the controller behaves with hundreds to thousands of full-mesh sites: a fleet of N enrolled appliances, all
 * long-polling their configuration, then more enrolments and group configuration changes, measured end to end.
 *
 * <p>Per fleet size N (default 100, 300 and 1,000), in one JVM:
 * <ol>
 * <li><b>Bulk.</b> N enrolled sites and appliances are written straight into the store in one transaction (each with a
 *     device certificate issued by the controller's CA for a key the benchmark holds), then the controller restarts,
 *     so its start-up reconcile publishes the N bundles. This is not the enrolment path; it only builds the fleet
 *     quickly, and the start-up publish is reported as {@code start}.</li>
 * <li><b>Long-polls.</b> N pollers, one virtual thread each, with the appliance's own client certificate over real
 *     mutual TLS ({@link HttpsURLConnection}), fetch their bundle and then long-poll for a newer one, exactly like an
 *     appliance. To keep the benchmark's own CPU out of the way they read the version from the first bytes of the
 *     payload; every 25th poller verifies the signature and parses the whole bundle (a failure aborts the run).</li>
 * <li><b>Enrolments.</b> Several more sites are staged (admin API) and enrolled over real HTTPS ({@code POST /v1/enrol},
 *     the measured part): time of the enrolment call, time until every existing appliance's newer bundle is published
 *     (the store's version), time until every poller received it, and per enrolment the bytes appended to the
 *     write-ahead log, the bytes the process wrote to disk ({@code /proc/self/io}, includes checkpoints) and the
 *     growth of the data directory.</li>
 * <li><b>Fan-out.</b> The group's configuration changes (one wave, 100%): time until the last of the N pollers got its
 *     new bundle.</li>
 * <li><b>Status reports.</b> Every appliance reports {@code CONFIG_APPLIED} with its configuration as observed config
 *     (as the appliance does after applying a bundle; 32 at a time), then the same report again (a heartbeat): time
 *     for the N reports and log bytes per report, each round.</li>
 * <li>Heap used after a full GC: with the fleet loaded before any poller connected, and at the end (N pollers
 *     connected, every appliance's observed configuration stored).</li>
 * </ol>
 * Bounded: every wait has a deadline ({@code --wait}), the whole run has a budget ({@code --budget}); a size that does
 * not finish in time is reported with what it measured.
 *
 * <p>Usage: {@code FleetScaleBenchmark [--sizes 100,300,1000] [--enrolments 8] [--changes 3] [--wait 180]
 * [--budget 3600] [--dir DIR] [--out results.md]}. Run it with {@code scripts/bench-controller}.
 */
public final class FleetScaleBenchmark {
    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");
    private static final int VERIFY_EVERY = 25;
    private static final String ORGANISATION = "Bench Org";

    private final List<Integer> sizes;
    private final int enrolments;
    private final int changes;
    private final Duration wait;
    private final long budgetEnd;
    private final Path dir;
    private final Path out;
    private final StringBuilder report = new StringBuilder();

    private FleetScaleBenchmark(List<Integer> sizes, int enrolments, int changes, Duration wait, Duration budget,
                                Path dir, Path out) {
        this.sizes = sizes;
        this.enrolments = enrolments;
        this.changes = changes;
        this.wait = wait;
        this.budgetEnd = System.nanoTime() + budget.toNanos();
        this.dir = dir;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(java.util.logging.Level.WARNING);
        }
        List<Integer> sizes = List.of(100, 300, 1000);
        int enrolments = 8;
        int changes = 3;
        Duration wait = Duration.ofSeconds(180);
        Duration budget = Duration.ofSeconds(3600);
        Path dir = Path.of("controller/target/bench-controller/data");
        Path out = Path.of("controller/target/bench-controller/results.md");
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
                case "--enrolments" -> enrolments = Integer.parseInt(v);
                case "--changes" -> changes = Integer.parseInt(v);
                case "--wait" -> wait = Duration.ofSeconds(Long.parseLong(v));
                case "--budget" -> budget = Duration.ofSeconds(Long.parseLong(v));
                case "--dir" -> dir = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see the class javadoc");
            }
            i++;
        }
        new FleetScaleBenchmark(sizes, enrolments, changes, wait, budget, dir, out).run();
        System.exit(0);
    }

    private void run() throws Exception {
        line("| N | start (s) | enrol p50 / p95 (ms) | published to all p50 / p95 (ms) | delivered to all p50 / p95 (ms) "
                + "| WAL bytes / enrolment | disk writes / enrolment | data dir growth / enrolment | fan-out: last of N (ms) "
                + "| N status reports: time, WAL bytes / report (applied; heartbeat) | data dir | heap after GC (start; end) |");
        line("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (int n : sizes) {
            if (System.nanoTime() > budgetEnd) {
                line("| " + n + " | not run: budget spent |||||||||| ");
                continue;
            }
            try {
                runSize(n);
            } catch (Exception | AssertionError e) {
                line("| " + n + " | failed: " + e.toString().replace('|', '/') + " |||||||||| ");
                e.printStackTrace();
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println();
        System.out.print(report);
    }

    private void line(String s) {
        report.append(s).append('\n');
        System.out.println(s);
    }

    // ---- one fleet size ---------------------------------------------------------------------------------------------

    private void runSize(int n) throws Exception {
        Path data = dir.resolve("fleet-" + n);
        deleteTree(data);
        Files.createDirectories(data);
        ControllerConfig config = ControllerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(data)
                .tlsNames(List.of("localhost", "127.0.0.1"))
                .organisation(ORGANISATION)
                .build();
        Clock clock = Clock.systemUTC();
        Controller controller = Controller.start(config, clock);
        List<Poller> pollers;
        try {
            pollers = bulk(controller, config, clock, n);
        } finally {
            controller.close();
        }
        long startAt = System.nanoTime();
        controller = Controller.start(config, clock);
        double startSeconds = (System.nanoTime() - startAt) / 1e9;
        progress("N=" + n + ": controller started with " + n + " appliances in " + fmt(startSeconds) + " s");
        long heapAtStart = heapAfterGc();
        Http admin = new Http(controller.localUrl(), TlsContexts.client(controller.caCertificate()),
                Optional.of(controller.adminToken()));
        Http anonymous = new Http(controller.localUrl(), TlsContexts.client(controller.caCertificate()), Optional.empty());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            EnvelopeVerifier verifier = new EnvelopeVerifier(controller.caCertificate(), clock);
            URI base = controller.localUrl();
            for (Poller p : pollers) {
                threads.submit(() -> p.loop(base, verifier, stop));
            }
            long t0 = System.nanoTime();
            awaitAll(pollers, 1, t0, "first bundle");
            progress("N=" + n + ": " + n + " pollers have their bundle after " + ms(System.nanoTime() - t0) + " ms");

            List<Long> enrolMs = new ArrayList<>();
            List<Long> publishedMs = new ArrayList<>();
            List<Long> deliveredMs = new ArrayList<>();
            long walBytes = 0;
            long diskBytes = 0;
            long dirBytes = 0;
            for (int k = 0; k < enrolments && System.nanoTime() < budgetEnd; k++) {
                String siteId = String.format(Locale.ROOT, "new-%05d", k);
                Http.Answer site = admin.post("/v1/admin/sites", Map.of("id", siteId, "name", "New " + k, "group", "default",
                        "lanPrefixes", List.of("10.250." + k + ".0/24")));
                check(site.status() == 201, "staging " + siteId + ": " + site);
                Http.Answer token = admin.post("/v1/admin/tokens", Map.of("siteId", siteId));
                check(token.status() == 201, "token for " + siteId + ": " + token);
                String serial = "NEW-" + k;
                EnrolmentRequest req = new EnrolmentRequest(token.json().path("token").asText(), serial,
                        DeviceKeys.csr(DeviceKeys.generate(), serial), randomKey(),
                        Map.of("fiber", "203.0.113." + (k % 250 + 1) + ":51820"), "0.1.0-bench");
                Map<String, Long> before = targets(pollers);
                Thread.sleep(200); // let the previous round's writes settle before counting
                long wal0 = controller.store().walStats().bytesWritten();
                long disk0 = processWriteBytes();
                long dir0 = treeBytes(data);
                long start = System.nanoTime();
                Http.Answer enrolled = anonymous.post("/v1/enrol", req);
                long enrolledAt = System.nanoTime();
                check(enrolled.status() == 200, "enrolment of " + siteId + ": " + enrolled);
                long publishedAt = awaitPublished(controller.store(), before, start);
                long deliveredAt = awaitAll(pollers, before, start, "bundle after enrolling " + siteId);
                enrolMs.add(ms(enrolledAt - start));
                publishedMs.add(ms(publishedAt - start));
                deliveredMs.add(ms(deliveredAt - start));
                Thread.sleep(200);
                walBytes += controller.store().walStats().bytesWritten() - wal0;
                diskBytes += processWriteBytes() - disk0;
                dirBytes += treeBytes(data) - dir0;
                progress("N=" + n + ": enrolment " + (k + 1) + ": " + ms(enrolledAt - start) + " ms, delivered to all after "
                        + ms(deliveredAt - start) + " ms");
            }
            int done = enrolMs.size();

            List<Long> fanOut = new ArrayList<>();
            for (int c = 0; c < changes && System.nanoTime() < budgetEnd; c++) {
                Map<String, Long> before = targets(pollers);
                long start = System.nanoTime();
                Http.Answer put = admin.put("/v1/admin/groups/default/config", Map.of(
                        "policies", List.of(Configs.route("bench-" + c, 100 + c, "fiber", "lte")),
                        "slaClasses", List.of(Configs.sla("gold", 50 + c)),
                        "rollout", Map.of("waves", List.of("100%"))));
                check(put.status() == 200, "group change: " + put);
                long last = awaitAll(pollers, before, start, "group change " + c);
                fanOut.add(ms(last - start));
                progress("N=" + n + ": group change " + (c + 1) + " reached all " + n + " pollers after " + ms(last - start) + " ms");
            }
            String applied = System.nanoTime() < budgetEnd ? statusRound(controller, pollers, "applied") : "-";
            String heartbeat = System.nanoTime() < budgetEnd ? statusRound(controller, pollers, "heartbeat") : "-";
            long heap = heapAfterGc();
            long failures = pollers.stream().mapToLong(p -> p.failures.get()).sum();
            line("| " + n + " | " + fmt(startSeconds) + " | " + pct(enrolMs) + " | " + pct(publishedMs) + " | " + pct(deliveredMs)
                    + " | " + bytes(done == 0 ? 0 : walBytes / done) + " | " + bytes(done == 0 ? 0 : diskBytes / done)
                    + " | " + bytes(done == 0 ? 0 : dirBytes / done)
                    + " | " + (fanOut.isEmpty() ? "-" : fanOut.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).get())
                    + (failures > 0 ? " (" + failures + " poll errors)" : "")
                    + " | " + applied + "; " + heartbeat + " | " + bytes(treeBytes(data)) + " | " + bytes(heapAtStart) + "; "
                    + bytes(heap) + " |");
        } finally {
            stop.set(true);
            controller.close();
            threads.shutdownNow();
            admin.close();
            anonymous.close();
        }
    }

    /** Writes N enrolled sites and appliances in one transaction; returns a poller per appliance. */
    private List<Poller> bulk(Controller controller, ControllerConfig config, Clock clock, int n) {
        long t0 = System.nanoTime();
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(config.secretsDir(), ORGANISATION + " Patronus CA", clock);
        KeyPair deviceKey = DeviceKeys.generate();
        List<Poller> pollers = new ArrayList<>();
        List<SiteRecord> sites = new ArrayList<>();
        List<ApplianceRecord> appliances = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < n; i++) {
            String siteId = String.format(Locale.ROOT, "site-%05d", i);
            String serial = String.format(Locale.ROOT, "BENCH-%05d", i);
            X509Certificate cert = ca.issueDevice(DeviceKeys.csr(deviceKey, serial), serial, siteId, Duration.ofDays(7));
            DeviceIdentity id = DeviceIdentity.of(cert);
            sites.add(new SiteRecord(siteId, OrganisationRecord.FIRST, "Site " + i, "Rack " + i, "default",
                    List.of(IpPrefix.parse("10." + (i / 250) + "." + (i % 250) + ".0/24")), Optional.empty(), Map.of(),
                    SiteOverrides.none(), 0, now)
                    .withEnrolment(randomKey(), Map.of(
                            "fiber", Endpoint.parse("198.18." + (i / 250) + "." + (i % 250 + 1) + ":51820"),
                            "lte", Endpoint.parse("198.19." + (i / 250) + "." + (i % 250 + 1) + ":51821"))));
            appliances.add(new ApplianceRecord(siteId, serial, "0.1.0-bench", id.certificateSerial(), id.notAfter(),
                    Optional.empty(), Optional.empty(), now, Optional.of(now), 0, 0, 0, "", "ENROLLED", PathSummary.none(),
                    Optional.empty(), Optional.empty(), 0, List.of(new Progress(now, "ENROLLED", 0, 0, "bench bulk"))));
            SSLSocketFactory tls = TlsContexts.client(controller.caCertificate(), deviceKey.getPrivate(), cert).getSocketFactory();
            pollers.add(new Poller(siteId, tls, i % VERIFY_EVERY == 0));
        }
        ControllerStore store = controller.store();
        store.transact("bench", tx -> {
            sites.forEach(tx::putSite);
            appliances.forEach(tx::putAppliance);
            return null;
        });
        progress("N=" + n + ": " + n + " sites and appliances written in " + ms(System.nanoTime() - t0) + " ms");
        return pollers;
    }

    // ---- status reports -----------------------------------------------------------------------------------------------

    /**
     * Every appliance reports CONFIG_APPLIED for the version it has, with its configuration as observed config, 32 at a
     * time; returns "time ms, WAL bytes per report".
     */
    private String statusRound(Controller controller, List<Poller> pollers, String what) throws Exception {
        ControllerStore store = controller.store();
        List<SiteRecord> sites = store.sites();
        List<Site> mesh = sites.stream().filter(SiteRecord::enrolled).map(ConfigRenderer::modelSite).toList();
        SiteRecord first = sites.getFirst();
        GroupRecord group = store.group(first.organisation(), first.group())
                .orElse(GroupRecord.initial(first.organisation(), first.group(), Instant.now()));
        BundleConfig policies = ConfigRenderer.render(first, List.of(first), group).config();
        URI base = controller.localUrl();
        Semaphore concurrent = new Semaphore(32);
        AtomicLong errors = new AtomicLong();
        long wal0 = store.walStats().bytesWritten();
        long appends0 = store.walStats().appends();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Poller p : pollers) {
                threads.submit(() -> {
                    concurrent.acquireUninterruptibly();
                    try {
                        List<Site> others = mesh.stream().filter(s -> !s.id().equals(p.siteId)).toList();
                        BundleConfig observed = new BundleConfig(others, policies.policies(), policies.slaClasses());
                        byte[] body = Json.mapper().writeValueAsBytes(new DeviceStatus(DeviceState.CONFIG_APPLIED,
                                p.version.get(), 0, "", Instant.now(), new PathSummary(2, 0, 0), Optional.of(observed), 0));
                        HttpsURLConnection c = (HttpsURLConnection) base.resolve("/v1/device/status").toURL().openConnection();
                        c.setSSLSocketFactory(p.tls);
                        c.setRequestMethod("POST");
                        c.setDoOutput(true);
                        c.setRequestProperty("Content-Type", "application/json");
                        c.setFixedLengthStreamingMode(body.length);
                        try (var out = c.getOutputStream()) {
                            out.write(body);
                        }
                        int status = c.getResponseCode();
                        try (InputStream in = status == 200 ? c.getInputStream() : c.getErrorStream()) {
                            if (in != null) {
                                in.readAllBytes();
                            }
                        }
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        if (errors.incrementAndGet() <= 3) {
                            System.err.println("status of " + p.siteId + ": " + e);
                        }
                    } finally {
                        concurrent.release();
                    }
                });
            }
        }
        long took = ms(System.nanoTime() - start);
        long perReport = (store.walStats().bytesWritten() - wal0) / pollers.size();
        progress("N=" + pollers.size() + ": " + pollers.size() + " status reports (" + what + ") in " + took + " ms, "
                + perReport + " log bytes each, " + (store.walStats().appends() - appends0) + " log records"
                + (errors.get() > 0 ? ", " + errors.get() + " failed" : ""));
        return took + " ms, " + bytes(perReport) + (errors.get() > 0 ? " (" + errors.get() + " failed)" : "");
    }

    // ---- waiting ----------------------------------------------------------------------------------------------------

    /** Each poller's current version, plus one: what it must reach next. */
    private static Map<String, Long> targets(List<Poller> pollers) {
        Map<String, Long> m = new java.util.HashMap<>();
        pollers.forEach(p -> m.put(p.siteId, p.version.get() + 1));
        return m;
    }

    private long awaitAll(List<Poller> pollers, long atLeast, long start, String what) throws InterruptedException {
        Map<String, Long> m = new java.util.HashMap<>();
        pollers.forEach(p -> m.put(p.siteId, atLeast));
        return awaitAll(pollers, m, start, what);
    }

    /** Waits until every poller has reached its target version; returns the latest arrival time (nanoTime). */
    private long awaitAll(List<Poller> pollers, Map<String, Long> target, long start, String what) throws InterruptedException {
        long deadline = start + wait.toNanos();
        while (true) {
            long last = 0;
            int missing = 0;
            for (Poller p : pollers) {
                if (p.version.get() < target.get(p.siteId)) {
                    missing++;
                } else {
                    last = Math.max(last, p.receivedAt.get());
                }
            }
            if (missing == 0) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(missing + " of " + pollers.size() + " pollers did not get their " + what
                        + " within " + wait.toSeconds() + " s");
            }
            Thread.sleep(2);
        }
    }

    /** Waits until the store shows a newer version for every poller's site; returns when (nanoTime). */
    private long awaitPublished(ControllerStore store, Map<String, Long> target, long start) throws InterruptedException {
        long deadline = start + wait.toNanos();
        while (true) {
            boolean all = true;
            for (Map.Entry<String, Long> e : target.entrySet()) {
                if (store.bundle(e.getKey()).map(b -> b.version()).orElse(0L) < e.getValue()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the store did not publish a new version to every appliance within " + wait.toSeconds() + " s");
            }
            Thread.sleep(1);
        }
    }

    // ---- one appliance's long-poll ----------------------------------------------------------------------------------

    /** An appliance's configuration long-poll over its own mutual TLS connection. */
    private static final class Poller {
        final String siteId;
        final SSLSocketFactory tls;
        final boolean verify;
        final AtomicLong version = new AtomicLong();
        final AtomicLong receivedAt = new AtomicLong();
        final AtomicLong failures = new AtomicLong();

        Poller(String siteId, SSLSocketFactory tls, boolean verify) {
            this.siteId = siteId;
            this.tls = tls;
            this.verify = verify;
        }

        void loop(URI base, EnvelopeVerifier verifier, AtomicBoolean stop) {
            while (!stop.get()) {
                try {
                    long after = version.get();
                    URI uri = base.resolve("/v1/device/config?after=" + after + "&waitSeconds=" + (after == 0 ? 0 : 55));
                    HttpsURLConnection c = (HttpsURLConnection) uri.toURL().openConnection();
                    c.setSSLSocketFactory(tls);
                    c.setConnectTimeout(30_000);
                    c.setReadTimeout(90_000);
                    int status = c.getResponseCode();
                    if (status == 204) {
                        c.getInputStream().close();
                        continue;
                    }
                    byte[] body;
                    try (InputStream in = status == 200 ? c.getInputStream() : c.getErrorStream()) {
                        body = in == null ? new byte[0] : in.readAllBytes();
                    }
                    if (status != 200) {
                        throw new IOException("HTTP " + status + ": " + new String(body, StandardCharsets.UTF_8));
                    }
                    long v = verify ? verified(body, verifier) : versionOf(body);
                    if (v <= after) {
                        throw new IOException("got version " + v + " after asking for one above " + after);
                    }
                    receivedAt.set(System.nanoTime());
                    version.set(v);
                } catch (IOException | RuntimeException e) {
                    if (stop.get()) {
                        return;
                    }
                    if (failures.incrementAndGet() <= 3) {
                        System.err.println("poller " + siteId + ": " + e);
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        private long verified(byte[] body, EnvelopeVerifier verifier) throws IOException {
            SignedEnvelope envelope = Json.mapper().readValue(body, SignedEnvelope.class);
            ConfigBundle bundle = verifier.verify(envelope, ConfigBundle.class);
            if (!bundle.siteId().equals(siteId)) {
                throw new AssertionError(siteId + " got the bundle of " + bundle.siteId());
            }
            if (bundle.config().sites().stream().anyMatch(s -> s.id().equals(siteId))) {
                throw new AssertionError(siteId + "'s bundle lists the site itself");
            }
            return bundle.version();
        }

        /** The version from the first bytes of the payload, without verifying (the sampled pollers verify). */
        private static long versionOf(byte[] body) {
            String text = new String(body, 0, Math.min(body.length, 2048), StandardCharsets.US_ASCII);
            int at = text.indexOf("\"payload\":\"");
            if (at < 0) {
                throw new IllegalStateException("no payload in " + text.substring(0, Math.min(200, text.length())));
            }
            int from = at + 11;
            int end = text.indexOf('"', from);
            int len = Math.min((end < 0 ? text.length() : end) - from, 800) / 4 * 4;
            String head = new String(Base64.getDecoder().decode(text.substring(from, from + len)), StandardCharsets.UTF_8);
            Matcher m = VERSION.matcher(head);
            if (!m.find()) {
                throw new IllegalStateException("no version in the payload's first bytes: " + head);
            }
            return Long.parseLong(m.group(1));
        }
    }

    // ---- measuring --------------------------------------------------------------------------------------------------

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes this process caused to be written to storage so far ({@code write_bytes} of /proc/self/io), or 0. */
    private static long processWriteBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (l.startsWith("write_bytes:")) {
                    return Long.parseLong(l.substring(12).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no I/O accounting: the column shows 0
        }
        return 0;
    }

    /** Allocated size of a directory tree ({@code du}), so preallocated log segments count once, when allocated. */
    private static long treeBytes(Path root) throws IOException {
        if (!Files.exists(root)) {
            return 0;
        }
        try {
            Process du = new ProcessBuilder("du", "-s", "--block-size=1", root.toString()).redirectErrorStream(true).start();
            String text = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (du.waitFor() == 0) {
                return Long.parseLong(text.split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            // no du: fall back to the apparent size below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String pct(List<Long> values) {
        if (values.isEmpty()) {
            return "-";
        }
        List<Long> sorted = values.stream().sorted().toList();
        long p50 = sorted.get((sorted.size() - 1) / 2);
        long p95 = sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        return p50 + " / " + p95;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String bytes(long b) {
        if (b < 10 * 1024) {
            return b + " B";
        }
        if (b < 10L * 1024 * 1024) {
            return (b / 1024) + " KiB";
        }
        return (b / (1024 * 1024)) + " MiB";
    }

    private static String randomKey() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static void progress(String s) {
        System.err.println("bench-controller: " + s);
    }
}
