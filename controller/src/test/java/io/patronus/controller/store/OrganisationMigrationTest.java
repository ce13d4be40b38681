package io.patronus.controller.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.DataDirs;
import io.patronus.controller.testing.TestFleet;
import io.patronus.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema 3 migration of a store written before organisations, from a real one: {@code schema2-store.zip} is the
 * data directory of a controller built from commit 3b5aae8 (schema 2), made with the test fleet as follows and copied
 * as a kill -9 leaves it (no final checkpoint), so that part of it is in the checkpoint and part only in the log:
 * sites branch-1 (group default) and branch-2 (group retail) enrolled, branch-3 (retail) staged with a token bound to
 * PAT-3, one telemetry event from branch-1; a checkpoint; then retail configured (a rollout), an event from branch-2
 * and a key rotation of branch-1 requested. Its organisation setting was "Test Org", as the test fleet's is.
 */
@Timeout(60)
class OrganisationMigrationTest {
    private static final String FIXTURE = "schema2-store.zip";

    @TempDir
    Path dir;

    @Test
    void controllerStart_schema2Store_everythingInTheFirstOrganisationNamedAfterTheSetting() throws IOException {
        Path data = unzipFixture(dir.resolve("data"));
        assertEquals(2, Snapshot.read(data).orElseThrow().schemaVersion());
        try (TestFleet fleet = new TestFleet(data)) {
            assertTrue(fleet.controller().store().replayedAtOpen() > 0, "the fixture's log tail was replayed first");
            JsonNode orgs = fleet.admin().get("/v1/admin/organisations").json().path("items");
            assertEquals(1, orgs.size(), orgs.toString());
            assertEquals(OrganisationRecord.FIRST, orgs.get(0).path("id").asText());
            assertEquals("Test Org", orgs.get(0).path("name").asText());
            assertEquals(3, orgs.get(0).path("sites").asInt());
            assertEquals(2, orgs.get(0).path("appliances").asInt());

            // Single organisation: every view works without naming it, and everything is in it.
            assertEquals(List.of("branch-1", "branch-2", "branch-3"), field(fleet, "/v1/admin/sites", "id"));
            assertOnly(OrganisationRecord.FIRST, fleet, "/v1/admin/sites", "/v1/admin/tokens", "/v1/admin/appliances",
                    "/v1/admin/groups", "/v1/admin/rollouts", "/v1/admin/keys", "/v1/admin/events",
                    "/v1/admin/audit?limit=1000");
            assertEquals(3, field(fleet, "/v1/admin/tokens", "id").size());
            assertEquals(List.of("retail"), field(fleet, "/v1/admin/groups", "group"));
            assertEquals(1, fleet.admin().get("/v1/admin/groups/retail/config").json().path("revision").asLong());
            assertEquals(1, field(fleet, "/v1/admin/rollouts", "id").size());
            assertEquals(List.of("branch-1", "branch-2"), field(fleet, "/v1/admin/events", "siteId"));
            assertEquals("requested", fleet.admin().get("/v1/admin/sites/branch-1/key").json().path("rotation")
                    .path("phase").asText());
            List<String> mesh = new ArrayList<>();
            fleet.admin().get("/v1/admin/sites/branch-1/config").json().path("config").path("sites")
                    .forEach(s -> mesh.add(s.path("id").asText()));
            assertEquals(List.of("branch-2"), mesh, "the mesh is the organisation's, as it was the fleet's");
            List<JsonNode> created = fleet.audit("organisation.create");
            assertEquals(1, created.size());
            assertTrue(created.getFirst().path("message").asText().contains("schema 3 migration: 3 site(s)"),
                    created.getFirst().toString());

            // A second organisation may have a group retail too: another group, without the migrated one's policies.
            fleet.organisation("acme");
            fleet.siteIn("acme", "acme-1", "retail", "10.1.0.0/16");
            assertEquals(0, fleet.admin().get("/v1/admin/sites/acme-1/config").json().path("groupRevision").asLong());
            assertEquals(List.of("branch-1", "branch-2", "branch-3"),
                    field(fleet, "/v1/admin/sites?organisation=" + OrganisationRecord.FIRST, "id"));
        }
        assertEquals(Snapshot.SCHEMA, Snapshot.read(data).orElseThrow().schemaVersion(), "the next checkpoint is schema 3");
        try (TestFleet again = new TestFleet(data)) {
            assertEquals(1, again.audit("organisation.create").stream()
                    .filter(a -> a.path("target").asText().equals("organisation/" + OrganisationRecord.FIRST)).count(),
                    "migrated once");
        }
    }

    @Test
    void migration_killedAfterItsLogRecord_replayedNotRepeated() throws IOException {
        Path old = unzipFixture(dir.resolve("old"));
        Path copy = dir.resolve("copy");
        long fixtureTail;
        try (ControllerStore store = ControllerStore.open(options(old))) {
            fixtureTail = store.replayedAtOpen();
            assertEquals(OrganisationRecord.FIRST, store.site("branch-1").orElseThrow().organisation());
            // What a kill -9 right after the migration leaves: its log record, and the schema 2 checkpoint.
            DataDirs.copyAsAfterKill(old, copy);
        }
        assertEquals(2, Snapshot.read(copy).orElseThrow().schemaVersion());
        try (ControllerStore store = ControllerStore.open(options(copy))) {
            assertEquals(fixtureTail + 1, store.replayedAtOpen(), "the migration came back from the log");
            assertMigrated(store);
        }
    }

