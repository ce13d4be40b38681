package io.patronus.appliance.federation;

import io.patronus.appliance.events.EventJournal;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.model.AuditEvent;
import io.patronus.model.Json;
import io.patronus.model.Link;
import io.patronus.model.SlaClass;
import io.patronus.provisioning.TelemetryEvent;
import io.patronus.wal.RecordType;
import io.patronus.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small parts of federation: serial detection, endpoints, backoff, bootstrap location, the telemetry source, the journal. */
class FederationPartsTest {
    @TempDir
    Path dir;

    @Test
    void serial_configuredWins_thenDmi_thenHostName() throws Exception {
        Path dmi = dir.resolve("product_serial");
        Files.writeString(dmi, "PAT-DMI-7\n");
        assertEquals(new DeviceSerial.Resolved("PAT-1", "federation.serial"), DeviceSerial.resolve("PAT-1", dmi, () -> "host"));
        assertEquals("PAT-DMI-7", DeviceSerial.resolve("", dmi, () -> "host").serial());
        Files.writeString(dmi, "To Be Filled By O.E.M.\n");
        DeviceSerial.Resolved r = DeviceSerial.resolve("", dmi, () -> "edge-4");
        assertEquals("edge-4", r.serial(), "a vendor placeholder is no serial");
        assertTrue(r.source().contains("host name"), r.source());
        assertEquals("edge-4", DeviceSerial.resolve("", dir.resolve("absent"), () -> "edge-4").serial());
    }

    @Test
    void endpoints_areTheInterfaceAddressAndTheColourPort() throws Exception {
        List<Link> links = List.of(new Link("fiber", "eth9", "fiber", 10, 1000), new Link("lte", "wwan9", "lte", 20, 1000),
                new Link("sat", "sat0", "sat", 30, 1000));
        Map<String, Optional<InetAddress>> addresses = Map.of("eth9", Optional.of(InetAddress.getByName("192.0.2.1")),
                "wwan9", Optional.of(InetAddress.getByName("2001:db8::1")), "sat0", Optional.empty());
        assertEquals(Map.of("fiber", "192.0.2.1:51820", "lte", "[2001:db8::1]:51821"), LocalEndpoints.of(links, addresses::get));
        assertEquals(Optional.of(InetAddress.getByName("127.0.0.1")), LocalEndpoints.interfaceAddress("lo"));
        for (String[] t : new String[][]{{"2001:db8::1", "2001:db8::1"}, {"::", "::"}, {"::1", "::1"}, {"fe80::1:0:0:2", "fe80::1:0:0:2"},
                {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"}, {"1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"}, {"2001:db8::", "2001:db8::"}}) {
            assertEquals(t[1], LocalEndpoints.text(InetAddress.getByName(t[0])), t[0]);
        }
    }

    /** The controller refuses control characters and more than 4,096 characters: such a report would stop the heartbeat. */
    @Test
    void dataPlaneProblem_flattenedAndCutToWhatTheProtocolTakes() {
        assertEquals("RTM_DELROUTE failed:  ESRCH", StatusReporter.reportable("RTM_DELROUTE failed:\n\tESRCH\n"));
        String cut = StatusReporter.reportable("x".repeat(5000));
        assertEquals(4096, cut.length());
        assertTrue(cut.endsWith("..."));
        assertEquals("", StatusReporter.reportable(""));
        new io.patronus.provisioning.DeviceStatus(io.patronus.provisioning.DeviceState.MESH_UP, 1, 0, "", java.time.Instant.EPOCH,
                null, null, 0, StatusReporter.reportable("a\u0000b" + "y".repeat(9000))); // accepted by the protocol's checks
    }

    @Test
    void backoff_doublesFromOneSecondToAMinute_andResets() {
        Backoff b = Backoff.controller();
        List<Long> seconds = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            seconds.add(b.next().toSeconds());
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L), seconds);
        b.reset();
        assertEquals(Duration.ofSeconds(1), b.next());
    }

    @Test
    void bootstrapFile_kernelCommandLineReplacesOnlyTheDefault() throws Exception {
        Path cmdline = dir.resolve("cmdline");
        Files.writeString(cmdline, "BOOT_IMAGE=/vmlinuz ro patronus.bootstrap=/media/cfg/bootstrap.json quiet\n");
        assertEquals(Path.of("/media/cfg/bootstrap.json"), Federation.bootstrapFile(Federation.DEFAULT_BOOTSTRAP, cmdline));
        assertEquals(Path.of("/etc/x.json"), Federation.bootstrapFile(Path.of("/etc/x.json"), cmdline));
        assertEquals(Federation.DEFAULT_BOOTSTRAP, Federation.bootstrapFile(Federation.DEFAULT_BOOTSTRAP, dir.resolve("none")));
    }

