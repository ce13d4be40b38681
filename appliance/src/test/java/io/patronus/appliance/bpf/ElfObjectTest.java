package io.patronus.appliance.bpf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static io.patronus.appliance.bpf.BpfTestSupport.objectBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** ELF parsing of the real compiled test objects, and of every kind of broken input we could think of. */
class ElfObjectTest {
    private static final List<String> OBJECTS = List.of("bpf_test_pass", "bpf_test_maps", "bpf_test_two", "bpf_test_reject");

    @Test
    void parse_passObject_mapProgramRelocationAndLicenseAsWritten() {
        ElfObject o = object("bpf_test_pass");
        assertEquals("bpf_test_pass.o", o.origin());
        assertEquals(List.of(new MapSpec("test_counter", MapType.ARRAY, 4, 8, 1, 0)), o.maps());
        assertEquals(1, o.programs().size());
        ProgramSpec p = o.programs().getFirst();
        assertEquals("test_pass", p.name());
        assertEquals("tc", p.section());
        assertEquals(15, p.instructionCount());
        assertEquals(List.of(new Relocation(5, "test_counter")), p.relocations());
        assertEquals(0x18, p.instructions()[5 * 8] & 0xff, "the relocation points at an ld_imm64");
        assertEquals(0x95, p.instructions()[14 * 8] & 0xff, "the program ends with exit");
        assertEquals("GPL", o.license());
    }

    @Test
    void parse_mapsObject_fourMapsInDefinitionOrderAndProgramsInTwoSections() {
        ElfObject o = object("bpf_test_maps");
        assertEquals(List.of(
                new MapSpec("test_hash", MapType.HASH, 4, 8, 128, 0),
                new MapSpec("test_percpu", MapType.PERCPU_ARRAY, 4, 8, 4, 0),
                new MapSpec("test_lpm", MapType.LPM_TRIE, 8, 4, 256, MapSpec.NO_PREALLOC),
                new MapSpec("test_big", MapType.ARRAY, 4, 8, 10_000, 0)), o.maps());
        ProgramSpec percpu = o.program("count_percpu").orElseThrow();
        assertEquals("tcx/ingress", percpu.section());
        assertEquals(List.of(new Relocation(4, "test_percpu")), percpu.relocations());
        ProgramSpec classify = o.program("classify_dst").orElseThrow();
        assertEquals("classifier", classify.section());
        assertEquals(List.of(new Relocation(17, "test_lpm"), new Relocation(27, "test_hash"), new Relocation(40, "test_hash")),
                classify.relocations());
        assertEquals(List.of("count_percpu", "classify_dst"), o.programs().stream().map(ProgramSpec::name).toList());
    }

    @Test
    void parse_twoFunctionsInOneSection_eachCutOutBySymbolWithRelativeRelocations() {
        ElfObject o = object("bpf_test_two");
        ProgramSpec first = o.program("count_first").orElseThrow();
        ProgramSpec second = o.program("count_second").orElseThrow();
        assertEquals("tc", first.section());
        assertEquals("tc", second.section());
        assertEquals(14, first.instructionCount());
        assertEquals(14, second.instructionCount());
        assertEquals(List.of(new Relocation(6, "test_counter")), first.relocations());
        assertEquals(List.of(new Relocation(6, "test_counter")), second.relocations(), "relative to the program, not the section");
        // count_second stores 2 into skb->mark where count_first stores 1: w2 = imm.
        assertEquals(1, first.instructions()[4]);
        assertEquals(2, second.instructions()[4]);
    }

    @Test
    void parse_globalVariable_refusedNamingRelocationAndSymbol() {
        BpfException e = assertThrows(BpfException.class, () -> object("bpf_test_global"));
        assertEquals("bpf_test_global.o: relocation in 'tc' at instruction 0 refers to symbol '.bss' which is not a map but data in "
                + "section '.bss' (global variables are not supported)", e.getMessage());
        assertEquals(0, e.errno());
    }

    @Test
    void parse_bpfToBpfCall_refusedNamingTheCall() {
        BpfException e = assertThrows(BpfException.class, () -> object("bpf_test_call"));
        assertTrue(e.getMessage().startsWith("bpf_test_call.o: relocation in 'tc' at instruction 0 has type 10 (R_BPF_64_32, a call)"
                + " against symbol '.text'"), e.getMessage());
        assertTrue(e.getMessage().contains("__always_inline"), e.getMessage());
    }

