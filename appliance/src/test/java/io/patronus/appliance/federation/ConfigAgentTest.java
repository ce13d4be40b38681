package io.patronus.appliance.federation;

import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.common.testing.ManualClock;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.BundleSigner;
import io.patronus.provisioning.CertificateAuthority;
import io.patronus.provisioning.ConfigBundle;
import io.patronus.provisioning.DeviceState;
import io.patronus.provisioning.EnvelopeVerifier;
import io.patronus.provisioning.SignedEnvelope;
import io.patronus.wal.RecordType;
import io.patronus.wal.WalOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The confirm/rollback state machine and the rejection rules of {@link ConfigAgent}, on a fake clock, with a real
 * store and journal and real signatures (a test CA and bundle signer).
 */
class ConfigAgentTest {
    private static final Duration CONFIRM = Duration.ofSeconds(120);
    private static final String SITE = "branch-1";
    private static final List<SlaClass> SLA = List.of(new SlaClass("default", 150, 2, 30));

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    private CertificateAuthority ca;
    private BundleSigner signer;
    private StateStore store;
    private FederationJournal journal;
    private ConfigAgent agent;
    private Optional<String> meshMissing = Optional.empty();
    /** Empty: the data plane carries a bundle as soon as it is applied; else what inEffectSince answers. */
    private Optional<Optional<Instant>> dataPlaneCarriesItFrom = Optional.empty();
    private Optional<String> dataPlaneProblem = Optional.empty();
    private boolean allPathsUp;
    private final List<String> audits = new ArrayList<>();
    private int changes;

    @BeforeEach
    void setUp() {
        ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "Test CA", clock);
        signer = BundleSigner.loadOrCreate(dir.resolve("ca"), ca);
        openStore();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void openStore() {
        Path data = dir.resolve("data");
        store = StateStore.open(new StoreOptions(data, WalOptions.defaults(data.resolve("wal")), 1000, true, clock));
        journal = FederationJournal.open(store, data.resolve("federation").resolve("state.json"));
        agent = new ConfigAgent(SITE, new EnvelopeVerifier(ca.certificate(), clock), journal, new ConfigAgent.ConfigTarget() {
            @Override
            public BundleConfig current() {
                return new BundleConfig(store.sites(), store.policies(), SLA);
            }

            @Override
            public void replace(List<Site> sites, List<Policy> policies, String actor) {
                store.replaceConfig(sites, policies, actor);
            }
        }, new ConfigAgent.MeshCheck() {
            @Override
            public Optional<String> missing(List<Site> sites) {
                return meshMissing;
            }

            @Override
            public Optional<Instant> inEffectSince(Instant appliedAt) {
                return dataPlaneCarriesItFrom.isPresent() ? dataPlaneCarriesItFrom.get() : Optional.of(appliedAt);
            }

            @Override
            public Optional<String> notInEffectBecause() {
                return dataPlaneProblem;
            }
        }, () -> allPathsUp, (v, code, detail) -> audits.add("v" + v + " " + code), clock, CONFIRM,
                () -> changes++);
    }

    private void restart() {
        store.close();
        openStore();
        agent.resume();
    }

    private static Site site(String id, int n) {
        return new Site(id, "Site " + n, "", Fixtures.randomKey(), Map.of("fiber", Endpoint.parse("192.0.2." + n + ":51820")),
                List.of(IpPrefix.parse("10." + n + ".0.0/16")), SiteStatus.ACTIVE, Instant.parse("2026-11-01T00:00:00Z"));
    }

    private static Policy policy(String id, int priority) {
        return new Policy(id, "Policy " + id, priority, PolicyMatch.any(), new PolicyAction.Route("fiber", "lte", 70));
    }

    private SignedEnvelope bundle(String siteId, long version, List<Site> sites, List<Policy> policies) {
        return signer.sign(new ConfigBundle(siteId, version, clock.instant(), new BundleConfig(sites, policies, SLA)));
    }

    private List<RecordType> journalRecords() {
        List<RecordType> out = new ArrayList<>();
        store.log().replay(store.log().firstSequence() - 1, r -> {
            if (r.type() == RecordType.CONFIG_APPLY || r.type() == RecordType.CONFIG_COMMIT || r.type() == RecordType.CONFIG_ROLLBACK) {
                out.add(r.type());
            }
        });
        return out;
    }

