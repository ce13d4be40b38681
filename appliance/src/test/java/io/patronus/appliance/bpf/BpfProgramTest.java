package io.patronus.appliance.bpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static io.patronus.appliance.bpf.BpfTestSupport.counter;
import static io.patronus.appliance.bpf.BpfTestSupport.experimentalFrame;
import static io.patronus.appliance.bpf.BpfTestSupport.ipv4Frame;
import static io.patronus.appliance.bpf.BpfTestSupport.lpmKey;
import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static io.patronus.appliance.bpf.BpfTestSupport.u32;
import static io.patronus.appliance.bpf.BpfTestSupport.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading programs into the real kernel, running them with BPF_PROG_TEST_RUN, and the verifier's refusals. */
class BpfProgramTest {
    private Path pinDir;

    @BeforeEach
    void requireRoot() {
        BpfTestSupport.assumeRoot();
    }

    @AfterEach
    void removePins() {
        BpfTestSupport.deleteTree(pinDir);
    }

    @Test
    void testRun_passProgram_returnsOkSetsMarkAndCountsEveryRepeat() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            BpfProgram prog = obj.program("test_pass");
            assertEquals(BpfProgram.SCHED_CLS, prog.type());
            assertTrue(prog.id() > 0);
            byte[] frame = experimentalFrame();
            TestRunResult r = prog.testRun(frame, new byte[0], 1000);
            assertEquals(0, r.retval(), "TC_ACT_OK");
            assertEquals(0x42, r.mark());
            assertEquals(0x42, BpfTestSupport.u32(Arrays.copyOfRange(r.contextOut(), 8, 12)));
            assertEquals(192, r.contextOut().length);
            assertArrayEquals(frame, r.packetOut());
            assertTrue(r.durationNs() >= 0);
            assertEquals(1000, counter(obj.map("test_counter"), 0));
            prog.testRun(frame, new byte[0], 1);
            assertEquals(1001, counter(obj.map("test_counter"), 0));
        }
    }

    @Test
    void testRun_contextIn_markOverwrittenPriorityKept() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            byte[] ctx = new byte[192];
            System.arraycopy(u32(7), 0, ctx, TestRunResult.SKB_MARK, 4);
            System.arraycopy(u32(5), 0, ctx, TestRunResult.SKB_PRIORITY, 4);
            TestRunResult r = obj.program("test_pass").testRun(experimentalFrame(), ctx, 1);
            assertEquals(0x42, r.mark());
            assertEquals(5, r.contextU32(TestRunResult.SKB_PRIORITY));
        }
    }

    @Test
    void testRun_classifier_longestPrefixClassesPacketAndCountsPerClass() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_maps"), LoadOptions.defaults())) {
            BpfMap lpm = obj.map("test_lpm");
            lpm.update(lpmKey(24, "192.0.2.0"), u32(7));
            lpm.update(lpmKey(25, "192.0.2.128"), u32(9));
            BpfProgram classify = obj.program("classify_dst");
            assertEquals(9, classify.testRun(ipv4Frame("192.0.2.200"), new byte[0], 1).mark());
            assertEquals(7, classify.testRun(ipv4Frame("192.0.2.5"), new byte[0], 3).mark());
            assertEquals(0, classify.testRun(ipv4Frame("198.51.100.1"), new byte[0], 1).mark());
            assertEquals(0, classify.testRun(experimentalFrame(), new byte[0], 1).mark(), "not IPv4: left alone");
            BpfMap perClass = obj.map("test_hash");
            assertEquals(1, BpfTestSupport.u64(perClass.lookup(u32(9)).orElseThrow()));
            assertEquals(3, BpfTestSupport.u64(perClass.lookup(u32(7)).orElseThrow()));
            assertEquals(1, BpfTestSupport.u64(perClass.lookup(u32(0)).orElseThrow()));
        }
    }

    @Test
    void testRun_perCpuCounter_sumOverCpusCountsRuns() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_maps"), LoadOptions.defaults())) {
            obj.program("count_percpu").testRun(experimentalFrame(), new byte[0], 250);
            long sum = obj.map("test_percpu").lookupPerCpu(u32(0)).stream().mapToLong(BpfTestSupport::u64).sum();
            assertEquals(250, sum);
        }
    }

    @Test
    void load_rejectedProgram_errorCarriesVerifierLog() {
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(object("bpf_test_reject"), LoadOptions.defaults()));
        assertTrue(e.getMessage().startsWith("bpf PROG_LOAD of program 'test_reject' from bpf_test_reject.o failed: EACCES "
                + "(Permission denied); verifier log:\n"), e.getMessage());
        assertTrue(e.getMessage().contains("invalid access to packet"), e.getMessage());
        String log = e.verifierLog().orElseThrow();
        assertTrue(e.getMessage().endsWith(log), "the whole log is in the message");
        assertTrue(log.contains("processed "), "the log runs to the verifier's summary line: " + log);
        assertEquals(13, e.errno());
        assertEquals("EACCES", e.errnoName().orElseThrow());
        assertEquals("bpf PROG_LOAD", e.operation());
    }

    @Test
    void load_sectionWithoutProgramType_refusedNamingIt() {
        byte[] b = BpfTestSupport.objectBytes("bpf_test_pass");
        ElfFile layout = ElfFile.parse(b.clone(), "layout");
        ElfFile.Section names = layout.sections().get(layout.u16(62));
        ElfFile.Section tc = layout.section("tc").orElseThrow();
        long nameAt = names.offset() + layout.u32(layout.u64(40) + 64L * tc.index());
        b[(int) nameAt] = 'x';
        b[(int) nameAt + 1] = 'd';
        ElfObject renamed = ElfObject.parse(b, "renamed.o");
        assertEquals("xd", renamed.programs().getFirst().section());
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(renamed, LoadOptions.defaults()));
        assertEquals("bpf PROG_LOAD of program 'test_pass' from renamed.o failed: section 'xd' names no program type we load; "
                + "use tc, classifier, tcx/ingress or tcx/egress", e.getMessage());
    }

    @Test
    void testRun_badArguments_illegalArgument() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            BpfProgram p = obj.program("test_pass");
            assertThrows(IllegalArgumentException.class, () -> p.testRun(new byte[13], new byte[0], 1));
            assertThrows(IllegalArgumentException.class, () -> p.testRun(experimentalFrame(), new byte[193], 1));
            assertThrows(IllegalArgumentException.class, () -> p.testRun(experimentalFrame(), new byte[0], 0));
        }
    }

    @Test
    void open_pinnedProgram_nameTypeAndIdFromKernel() {
        pinDir = BpfTestSupport.newPinDirectory();
        try (BpfObject obj = BpfObject.load(object("bpf_test_maps"), LoadOptions.defaults())) {
            BpfProgram p = obj.program("classify_dst");
            p.pin(pinDir.resolve("prog"));
            try (BpfProgram again = BpfProgram.open(pinDir.resolve("prog"))) {
                assertEquals("classify_dst", again.name());
                assertEquals(BpfProgram.SCHED_CLS, again.type());
                assertEquals(p.id(), again.id());
                assertEquals(0, again.testRun(ipv4Frame("192.0.2.1"), new byte[0], 1).retval());
            }
        }
    }

    @Test
    void open_pinThatIsAMap_refused() {
        pinDir = BpfTestSupport.newPinDirectory();
        try (BpfObject obj = BpfObject.load(object("bpf_test_pass"), LoadOptions.pinnedAt(pinDir))) {
            BpfException e = assertThrows(BpfException.class, () -> BpfProgram.open(pinDir.resolve("test_counter")));
            assertTrue(e.getMessage().contains("not a program"), e.getMessage());
            BpfException missing = assertThrows(BpfException.class, () -> BpfProgram.open(pinDir.resolve("nothing")));
            assertEquals("ENOENT", missing.errnoName().orElseThrow());
        }
    }

    @Test
    void program_unknownName_listsWhatIsThere() {
        try (BpfObject obj = BpfObject.load(object("bpf_test_two"), LoadOptions.defaults())) {
            BpfException e = assertThrows(BpfException.class, () -> obj.program("count_third"));
            assertTrue(e.getMessage().contains("[count_first, count_second]"), e.getMessage());
            assertEquals(1, obj.program("count_first").testRun(experimentalFrame(), new byte[0], 1).mark());
            assertEquals(2, obj.program("count_second").testRun(experimentalFrame(), new byte[0], 2).mark());
            assertEquals(1, counter(obj.map("test_counter"), 0));
            assertEquals(2, counter(obj.map("test_counter"), 1));
            assertArrayEquals(u64(2), obj.map("test_counter").lookup(u32(1)).orElseThrow());
        }
    }
}