    @Test
    void parse_relocationRedirectedToLicense_notAMap() {
        byte[] b = objectBytes("bpf_test_pass");
        Layout l = new Layout(b);
        // .reltc's only entry: r_info = sym << 32 | type; point it at symbol 5, _license.
        long rel = l.sectionOffset(".reltc");
        putU32(b, (int) rel + 12, 5);
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertEquals("classifier.o: relocation in 'tc' at instruction 5 refers to symbol '_license' which is not a map but data in "
                + "section 'license' (global variables are not supported)", e.getMessage());
    }

    @Test
    void parse_relocationOffsetNotOnInstruction_refused() {
        byte[] b = objectBytes("bpf_test_pass");
        long rel = new Layout(b).sectionOffset(".reltc");
        putU32(b, (int) rel, 0x2c); // into the middle of the ld_imm64
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertTrue(e.getMessage().contains("not at an instruction"), e.getMessage());
    }

    @Test
    void parse_relocationOnNonLoadInstruction_refused() {
        byte[] b = objectBytes("bpf_test_pass");
        long rel = new Layout(b).sectionOffset(".reltc");
        putU32(b, (int) rel, 0x38); // instruction 7, the helper call
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertEquals("classifier.o: relocation in 'tc' at instruction 7 (map 'test_counter') is not on a 16-byte ld_imm64 instruction"
                + " (opcode 0x85)", e.getMessage());
    }

    @Test
    void parse_mapsSectionOf17Bytes_notAMultipleOf20() {
        byte[] b = objectBytes("bpf_test_pass");
        Layout l = new Layout(b);
        putU32(b, l.headerOffset("maps") + 32, 17);
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertEquals("classifier.o: section 'maps' is 17 bytes, not a multiple of 20", e.getMessage());
    }

    @Test
    void parse_mapDefinitionWithoutSymbol_refused() {
        byte[] b = objectBytes("bpf_test_pass");
        Layout l = new Layout(b);
        putU32(b, l.headerOffset("maps") + 32, 40); // two definitions, one symbol (the second runs into 'license': still in the file)
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertEquals("classifier.o: map definition at offset 20 of section 'maps' has no symbol naming it", e.getMessage());
    }

    @Test
    void parse_mapNameThatIsNotAnIdentifier_refusedBeforeItBecomesAPinPath() {
        byte[] b = objectBytes("bpf_test_pass");
        ElfFile layout = ElfFile.parse(b.clone(), "layout");
        ElfFile.Section strtab = layout.sections().get((int) layout.u32(new Layout(b).headerOffset(".symtab") + 40));
        String names = new String(b, (int) strtab.offset(), (int) strtab.size(), StandardCharsets.ISO_8859_1);
        int at = (int) strtab.offset() + names.indexOf("test_counter");
        b[at] = '.';
        b[at + 1] = '.';
        b[at + 2] = '/';
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertEquals("classifier.o: map symbol '../t_counter' is not a C identifier", e.getMessage());
    }

