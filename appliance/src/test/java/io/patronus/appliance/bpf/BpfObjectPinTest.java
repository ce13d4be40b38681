package io.patronus.appliance.bpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.patronus.appliance.bpf.BpfTestSupport.counter;
import static io.patronus.appliance.bpf.BpfTestSupport.experimentalFrame;
import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static io.patronus.appliance.bpf.BpfTestSupport.u32;
import static io.patronus.appliance.bpf.BpfTestSupport.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maps pinned under a pin directory: reused across loads when compatible, refused (or replaced) when not. */
class BpfObjectPinTest {
    private Path pinDir;

    @BeforeEach
    void createPinDirectory() {
        BpfTestSupport.assumeRoot();
        pinDir = BpfTestSupport.newPinDirectory();
    }

    @AfterEach
    void removePinDirectory() {
        BpfTestSupport.deleteTree(pinDir);
    }

    @Test
    void load_samePinDirectoryTwice_reusesMapAndItsState() {
        int firstId;
        try (BpfObject first = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            assertTrue(Files.exists(pinDir.resolve("test_counter")));
            first.map("test_counter").update(u32(0), u64(41));
            firstId = first.map("test_counter").id();
        }
        // Like a restarted appliance: nothing of the first load is open any more, only the pin holds the map.
        try (BpfObject second = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            BpfMap counter = second.map("test_counter");
            assertEquals(firstId, counter.id());
            assertEquals("test_counter", counter.spec().name());
            assertEquals(41, counter(counter, 0));
            second.program("test_pass").testRun(experimentalFrame(), new byte[0], 1);
            assertEquals(42, counter(counter, 0));
        }
    }

    @Test
    void load_whileFirstStillLoaded_bothProgramsShareTheMap() {
        try (BpfObject running = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir));
             BpfObject upgrade = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            running.program("test_pass").testRun(experimentalFrame(), new byte[0], 3);
            upgrade.program("test_pass").testRun(experimentalFrame(), new byte[0], 4);
            assertEquals(7, counter(running.map("test_counter"), 0));
            assertEquals(running.map("test_counter").id(), upgrade.map("test_counter").id());
        }
    }

    @Test
    void load_incompatiblePinnedSpec_errorNamesBothSpecs() {
        try (BpfObject ignored = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(object("bpf_test_two"), LoadOptions.pinnedAt(pinDir)));
            assertEquals("reuse of map 'test_counter' from bpf_test_two.o pinned at " + pinDir.resolve("test_counter")
                    + " failed: the pinned map is 'test_counter' ARRAY key 4 B, value 8 B, max_entries 1, flags 0x0 but bpf_test_two.o "
                    + "defines 'test_counter' ARRAY key 4 B, value 8 B, max_entries 2, flags 0x0; remove the pin, or load with "
                    + "replaceIncompatiblePins to replace it", e.getMessage());
        }
        try (BpfMap pinned = BpfMap.open(pinDir.resolve("test_counter"))) {
            assertEquals(1, pinned.spec().maxEntries(), "the refused load left the pin alone");
        }
    }

    @Test
    void load_incompatiblePinnedSpecWithReplace_unpinsAndCreatesAnew() {
        try (BpfObject old = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            old.map("test_counter").update(u32(0), u64(5));
            try (BpfObject two = BpfObject.load(object("bpf_test_two"), LoadOptions.pinnedAt(pinDir).withReplaceIncompatiblePins(true))) {
                assertEquals(2, two.map("test_counter").spec().maxEntries());
                assertEquals(0, counter(two.map("test_counter"), 0), "a fresh map");
                try (BpfMap pinned = BpfMap.open(pinDir.resolve("test_counter"))) {
                    assertEquals(two.map("test_counter").id(), pinned.id());
                }
                assertEquals(5, counter(old.map("test_counter"), 0), "the old program keeps its own map");
            }
        }
    }

    @Test
    void load_pinDirectoryNotYetThere_created() {
        Path nested = pinDir.resolve("a/b");
        try (BpfObject obj = BpfObject.load(object("bpf_test_maps"), LoadOptions.pinnedAt(nested))) {
            for (String map : new String[] {"test_hash", "test_percpu", "test_lpm", "test_big"}) {
                assertTrue(Files.exists(nested.resolve(map)), map);
            }
            assertEquals(4, obj.maps().size());
            assertEquals(2, obj.programs().size());
        }
    }

    @Test
    void load_rejectedProgram_mapsClosedPinsKept() {
        // A rejected program leaves no descriptors behind; maps pinned so far stay for the next attempt.
        assertThrows(BpfException.class, () -> BpfObject.load(object("bpf_test_reject"), LoadOptions.pinnedAt(pinDir)));
        try (BpfObject ok = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            assertFalse(ok.maps().isEmpty());
        }
    }
}
