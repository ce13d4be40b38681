package io.patronus.appliance.store;

import io.patronus.wal.RecordType;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateStoreTest {
    @TempDir
    Path dir;

    static Site site(String id, int n) {
        byte[] key = new byte[32];
        key[0] = (byte) n;
        return new Site(id, "Site " + n, "", Base64.getEncoder().encodeToString(key),
                Map.of("fiber", new Endpoint("192.0.2." + n, 51820)), List.of(IpPrefix.parse("10." + n + ".0.0/16")),
                SiteStatus.ACTIVE, Instant.parse("2026-01-01T00:00:00Z"));
    }

    static StoreOptions options(Path dir, int checkpointEvery) {
        StoreOptions d = StoreOptions.defaults(dir);
        return new StoreOptions(dir, d.wal(), checkpointEvery, true, d.clock());
    }

    @Test
    void mutations_surviveReopen_viaCheckpoint() {
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            s.createSite(site("a", 1), "t");
            s.createSite(site("b", 2), "t");
            s.deleteSite("a", "t");
        }
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            assertEquals(List.of("b"), s.sites().stream().map(Site::id).toList());
            assertEquals(0, s.replayedAtOpen(), "a clean close checkpoints, so nothing is replayed");
        }
    }

    @Test
    void replaceConfig_swapsAllSitesAndPolicies_inOneLoggedMutation_replayedAfterACrash() throws Exception {
        Path live = dir.resolve("live");
        Path copy = Files.createDirectories(dir.resolve("copy"));
        Policy voice = new Policy("voice", "Voice", 10, PolicyMatch.any(), new PolicyAction.Route("fiber", "lte", 70));
        List<Mutation> seen = new java.util.ArrayList<>();
        try (StateStore s = StateStore.open(options(live, 1000))) {
            s.createSite(site("a", 1), "admin");
            s.createSite(site("b", 2), "admin");
            s.createPolicy(new Policy("web", "Web", 20, PolicyMatch.any(), new PolicyAction.Drop()), "admin");
            s.addListener(seen::add);
            long before = s.log().lastSequence();
            s.replaceConfig(List.of(site("b", 2), site("c", 3)), List.of(voice), "controller:v7");
            assertEquals(before + 1, s.log().lastSequence(), "one record");
            assertEquals(1, seen.size(), "one listener call");
            assertEquals("controller:v7", seen.getFirst().actor());
            assertEquals(List.of("b", "c"), s.sites().stream().map(Site::id).toList());
            assertEquals(List.of(voice), s.policies());
            copyTree(live, copy);
        }
        Files.deleteIfExists(copy.resolve(".lock"));
        try (StateStore s = StateStore.open(options(copy, 1000))) {
            assertEquals(List.of("b", "c"), s.sites().stream().map(Site::id).toList());
            assertEquals(List.of(voice), s.policies());
        }
    }

    @Test
    void replaceConfig_refusesOverlapsAndDuplicates_andChangesNothing() {
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            s.createSite(site("a", 1), "admin");
            Site overlapping = new Site("z", "Z", "", site("z", 9).publicKey(), Map.of(), List.of(IpPrefix.parse("10.2.3.0/24")),
                    SiteStatus.ACTIVE, Instant.now());
            ConflictException e = assertThrows(ConflictException.class,
                    () -> s.replaceConfig(List.of(site("b", 2), overlapping), List.of(), "controller:v1"));
            assertEquals("sites[1].lanPrefixes", e.field());
            Policy p1 = new Policy("p1", "P1", 10, PolicyMatch.any(), new PolicyAction.Drop());
            Policy p2 = new Policy("p2", "P2", 10, PolicyMatch.any(), new PolicyAction.Drop());
            assertEquals("policies[1].priority", assertThrows(ConflictException.class,
                    () -> s.replaceConfig(List.of(), List.of(p1, p2), "controller:v1")).field());
            assertEquals(List.of("a"), s.sites().stream().map(Site::id).toList());
        }
    }

    @Test
    void mutationsAfterTheLastCheckpoint_areReplayedFromTheLog() throws Exception {
        // Simulates a crash: copy the data directory while the store is open (MapDB holds only the last checkpoint).
        Path copy = Files.createDirectories(dir.resolve("copy"));
        Path live = dir.resolve("live");
        try (StateStore s = StateStore.open(options(live, 3))) {
            s.createSite(site("a", 1), "t");
            s.createSite(site("b", 2), "t");
            s.createSite(site("c", 3), "t"); // checkpoint here
            s.createSite(site("d", 4), "t");
            s.replaceSite(new Site("a", "Renamed", "", site("a", 1).publicKey(), site("a", 1).endpoints(),
                    site("a", 1).lanPrefixes(), SiteStatus.INACTIVE, Instant.now()), "t");
            copyTree(live, copy);
        }
        Files.deleteIfExists(copy.resolve(".lock"));
        try (StateStore s = StateStore.open(options(copy, 1000))) {
            assertEquals(List.of("a", "b", "c", "d"), s.sites().stream().map(Site::id).toList());
            assertEquals("Renamed", s.site("a").orElseThrow().name());
            assertEquals(Instant.parse("2026-01-01T00:00:00Z"), s.site("a").orElseThrow().createdAt(), "createdAt is kept on replace");
            assertTrue(s.replayedAtOpen() >= 2, "replayed " + s.replayedAtOpen());
            assertTrue(s.check().ok(), s.check().problems().toString());
        }
    }

    @Test
    void conflicts_areRejectedAndNotLogged() {
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            s.createSite(site("a", 1), "t");
            long before = s.log().lastSequence();
            ConflictException dup = assertThrows(ConflictException.class, () -> s.createSite(site("a", 2), "t"));
            assertEquals("id", dup.field());
            Site overlapping = new Site("b", "B", "", site("b", 2).publicKey(), Map.of(), List.of(IpPrefix.parse("10.1.2.0/24")),
                    SiteStatus.ACTIVE, Instant.now());
            ConflictException ovl = assertThrows(ConflictException.class, () -> s.createSite(overlapping, "t"));
            assertEquals("lanPrefixes[0]", ovl.field());
            assertThrows(NotFoundException.class, () -> s.deleteSite("zzz", "t"));
            s.createPolicy(new Policy("p", "P", 5, PolicyMatch.any(), new PolicyAction.Drop()), "t");
            ConflictException prio = assertThrows(ConflictException.class,
                    () -> s.createPolicy(new Policy("q", "Q", 5, PolicyMatch.any(), new PolicyAction.Drop()), "t"));
            assertEquals("priority", prio.field());
            assertEquals(before + 1, s.log().lastSequence(), "only the successful policy create was logged");
        }
    }

    @Test
    void secondOpenOfTheSameDirectory_isRefusedWithAClearMessage() {
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            StoreException e = assertThrows(StoreException.class, () -> StateStore.open(options(dir, 1000)));
            assertTrue(e.getMessage().contains("in use by another patronus-appliance"), e.getMessage());
        }
    }

    @Test
    void migrations_upgradeAVersion1Store_andRefuseANewerOne() throws Exception {
        assertFalse(SchemaAdmin.status(dir).exists());
        // A version-1 store: site documents did not state their status.
        String v1Site = io.patronus.model.Json.mapper().writeValueAsString(site("old", 9)).replace(",\"status\":\"active\"", "");
        assertFalse(v1Site.contains("status"), v1Site);
        SchemaAdmin.writeAtVersion(dir, 1, Map.of("sites", Map.of("old", v1Site), "policies", Map.of(), "users", Map.of()));
        SchemaAdmin.Status old = SchemaAdmin.status(dir);
        assertEquals(1, old.current());
        assertEquals(List.of(2), old.pending().stream().map(Migration::version).toList());
        StoreException refused = assertThrows(StoreException.class,
                () -> StateStore.open(new StoreOptions(dir, StoreOptions.defaults(dir).wal(), 10, false, java.time.Clock.systemUTC())));
        assertTrue(refused.getMessage().contains("--migrate"), refused.getMessage());
        SchemaAdmin.Status after = SchemaAdmin.migrate(StoreOptions.defaults(dir));
        assertEquals(SchemaMigrations.LATEST, after.current());
        assertTrue(after.pending().isEmpty());
        assertTrue(Snapshot.read(dir).orElseThrow().maps().get("sites").get("old").contains("\"status\":\"active\""));
        try (StateStore s = StateStore.open(options(dir, 10))) {
            assertEquals(SiteStatus.ACTIVE, s.site("old").orElseThrow().status());
        }
        SchemaAdmin.writeAtVersion(dir, 99, Map.of());
        StoreException newer = assertThrows(StoreException.class, () -> StateStore.open(options(dir, 10)));
        assertTrue(newer.getMessage().contains("refusing to downgrade"), newer.getMessage());
    }

    @Test
    void rawAppends_shareTheLogAndAreReplayable() {
        try (StateStore s = StateStore.open(options(dir, 1000))) {
            long seq = s.append(RecordType.AUDIT, "{\"x\":1}".getBytes());
            long[] found = {0};
            s.log().replay(seq - 1, r -> found[0] = r.sequence());
            assertEquals(seq, found[0]);
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var stream = Files.walk(from)) {
            for (Path p : stream.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