    @Test
    void offer_validBundle_replacesSitesAndPolicies_andStaysPendingUntilConfirmed() {
        store.createSite(site("local-9", 9), "admin");
        assertEquals(ConfigAgent.Outcome.APPLIED, agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of(policy("voice", 10)))));
        assertEquals(List.of("branch-2"), store.sites().stream().map(Site::id).toList());
        assertEquals(List.of("voice"), store.policies().stream().map(Policy::id).toList());
        assertTrue(agent.pending());
        agent.tick();
        assertTrue(agent.pending(), "no status report reached the controller yet");
        assertEquals(List.of(RecordType.CONFIG_APPLY), journalRecords());
        assertEquals(ConfigAgent.Outcome.BUSY, agent.offer(bundle(SITE, 2, List.of(), List.of())));
    }

    @Test
    void statusAndMesh_commit_andReportConfigApplied() {
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        meshMissing = Optional.of("no WireGuard handshake with branch-2 (fiber)");
        clock.advance(Duration.ofSeconds(5));
        agent.statusDelivered(clock.instant());
        assertTrue(agent.pending(), "the mesh half is missing");
        assertEquals("no WireGuard handshake with branch-2 (fiber)", agent.view().waitingFor());
        meshMissing = Optional.empty();
        agent.tick();
        assertFalse(agent.pending());
        FederationState s = journal.state();
        assertEquals(1, s.appliedVersion());
        assertEquals(DeviceState.CONFIG_APPLIED, s.reported());
        assertEquals(List.of(RecordType.CONFIG_APPLY, RecordType.CONFIG_COMMIT), journalRecords());
        assertEquals(1, agent.pollAfter());
    }

    @Test
    void statusTakenBeforeTheDataPlaneCarriedTheBundle_doesNotConfirm_butAsksForAFreshReport() {
        // The regression: a report sent between the store change and the route change confirmed a bundle whose routes
        // then cut the appliance off from the controller.
        dataPlaneCarriesItFrom = Optional.of(Optional.empty());
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        clock.advance(Duration.ofSeconds(1));
        agent.statusDelivered(clock.instant());
        assertTrue(agent.pending(), "the routes are not in place yet");
        clock.advance(Duration.ofSeconds(1));
        dataPlaneCarriesItFrom = Optional.of(Optional.of(clock.instant()));
        int before = changes;
        agent.tick();
        assertTrue(agent.pending(), "the only report predates the routes");
        assertEquals(before + 1, changes, "a fresh status report is asked for at once");
        clock.advance(Duration.ofSeconds(1));
        agent.statusDelivered(clock.instant());
        assertFalse(agent.pending(), "a report taken with the routes in place confirms");
        assertEquals(1, journal.state().appliedVersion());
    }

    /** The rollback reason (reported to the controller) says what kept the data plane from carrying the bundle. */
    @Test
    void dataPlaneCannotCarryTheBundle_rolledBackWithTheDataPlanesReason() {
        dataPlaneCarriesItFrom = Optional.of(Optional.empty());
        dataPlaneProblem = Optional.of("tunnel reconcile failing since 2026-11-23T10:00:00Z: 1 route or rule change failed: "
                + "RTM_NEWROUTE (add route) on route 10.2.0.0/16 table 1000 failed: EINVAL (Invalid argument)");
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        agent.statusDelivered(clock.instant().plusSeconds(1));
        clock.advance(CONFIRM.plusSeconds(1));
        agent.tick();
        assertFalse(agent.pending());
        String reason = journal.state().reason();
        assertTrue(reason.contains("waiting for the data plane to carry the bundle (tunnel reconcile failing since")
                && reason.contains("10.2.0.0/16 table 1000 failed: EINVAL"), reason);
        assertEquals(DeviceState.ROLLED_BACK, journal.state().reported());
    }

    @Test
    void statusTakenBeforeTheApply_doesNotConfirm() {
        Instant before = clock.instant();
        clock.advance(Duration.ofSeconds(1));
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        agent.statusDelivered(before);
        assertTrue(agent.pending());
    }

    @Test
    void notConfirmedInTime_rollsBackToThePreviousConfig_andNeverTakesThatVersionAgain() {
        Site local = store.createSite(site("local-9", 9), "admin");
        Policy localPolicy = store.createPolicy(policy("web", 20), "admin");
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of(policy("voice", 10))));
        clock.advance(CONFIRM.minusSeconds(1));
        agent.tick();
        assertTrue(agent.pending(), "one second is left");
        clock.advance(Duration.ofSeconds(1));
        agent.tick();
        assertFalse(agent.pending());
        assertEquals(List.of(local), store.sites());
        assertEquals(List.of(localPolicy), store.policies());
        FederationState s = journal.state();
        assertEquals(DeviceState.ROLLED_BACK, s.reported());
        assertEquals(1, s.rejectedVersion());
        assertEquals(0, s.appliedVersion());
        assertTrue(s.reason().contains("not confirmed within 120 s") && s.reason().contains("status report"), s.reason());
        assertEquals(List.of(RecordType.CONFIG_APPLY, RecordType.CONFIG_ROLLBACK), journalRecords());
        assertEquals(1, agent.pollAfter(), "the long-poll asks for versions above the rolled-back one");

        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of())));
        assertEquals(List.of(local), store.sites(), "a rolled-back version is never applied again");
        assertTrue(journal.state().reason().startsWith("version_rejected"), journal.state().reason());
        assertEquals(ConfigAgent.Outcome.APPLIED, agent.offer(bundle(SITE, 2, List.of(site("branch-2", 2)), List.of())));
    }

    @Test
    void rollback_restoresTheLocalChangeCount() {
        journal.update(s -> s.withLocalChanges(3));
        agent.offer(bundle(SITE, 1, List.of(), List.of()));
        assertEquals(0, journal.state().localChanges());
        clock.advance(CONFIRM);
        agent.tick();
        assertEquals(3, journal.state().localChanges());
    }

    @Test
    void wrongSite_isRefused_reported_audited_andChangesNothing() {
        Site local = store.createSite(site("local-9", 9), "admin");
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(bundle("branch-7", 4, List.of(site("branch-2", 2)), List.of())));
        assertEquals(List.of(local), store.sites());
        FederationState s = journal.state();
        assertEquals(DeviceState.REJECTED, s.reported());
        assertEquals(4, s.rejectedVersion());
        assertTrue(s.reason().startsWith("wrong_site: ") && s.reason().contains("branch-7"), s.reason());
        assertEquals(List.of("v4 wrong_site"), audits);
        assertEquals(List.of(), journalRecords(), "nothing was applied, so nothing is journalled");
        assertTrue(changes > 0, "the refusal is reported");
    }

    @Test
    void versionNotAboveTheApplied_isRefusedAsRollback() {
        agent.offer(bundle(SITE, 5, List.of(), List.of()));
        agent.statusDelivered(clock.instant());
        assertEquals(5, journal.state().appliedVersion());
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(bundle(SITE, 5, List.of(site("branch-2", 2)), List.of())));
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(bundle(SITE, 3, List.of(site("branch-2", 2)), List.of())));
        assertTrue(journal.state().reason().startsWith("version_rollback: "), journal.state().reason());
        assertEquals(List.of(), store.sites());
    }

    @Test
    void alteredPayload_isRefusedAsBadSignature_withoutRaisingThePollFloor() {
        SignedEnvelope good = bundle(SITE, 3, List.of(), List.of());
        String payload = new String(Base64.getDecoder().decode(good.payload())).replace("\"version\":3", "\"version\":30");
        SignedEnvelope altered = new SignedEnvelope(Base64.getEncoder().encodeToString(payload.getBytes()), good.signature(),
                good.signingCertificate());
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(altered));
        assertTrue(journal.state().reason().startsWith("bad_signature: "), journal.state().reason());
        assertEquals(30, journal.state().rejectedVersion(), "the claimed version is reported");
        assertEquals(0, agent.pollAfter(), "an unverified version moves nothing");
        assertEquals(ConfigAgent.Outcome.APPLIED, agent.offer(good));
    }

    @Test
    void bundleSignedUnderAnotherCa_isRefusedAsUntrustedSigner() {
        CertificateAuthority other = CertificateAuthority.loadOrCreate(dir.resolve("other"), "Other CA", clock);
        SignedEnvelope foreign = BundleSigner.loadOrCreate(dir.resolve("other"), other)
                .sign(new ConfigBundle(SITE, 1, clock.instant(), new BundleConfig(List.of(site("evil-1", 66)), List.of(), SLA)));
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(foreign));
        assertTrue(journal.state().reason().startsWith("untrusted_signer: "), journal.state().reason());
        assertEquals(List.of(), store.sites());
    }

    @Test
    void bundleTheStoreCannotHold_isRefusedAsInvalid() {
        Site a = site("branch-2", 2);
        Site overlapping = new Site("branch-3", "Three", "", Fixtures.randomKey(), Map.of(), List.of(IpPrefix.parse("10.2.1.0/24")),
                SiteStatus.ACTIVE, Instant.parse("2026-11-01T00:00:00Z"));
        assertEquals(ConfigAgent.Outcome.REFUSED, agent.offer(bundle(SITE, 1, List.of(a, overlapping), List.of())));
        assertTrue(journal.state().reason().startsWith("invalid_bundle: "), journal.state().reason());
        assertEquals(List.of(), journalRecords());
    }

    @Test
    void restartInTheConfirmWindow_resumesIt_andNeedsAFreshStatusReport() {
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        clock.advance(Duration.ofSeconds(60));
        restart();
        assertTrue(agent.pending(), "the window survives the restart");
        assertEquals(List.of("branch-2"), store.sites().stream().map(Site::id).toList());
        meshMissing = Optional.empty();
        agent.tick();
        assertTrue(agent.pending(), "a status report from before the restart does not count");
        clock.advance(Duration.ofSeconds(60));
        agent.tick();
        assertFalse(agent.pending(), "the deadline is the one set at the apply, not reset by the restart");
        assertEquals(DeviceState.ROLLED_BACK, journal.state().reported());
        assertEquals(List.of(), store.sites());
    }

    @Test
    void restartInTheConfirmWindow_thenStatus_commits() {
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        restart();
        clock.advance(Duration.ofSeconds(10));
        agent.statusDelivered(clock.instant());
        assertEquals(1, journal.state().appliedVersion());
        restart();
        assertEquals(1, journal.state().appliedVersion());
        assertEquals(DeviceState.CONFIG_APPLIED, journal.state().reported());
    }

    @Test
    void lostStateFile_isRebuiltFromTheLog() throws Exception {
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        agent.statusDelivered(clock.instant());
        agent.offer(bundle(SITE, 2, List.of(site("branch-3", 3)), List.of()));
        store.close();
        Files.delete(dir.resolve("data/federation/state.json"));
        openStore();
        agent.resume();
        assertEquals(1, journal.state().appliedVersion());
        assertEquals(2, journal.state().pending().orElseThrow().version());
        assertEquals(List.of("branch-3"), store.sites().stream().map(Site::id).toList(), "applied once, not again");
    }

    @Test
    void journalledButNotApplied_isAppliedAtResume() throws Exception {
        // A crash between CONFIG_APPLY and the store mutation: the journal has the bundle, the store the old config.
        FederationState.Pending p = new FederationState.Pending(1, 0,
                new BundleConfig(List.of(site("branch-2", 2)), List.of(), SLA), BundleConfig.empty(), 0, clock.instant(),
                clock.instant().plus(CONFIRM), false);
        journal.apply(p);
        restart();
        assertEquals(List.of("branch-2"), store.sites().stream().map(Site::id).toList());
        assertTrue(journal.state().pending().orElseThrow().storeApplied());
    }

    @Test
    void meshUp_isReportedOnceEveryPathIsUp() {
        agent.offer(bundle(SITE, 1, List.of(site("branch-2", 2)), List.of()));
        agent.statusDelivered(clock.instant());
        assertEquals(DeviceState.CONFIG_APPLIED, journal.state().reported());
        agent.tick();
        assertEquals(DeviceState.CONFIG_APPLIED, journal.state().reported());
        allPathsUp = true;
        agent.tick();
        assertEquals(DeviceState.MESH_UP, journal.state().reported());
    }

    @Test
    void stateFile_isPlainJson() throws Exception {
        agent.offer(bundle(SITE, 1, List.of(), List.of()));
        var tree = Json.mapper().readTree(dir.resolve("data/federation/state.json").toFile());
        assertEquals(1, tree.path("pending").path("version").asLong());
    }
}