    private StateStore store() {
        Path data = dir.resolve("data");
        return StateStore.open(new StoreOptions(data, WalOptions.defaults(data.resolve("wal")), 1000, true, java.time.Clock.systemUTC()));
    }

    private static void audit(StateStore store, String action) throws Exception {
        store.append(RecordType.AUDIT, Json.mapper().writeValueAsBytes(new AuditEvent(0, Instant.parse("2026-11-23T10:00:00Z"),
                "admin", action, "user/admin", "success", "")));
    }

    @Test
    void telemetry_mergesEventsAndAuditRecordsInSequenceOrder_fromTheAcknowledgement() throws Exception {
        try (StateStore store = store()) {
            EventJournal events = new EventJournal(store, 1000);
            audit(store, "login");
            events.append(RecordType.FAILOVER_DECISION, Instant.parse("2026-11-23T10:00:01Z"), "failover", "b2", "to lte", Map.of());
            store.append(RecordType.RAW, new byte[]{1});
            events.append(RecordType.PATH_EVENT, Instant.parse("2026-11-23T10:00:02Z"), "path", "p", "down", Map.of());
            audit(store, "logout");
            TelemetrySource source = new TelemetrySource(store);
            List<TelemetryEvent> all = source.after(0, 500);
            assertEquals(List.of("audit", "failover_decision", "path_event", "audit"), all.stream().map(TelemetryEvent::kind).toList());
            assertEquals(List.of(1L, 2L, 4L, 5L), all.stream().map(TelemetryEvent::sequence).toList());
            assertEquals(4L, all.get(2).body().path("sequence").asLong(), "the body carries the sequence");
            assertEquals(List.of(2L, 4L), source.after(1, 2).stream().map(TelemetryEvent::sequence).toList());
            assertEquals(List.of(5L), source.after(4, 500).stream().map(TelemetryEvent::sequence).toList());
            assertEquals(List.of(), source.after(5, 500));
            audit(store, "login");
            assertEquals(List.of(6L), source.after(5, 500).stream().map(TelemetryEvent::sequence).toList(), "a later record is found");
            assertEquals(1, source.pendingEvents(2));
        }
    }

    @Test
    void journal_outboxAck_isJournalledAndRecoveredWithoutTheStateFile() throws Exception {
        Path file = dir.resolve("data/federation/state.json");
        try (StateStore store = store()) {
            FederationJournal j = FederationJournal.open(store, file);
            j.outboxAck(42, Instant.now());
            j.outboxAck(40, Instant.now());
            assertEquals(42, j.state().outboxAck(), "an acknowledgement never goes back");
        }
        Files.delete(file);
        try (StateStore store = store()) {
            assertEquals(42, FederationJournal.open(store, file).state().outboxAck());
        }
    }

    /**
     * A bundle applied and committed before SLA classes had a probe interval and detect multiplier: its journal records
     * (and the state file folded from them) load with neither, so the paths keep the failover defaults.
     */
    @Test
    void journal_bundleJournalledBeforeProbeFields_slaClassesLoadWithoutThem() throws Exception {
        Path file = dir.resolve("data/federation/state.json");
        String oldConfig = "{\"sites\":[],\"policies\":[],\"slaClasses\":[{\"name\":\"gold\",\"maxLatencyMs\":50.0,"
                + "\"maxLossPct\":1.0,\"maxJitterMs\":10.0}]}";
        try (StateStore store = store()) {
            store.append(RecordType.CONFIG_APPLY, ("{\"version\":3,\"previousVersion\":0,\"config\":" + oldConfig
                    + ",\"previous\":{\"sites\":[],\"policies\":[],\"slaClasses\":[]},\"previousLocalChanges\":0,"
                    + "\"at\":\"2026-11-23T10:00:00Z\",\"deadline\":\"2026-11-23T10:02:00Z\"}").getBytes(StandardCharsets.UTF_8));
            store.append(RecordType.CONFIG_COMMIT, "{\"version\":3,\"at\":\"2026-11-23T10:00:05Z\"}".getBytes(StandardCharsets.UTF_8));
            FederationState s = FederationJournal.open(store, file).state();
            assertEquals(3, s.appliedVersion());
            assertEquals(List.of(new SlaClass("gold", 50, 1, 10)), s.committed().orElseThrow().slaClasses());
        }
        try (StateStore store = store()) {
            SlaClass gold = FederationJournal.open(store, file).state().committed().orElseThrow().slaClasses().getFirst();
            assertEquals(OptionalInt.empty(), gold.probeIntervalMs(), "from the state file too");
            assertEquals(OptionalInt.empty(), gold.detectMultiplier());
        }
    }
}