    @Test
    void migration_logRecordTornByACrash_runsAgainWhole() throws IOException {
        Path old = unzipFixture(dir.resolve("old"));
        Path segment = onlySegment(old);
        byte[] before = Files.readAllBytes(segment);
        Path copy = dir.resolve("copy");
        long fixtureTail;
        try (ControllerStore store = ControllerStore.open(options(old))) {
            fixtureTail = store.replayedAtOpen();
            assertEquals(OrganisationRecord.FIRST, store.site("branch-1").orElseThrow().organisation());
            DataDirs.copyAsAfterKill(old, copy);
        }
        // Cut the migration's record after its first bytes, as a crash in the middle of its write leaves it.
        Path torn = onlySegment(copy);
        byte[] after = Files.readAllBytes(torn);
        int start = firstDifference(before, after);
        assertTrue(start > 0, "the migration appended to the fixture's segment");
        for (int i = start + 8; i < after.length; i++) {
            after[i] = 0;
        }
        Files.write(torn, after);

        try (ControllerStore store = ControllerStore.open(options(copy))) {
            assertEquals(fixtureTail, store.replayedAtOpen(), "recovery dropped the torn record, so the migration ran again");
            assertMigrated(store);
        }
    }

    @Test
    void open_newStore_startsWithTheFirstOrganisationAndNothingToMove() {
        try (ControllerStore store = ControllerStore.open(new StoreOptions(dir, WalOptions.defaults(dir.resolve("wal"))
                .segmentBytes(1 << 20), 1000, Clock.systemUTC(), "Acme Corp"))) {
            assertEquals(List.of(new OrganisationRecord(OrganisationRecord.FIRST, "Acme Corp",
                    store.organisations().getFirst().createdAt(), "system", java.util.Optional.empty())), store.organisations());
            AuditRecord created = store.audit(a -> a.action().equals("organisation.create")).getFirst();
            assertEquals(OrganisationRecord.FIRST, created.organisation());
            assertFalse(created.message().contains("migration"), created.message());
        }
    }

    /** Everything of the fixture in the first organisation, migrated exactly once. */
    private static void assertMigrated(ControllerStore store) {
        assertEquals(List.of(OrganisationRecord.FIRST), store.organisations().stream().map(OrganisationRecord::id).toList());
        assertEquals(Set.of("branch-1", "branch-2", "branch-3"), ids(store.sites(OrganisationRecord.FIRST)));
        assertTrue(store.sites().stream().allMatch(s -> s.organisation().equals(OrganisationRecord.FIRST)));
        assertEquals(List.of("retail"), store.groups(OrganisationRecord.FIRST).stream().map(GroupRecord::name).toList());
        assertTrue(store.tokens().stream().allMatch(t -> t.organisation().equals(OrganisationRecord.FIRST)));
        assertTrue(store.rollouts().stream().allMatch(r -> r.organisation().equals(OrganisationRecord.FIRST)));
        assertEquals(2, store.events(java.util.Optional.empty(), e -> e.organisation().equals(OrganisationRecord.FIRST)).size());
        assertTrue(store.audit(a -> !a.organisation().equals(OrganisationRecord.FIRST)).isEmpty());
        assertEquals(1, store.audit(a -> a.action().equals("organisation.create")).size(), "migrated once");
        assertTrue(store.keyRotation("branch-1").isPresent());
    }

    private static Set<String> ids(List<SiteRecord> sites) {
        Set<String> out = new TreeSet<>();
        sites.forEach(s -> out.add(s.id()));
        return out;
    }

    private static StoreOptions options(Path data) {
        return new StoreOptions(data, WalOptions.defaults(data.resolve("wal")).segmentBytes(1 << 20), 1000,
                Clock.systemUTC(), "Test Org");
    }

    private static List<String> field(TestFleet fleet, String path, String field) {
        List<String> out = new ArrayList<>();
        fleet.admin().get(path).json().path("items").forEach(i -> out.add(i.path(field).asText()));
        return out;
    }

    private static void assertOnly(String organisation, TestFleet fleet, String... paths) {
        for (String path : paths) {
            List<String> orgs = field(fleet, path, "organisation");
            assertFalse(orgs.isEmpty(), path);
            assertEquals(Set.of(organisation), new TreeSet<>(orgs), path);
        }
    }

    private static Path onlySegment(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data.resolve("wal"))) {
            List<Path> segments = files.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
            assertEquals(1, segments.size(), segments.toString());
            return segments.getFirst();
        }
    }

    private static int firstDifference(byte[] a, byte[] b) {
        assertNotEquals(0, b.length);
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return -1;
    }

    private Path unzipFixture(Path to) throws IOException {
        Files.createDirectories(to);
        try (InputStream in = OrganisationMigrationTest.class.getResourceAsStream(FIXTURE);
             ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path target = to.resolve(e.getName()).normalize();
                assertTrue(target.startsWith(to), e.getName());
                Files.createDirectories(target.getParent());
                Files.copy(zip, target);
            }
        }
        return to;
    }
}
