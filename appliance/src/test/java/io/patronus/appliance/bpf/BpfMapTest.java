package io.patronus.appliance.bpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.patronus.appliance.bpf.BpfTestSupport.lpmKey;
import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static io.patronus.appliance.bpf.BpfTestSupport.u32;
import static io.patronus.appliance.bpf.BpfTestSupport.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Element operations on real kernel maps of every type our programs use. */
class BpfMapTest {
    private BpfObject obj;
    private Path pinDir;

    @BeforeEach
    void load() {
        BpfTestSupport.assumeRoot();
        obj = BpfObject.load(object("bpf_test_maps"), LoadOptions.defaults());
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
        BpfTestSupport.deleteTree(pinDir);
    }

    @Test
    void hash_updateLookupDeleteKeys_roundTrip() {
        BpfMap m = obj.map("test_hash");
        assertEquals(new MapSpec("test_hash", MapType.HASH, 4, 8, 128, 0), m.spec());
        assertEquals(Optional.empty(), m.lookup(u32(1)));
        for (int i = 1; i <= 10; i++) {
            m.update(u32(i), u64(i * 100L));
        }
        assertArrayEquals(u64(700), m.lookup(u32(7)).orElseThrow());
        Set<Integer> keys = new HashSet<>();
        m.keys().forEach(k -> keys.add(BpfTestSupport.u32(k)));
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), keys);
        assertTrue(m.delete(u32(7)));
        assertFalse(m.delete(u32(7)));
        assertEquals(Optional.empty(), m.lookup(u32(7)));
        assertEquals(9, m.keys().size());
    }

    @Test
    void hash_updateFlags_noexistAndExistEnforced() {
        BpfMap m = obj.map("test_hash");
        m.update(u32(1), u64(1), BpfMap.NOEXIST);
        BpfException exists = assertThrows(BpfException.class, () -> m.update(u32(1), u64(2), BpfMap.NOEXIST));
        assertEquals("EEXIST", exists.errnoName().orElseThrow());
        assertTrue(exists.getMessage().startsWith("bpf MAP_UPDATE_ELEM of map 'test_hash' from bpf_test_maps.o failed: EEXIST"),
                exists.getMessage());
        BpfException absent = assertThrows(BpfException.class, () -> m.update(u32(2), u64(2), BpfMap.EXIST));
        assertEquals("ENOENT", absent.errnoName().orElseThrow());
        m.update(u32(1), u64(3), BpfMap.EXIST);
        assertArrayEquals(u64(3), m.lookup(u32(1)).orElseThrow());
    }

    @Test
    void array_lookupPresentZeroDeleteRefused() {
        BpfMap m = obj.map("test_big");
        assertArrayEquals(u64(0), m.lookup(u32(9999)).orElseThrow(), "array slots always exist");
        assertEquals(Optional.empty(), m.lookup(u32(10_000)));
        m.update(u32(42), u64(-1L));
        assertArrayEquals(u64(-1L), m.lookup(u32(42)).orElseThrow());
        BpfException e = assertThrows(BpfException.class, () -> m.delete(u32(42)));
        assertEquals("EINVAL", e.errnoName().orElseThrow());
    }

    @Test
    void updateBatch_array10000_allStoredInBatches() {
        BpfMap m = obj.map("test_big");
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            keys.add(u32(i));
            values.add(u64(i * 3L + 1));
        }
        m.updateBatch(keys, values);
        assertTrue(m.batchSupported(), "arrays take BPF_MAP_UPDATE_BATCH");
        for (int i = 0; i < 10_000; i += 1)  {
            assertEquals(i * 3L + 1, BpfTestSupport.u64(m.lookup(u32(i)).orElseThrow()), "key " + i);
        }
        List<byte[]> iterated = m.keys();
        assertEquals(10_000, iterated.size());
        assertEquals(9_999, BpfTestSupport.u32(iterated.getLast()));
    }

    @Test
    void updateBatch_lpmTrie_everyPrefixStored() {
        // Linux 6.x gives LPM tries the generic batch operations; older kernels refuse them and we go per element.
        // Either way every prefix must land: this test holds on both, the next one forces the fallback.
        BpfMap m = obj.map("test_lpm");
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(lpmKey(32, "198.51." + (i / 256 + 100) + "." + (i % 256)));
            values.add(u32(i + 1));
        }
        m.updateBatch(keys, values);
        for (int i = 0; i < 200; i++) {
            assertArrayEquals(u32(i + 1), m.lookup(keys.get(i)).orElseThrow(), "prefix " + i);
        }
        assertEquals(200, m.keys().size());
        m.updateBatch(List.of(lpmKey(16, "203.0.0.0")), List.of(u32(999)));
        assertArrayEquals(u32(999), m.lookup(lpmKey(32, "203.0.113.9")).orElseThrow());
    }

    @Test
    void updateBatch_mapTypeWithoutBatchOps_fallsBackToPerElementUpdates() {
        // A device map has no batch operations on any kernel; its values are interface indexes (1 = lo).
        try (BpfMap m = BpfMap.create(new MapSpec("test_devmap", MapType.DEVMAP, 4, 4, 64, 0), "BpfMapTest")) {
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                keys.add(u32(i));
                values.add(u32(1));
            }
            assertTrue(m.batchSupported());
            m.updateBatch(keys, values);
            assertFalse(m.batchSupported(), "the kernel refused the batch and the map remembers it");
            for (int i = 0; i < 64; i++) {
                assertArrayEquals(u32(1), m.lookup(u32(i)).orElseThrow(), "key " + i);
            }
            m.updateBatch(List.of(u32(3)), List.of(u32(1)));
            assertEquals(64, m.keys().size());
        }
    }

    @Test
    void lpmTrie_lookup_longestPrefixWins() {
        BpfMap m = obj.map("test_lpm");
        m.update(lpmKey(8, "10.0.0.0"), u32(1));
        m.update(lpmKey(16, "10.1.0.0"), u32(2));
        m.update(lpmKey(24, "10.1.2.0"), u32(3));
        assertArrayEquals(u32(3), m.lookup(lpmKey(32, "10.1.2.3")).orElseThrow());
        assertArrayEquals(u32(2), m.lookup(lpmKey(32, "10.1.3.3")).orElseThrow());
        assertArrayEquals(u32(1), m.lookup(lpmKey(32, "10.9.9.9")).orElseThrow());
        assertEquals(Optional.empty(), m.lookup(lpmKey(32, "192.0.2.1")));
        assertTrue(m.delete(lpmKey(24, "10.1.2.0")));
        assertArrayEquals(u32(2), m.lookup(lpmKey(32, "10.1.2.3")).orElseThrow());
        assertEquals(2, m.keys().size());
    }

    @Test
    void perCpuArray_updateAndLookupEveryCpu_sums() {
        BpfMap m = obj.map("test_percpu");
        int cpus = BpfMap.possibleCpus();
        List<byte[]> values = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            values.add(u64(cpu + 10L));
        }
        m.updatePerCpu(u32(2), values);
        List<byte[]> back = m.lookupPerCpu(u32(2));
        assertEquals(cpus, back.size());
        long sum = back.stream().mapToLong(BpfTestSupport::u64).sum();
        assertEquals(cpus * 10L + (long) cpus * (cpus - 1) / 2, sum);
        assertEquals(List.of(), m.lookupPerCpu(u32(4)), "past max_entries: no such key");
        assertThrows(IllegalArgumentException.class, () -> m.updatePerCpu(u32(0), List.of()));
    }

    @Test
    void singleValueCallsOnPerCpuMap_andWrongSizes_refusedBeforeTheKernel() {
        BpfMap percpu = obj.map("test_percpu");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> percpu.lookup(u32(0)));
        assertTrue(e.getMessage().contains("lookupPerCpu"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> percpu.update(u32(0), u64(1)));
        assertThrows(IllegalStateException.class, () -> obj.map("test_hash").lookupPerCpu(u32(0)));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> obj.map("test_hash").lookup(new byte[3]));
        assertTrue(size.getMessage().contains("4-byte keys"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> obj.map("test_hash").update(u32(1), new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> obj.map("test_hash").updateBatch(List.of(u32(1)), List.of()));
    }

    @Test
    void open_pinnedMap_specFromKernelAndSharedState() {
        pinDir = BpfTestSupport.newPinDirectory();
        BpfMap m = obj.map("test_lpm");
        m.pin(pinDir.resolve("lpm"));
        m.update(lpmKey(24, "192.0.2.0"), u32(5));
        try (BpfMap again = BpfMap.open(pinDir.resolve("lpm"))) {
            assertEquals(new MapSpec("test_lpm", MapType.LPM_TRIE, 8, 4, 256, MapSpec.NO_PREALLOC), again.spec());
            assertEquals(m.id(), again.id());
            assertArrayEquals(u32(5), again.lookup(lpmKey(32, "192.0.2.77")).orElseThrow());
        }
        BpfException exists = assertThrows(BpfException.class, () -> m.pin(pinDir.resolve("lpm")));
        assertEquals("EEXIST", exists.errnoName().orElseThrow());
    }

    @Test
    void closed_map_refusesCalls() {
        BpfMap m = obj.map("test_hash");
        m.close();
        assertThrows(IllegalStateException.class, () -> m.lookup(u32(1)));
        m.close();
    }
}