    @Test
    void parse_sectionOffsetBeyondEnd_namesSectionAndFileSize() {
        byte[] b = objectBytes("bpf_test_pass");
        Layout l = new Layout(b);
        putU32(b, l.headerOffset("tc") + 24, 0x7fff_0000);
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(b, "classifier.o"));
        assertTrue(e.getMessage().startsWith("classifier.o: section 'tc' at offset 2147418112 with 120 bytes extends beyond the end of the file ("
                + b.length + " bytes)"), e.getMessage());
    }

    @Test
    void parse_garbage_notAnElfFile() {
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x13;
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(garbage, "classifier.o"));
        assertTrue(e.getMessage().startsWith("classifier.o: not an ELF file"), e.getMessage());
        assertTrue(assertThrows(BpfException.class, () -> ElfObject.parse(new byte[0], "empty.o")).getMessage().startsWith("empty.o: not an ELF file"));
    }

    @Test
    void parse_x86Executable_namesMachine() throws Exception {
        Path bin = Path.of("/bin/true");
        assumeTrue(Files.isRegularFile(bin) && System.getProperty("os.arch").equals("amd64"), "needs an x86-64 /bin/true");
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.read(bin));
        assertEquals("true: not a BPF object: e_machine 62 (x86-64), expected 247 (BPF)", e.getMessage());
    }

    @Test
    void parse_bigEndianOr32Bit_refused() {
        byte[] b = objectBytes("bpf_test_pass");
        b[5] = 2;
        assertTrue(assertThrows(BpfException.class, () -> ElfObject.parse(b, "x.o")).getMessage().contains("big-endian"));
        byte[] c = objectBytes("bpf_test_pass");
        c[4] = 1;
        assertTrue(assertThrows(BpfException.class, () -> ElfObject.parse(c, "x.o")).getMessage().contains("not a 64-bit ELF"));
    }

    @Test
    void parse_missingResource_bpfException() {
        BpfException e = assertThrows(BpfException.class, () -> ElfObject.resource("/bpf/no_such_object.o"));
        assertTrue(e.getMessage().contains("no such resource"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpf_test_pass", "bpf_test_maps", "bpf_test_two", "bpf_test_reject"})
    void parse_truncatedAtEveryLength_bpfExceptionNamingFile(String name) {
        byte[] full = objectBytes(name);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            int n = len;
            BpfException e = assertThrows(BpfException.class, () -> ElfObject.parse(cut, name + ".o"), () -> "length " + n);
            assertTrue(e.getMessage().startsWith(name + ".o: "), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpf_test_pass", "bpf_test_maps", "bpf_test_two", "bpf_test_call", "bpf_test_global"})
    void parse_everyHeaderByteFlipped_parsesOrBpfException(String name) {
        byte[] full = objectBytes(name);
        Layout l = new Layout(full);
        List<int[]> ranges = List.of(new int[] {0, 64}, new int[] {(int) l.shoff, full.length - (int) l.shoff},
                new int[] {(int) l.sectionOffset(".symtab"), (int) l.sectionSize(".symtab")});
        int[] masks = {0x01, 0x02, 0x10, 0x80, 0xff};
        for (int[] r : ranges) {
            for (int at = r[0]; at < r[0] + r[1]; at++) {
                for (int mask : masks) {
                    byte[] b = full.clone();
                    b[at] ^= (byte) mask;
                    parseOrBpfException(b, name, "byte " + at + " ^ 0x" + Integer.toHexString(mask));
                }
            }
        }
    }

    @Test
    void parse_randomCorruption_parsesOrBpfException() {
        Random random = new Random(20240611);
        for (String name : OBJECTS) {
            byte[] full = objectBytes(name);
            for (int round = 0; round < 3000; round++) {
                byte[] b = full.clone();
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                parseOrBpfException(b, name, "round " + round);
            }
        }
    }

    private static void parseOrBpfException(byte[] b, String name, String what) {
        try {
            ElfObject.parse(b, name + ".o");
        } catch (BpfException e) {
            assertTrue(e.getMessage().startsWith(name + ".o: "), e.getMessage());
        } catch (RuntimeException e) {
            fail(name + " with " + what + " threw " + e, e);
        }
    }

    @Test
    void programSpec_instructionsAreCopies() {
        ProgramSpec p = object("bpf_test_pass").programs().getFirst();
        byte[] a = p.instructions();
        a[0] = 0;
        assertArrayEquals(p.instructions(), object("bpf_test_pass").programs().getFirst().instructions());
        assertEquals(p, object("bpf_test_pass").programs().getFirst());
    }

    private static void putU32(byte[] b, int at, int v) {
        System.arraycopy(BpfTestSupport.u32(v), 0, b, at, 4);
    }

    /** Where things are in a well-formed test object, found with the parser under test's own generic layer. */
    private static final class Layout {
        final long shoff;
        final ElfFile elf;

        Layout(byte[] b) {
            elf = ElfFile.parse(b.clone(), "layout");
            shoff = elf.u64(40);
        }

        int headerOffset(String section) {
            return (int) (shoff + 64L * elf.section(section).orElseThrow().index());
        }

        long sectionOffset(String section) {
            return elf.section(section).orElseThrow().offset();
        }

        long sectionSize(String section) {
            return elf.section(section).orElseThrow().size();
        }
    }
}
