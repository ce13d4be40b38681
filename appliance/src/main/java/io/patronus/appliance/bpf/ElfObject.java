package io.patronus.appliance.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A BPF object file as clang writes it, read into what the loader needs: the legacy map definitions, the programs
 * with their map references, and the license. Immutable and thread-safe.
 *
 * <p>What is understood, and what is refused with a message naming the file:
 * <ul>
 * <li>Maps: only the legacy {@code maps} section, an array of 20-byte definitions (type, key_size, value_size,
 * max_entries, map_flags as u32); each entry is named by the symbol at its offset. BTF-defined {@code .maps} are
 * refused; {@code .BTF}, {@code .BTF.ext} and {@code .llvm_addrsig} are ignored.</li>
 * <li>Programs: every global function symbol in an executable section other than {@code .text}. A section may hold
 * several; each is cut out by its symbol's offset and size.</li>
 * <li>Relocations: only {@code R_BPF_64_64} on an {@code ld_imm64} against a map. Calls into {@code .text}
 * (bpf-to-bpf calls) and global data ({@code .data}, {@code .rodata}, {@code .bss}) are refused, since our
 * programs use {@code __always_inline} helpers and no globals.</li>
 * </ul>
 */
public final class ElfObject {
    static final int MAP_DEF_SIZE = 20;
    private static final int INSN_SIZE = 8;
    private static final int REL_SIZE = 16;
    private static final int R_BPF_64_64 = 1;
    private static final int R_BPF_64_32 = 10;
    private static final int OP_LD_IMM64 = 0x18;
    private static final int OP_CALL = 0x85;
    private static final int BPF_PSEUDO_CALL = 1;

    private final String origin;
    private final List<MapSpec> maps;
    private final List<ProgramSpec> programs;
    private final String license;

    private ElfObject(String origin, List<MapSpec> maps, List<ProgramSpec> programs, String license) {
        this.origin = origin;
        this.maps = List.copyOf(maps);
        this.programs = List.copyOf(programs);
        this.license = license;
    }

    /** Parses an object; {@code origin} names it in every message (a file name such as {@code classifier.o}). */
    public static ElfObject parse(byte[] bytes, String origin) {
        ElfFile elf = ElfFile.parse(bytes.clone(), origin);
        List<ElfFile.Symbol> symbols = elf.symbols();
        if (elf.section(".maps").isPresent()) {
            throw elf.error("has BTF-defined maps (section '.maps'); only the legacy 'maps' section is supported");
        }
        Optional<ElfFile.Section> mapsSection = elf.section("maps");
        TreeMap<Long, MapSpec> mapsByOffset = mapsSection.map(s -> parseMaps(elf, s, symbols)).orElseGet(TreeMap::new);
        List<ProgramSpec> programs = parsePrograms(elf, symbols, mapsSection.map(ElfFile.Section::index).orElse(-1), mapsByOffset);
        return new ElfObject(origin, new ArrayList<>(mapsByOffset.values()), programs, parseLicense(elf));
    }

    /** Reads and parses {@code file}; the origin is its file name. */
    public static ElfObject read(Path file) {
        String origin = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try {
            return parse(Files.readAllBytes(file), origin);
        } catch (IOException e) {
            throw BpfException.failed("read", file.toString(), 0, e.toString(), e);
        }
    }

    /** Reads and parses the class-path resource {@code name} (for example {@code /bpf/classifier.o}). */
    public static ElfObject resource(String name) {
        try (InputStream in = ElfObject.class.getResourceAsStream(name)) {
            if (in == null) {
                throw BpfException.failed("read", "class-path resource " + name, "no such resource");
            }
            String origin = name.substring(name.lastIndexOf('/') + 1);
            return parse(in.readAllBytes(), origin);
        } catch (IOException e) {
            throw BpfException.failed("read", "class-path resource " + name, 0, e.toString(), e);
        }
    }

    private static TreeMap<Long, MapSpec> parseMaps(ElfFile elf, ElfFile.Section section, List<ElfFile.Symbol> symbols) {
        if (section.type() != ElfFile.SHT_PROGBITS) {
            throw elf.error("section 'maps' has type " + section.type() + ", expected " + ElfFile.SHT_PROGBITS
                    + " (PROGBITS) holding 20-byte map definitions");
        }
        if (section.size() % MAP_DEF_SIZE != 0) {
            throw elf.error("section 'maps' is " + section.size() + " bytes, not a multiple of " + MAP_DEF_SIZE);
        }
        byte[] data = elf.contents(section);
        TreeMap<Long, MapSpec> byOffset = new TreeMap<>();
        for (ElfFile.Symbol sym : symbols) {
            if (sym.section() != section.index() || sym.type() == ElfFile.STT_SECTION || sym.name().isEmpty()) {
                continue;
            }
            if (!sym.name().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                // The name becomes a file name under the pin directory: nothing but a C identifier may pass.
                throw elf.error("map symbol '" + sym.name() + "' is not a C identifier");
            }
            long off = sym.value();
            if (off < 0 || off % MAP_DEF_SIZE != 0 || off >= section.size()) {
                throw elf.error("map symbol '" + sym.name() + "' is at offset " + Long.toUnsignedString(off) + " of the "
                        + section.size() + "-byte 'maps' section, not at the start of a 20-byte definition");
            }
            if (byOffset.containsKey(off)) {
                throw elf.error("map symbols '" + byOffset.get(off).name() + "' and '" + sym.name() + "' name the same definition at offset " + off);
            }
            int p = (int) off;
            long type = u32(data, p);
            long key = u32(data, p + 4);
            long value = u32(data, p + 8);
            long max = u32(data, p + 12);
            long flags = u32(data, p + 16);
            if (key > Integer.MAX_VALUE || value > Integer.MAX_VALUE || max > Integer.MAX_VALUE) {
                throw elf.error("map '" + sym.name() + "' has key_size " + key + ", value_size " + value + ", max_entries " + max
                        + ": too large");
            }
            byOffset.put(off, new MapSpec(sym.name(), (int) type, (int) key, (int) value, (int) max, (int) flags));
        }
        if (byOffset.values().stream().map(MapSpec::name).distinct().count() != byOffset.size()) {
            throw elf.error("two map definitions in section 'maps' have the same name: " + byOffset.values().stream().map(MapSpec::name).toList());
        }
        for (long off = 0; off < section.size(); off += MAP_DEF_SIZE) {
            if (!byOffset.containsKey(off)) {
                throw elf.error("map definition at offset " + off + " of section 'maps' has no symbol naming it");
            }
        }
        return byOffset;
    }

    private static List<ProgramSpec> parsePrograms(ElfFile elf, List<ElfFile.Symbol> symbols, int mapsIndex,
                                                   TreeMap<Long, MapSpec> maps) {
        Map<Integer, List<ProgramRange>> bySection = new TreeMap<>();
        for (ElfFile.Section s : elf.sections()) {
            if (s.type() == ElfFile.SHT_PROGBITS && s.executable() && !s.name().equals(".text")) {
                bySection.put(s.index(), programRanges(elf, s, symbols));
            }
        }
        Map<String, List<Relocation>> relocations = new HashMap<>();
        for (ElfFile.Section rel : elf.sections()) {
            if (rel.type() != ElfFile.SHT_REL && rel.type() != ElfFile.SHT_RELA) {
                continue;
            }
            if (rel.info() <= 0 || rel.info() >= elf.sections().size()) {
                throw elf.error("relocation section '" + rel.name() + "' applies to section " + Integer.toUnsignedString(rel.info())
                        + ", but the file has sections 1 to " + (elf.sections().size() - 1));
            }
            List<ProgramRange> ranges = bySection.get(rel.info());
            if (ranges == null) {
                continue; // .rel.BTF, .rel.BTF.ext, .rel.text: nothing we load
            }
            ElfFile.Section target = elf.sections().get(rel.info());
            if (rel.type() == ElfFile.SHT_RELA) {
                throw elf.error("section '" + target.name() + "' has RELA relocations ('" + rel.name() + "'); clang writes REL for BPF");
            }
            parseRelocations(elf, rel, target, ranges, symbols, mapsIndex, maps, relocations);
        }
        List<ProgramSpec> out = new ArrayList<>();
        Map<String, String> sectionOf = new HashMap<>();
        for (Map.Entry<Integer, List<ProgramRange>> e : bySection.entrySet()) {
            for (ProgramRange r : e.getValue()) {
                String other = sectionOf.put(r.name, elf.sections().get(e.getKey()).name());
                if (other != null) {
                    throw elf.error("two programs are named '" + r.name + "' (sections '" + other + "' and '"
                            + elf.sections().get(e.getKey()).name() + "')");
                }
            }
        }
        for (Map.Entry<Integer, List<ProgramRange>> e : bySection.entrySet()) {
            ElfFile.Section s = elf.sections().get(e.getKey());
            byte[] code = elf.contents(s);
            for (ProgramRange r : e.getValue()) {
                byte[] insns = Arrays.copyOfRange(code, (int) r.start, (int) r.end);
                rejectPseudoCalls(elf, r, s, insns);
                List<Relocation> rels = relocations.getOrDefault(r.name, List.of()).stream()
                        .sorted(Comparator.comparingInt(Relocation::instruction)).toList();
                out.add(new ProgramSpec(r.name, s.name(), insns, rels));
            }
        }
        return out;
    }

    /** A program's byte range inside its section. */
    private record ProgramRange(String name, long start, long end) {
        boolean contains(long offset) {
            return offset >= start && offset < end;
        }
    }

    private static List<ProgramRange> programRanges(ElfFile elf, ElfFile.Section s, List<ElfFile.Symbol> symbols) {
        if (s.size() % INSN_SIZE != 0) {
            throw elf.error("section '" + s.name() + "' is " + s.size() + " bytes, not a multiple of the 8-byte instruction size");
        }
        List<ElfFile.Symbol> funcs = symbols.stream()
                .filter(y -> y.section() == s.index() && y.type() == ElfFile.STT_FUNC
                        && (y.bind() == ElfFile.STB_GLOBAL || y.bind() == ElfFile.STB_WEAK))
                .sorted(Comparator.comparingLong(ElfFile.Symbol::value)).toList();
        List<ProgramRange> out = new ArrayList<>();
        for (int i = 0; i < funcs.size(); i++) {
            ElfFile.Symbol f = funcs.get(i);
            if (f.name().isEmpty()) {
                throw elf.error("a function symbol in section '" + s.name() + "' has no name");
            }
            long start = f.value();
            long next = i + 1 < funcs.size() ? funcs.get(i + 1).value() : s.size();
            // A size of 0 (hand-written assembly) means "up to the next function".
            long end = f.size() == 0 ? next : start + f.size();
            if (start < 0 || start % INSN_SIZE != 0 || f.size() < 0 || f.size() % INSN_SIZE != 0 || end > s.size() || end > next
                    || end <= start) {
                throw elf.error("program '" + f.name() + "' in section '" + s.name() + "' has offset " + Long.toUnsignedString(start)
                        + " and size " + Long.toUnsignedString(f.size()) + ", which do not fit the " + s.size()
                        + "-byte section as whole 8-byte instructions");
            }
            out.add(new ProgramRange(f.name(), start, end));
        }
        return out;
    }

    private static void parseRelocations(ElfFile elf, ElfFile.Section rel, ElfFile.Section target, List<ProgramRange> ranges,
                                         List<ElfFile.Symbol> symbols, int mapsIndex, TreeMap<Long, MapSpec> maps,
                                         Map<String, List<Relocation>> out) {
        if (rel.size() % REL_SIZE != 0) {
            throw elf.error("relocation section '" + rel.name() + "' is " + rel.size() + " bytes, not a multiple of " + REL_SIZE);
        }
        byte[] entries = elf.contents(rel);
        byte[] code = elf.contents(target);
        for (int p = 0; p < entries.length; p += REL_SIZE) {
            long offset = u64(entries, p);
            long info = u64(entries, p + 8);
            long symIndex = info >>> 32;
            long type = info & 0xffffffffL;
            if (offset < 0 || offset % INSN_SIZE != 0 || offset >= target.size()) {
                throw elf.error("relocation " + (p / REL_SIZE) + " of '" + rel.name() + "' is at offset " + Long.toUnsignedString(offset)
                        + ", not at an instruction of the " + target.size() + "-byte section '" + target.name() + "'");
            }
            String where = "relocation in '" + target.name() + "' at instruction " + offset / INSN_SIZE;
            if (symIndex <= 0 || symIndex >= symbols.size()) {
                throw elf.error(where + " refers to symbol " + symIndex + ", but the symbol table has " + symbols.size() + " entries");
            }
            ElfFile.Symbol sym = symbols.get((int) symIndex);
            if (type != R_BPF_64_64) {
                throw elf.error(where + " has type " + type + (type == R_BPF_64_32 ? " (R_BPF_64_32, a call)" : "") + " against symbol '"
                        + sym.name() + "'; only R_BPF_64_64 references to maps are supported: make called functions __always_inline");
            }
            if (sym.section() != mapsIndex || mapsIndex < 0) {
                throw elf.error(where + " refers to symbol '" + sym.name() + "' which is not a map" + notAMapHint(elf, sym));
            }
            int at = (int) offset;
            if ((code[at] & 0xff) != OP_LD_IMM64 || offset + 2L * INSN_SIZE > target.size()) {
                throw elf.error(where + " (map '" + sym.name() + "') is not on a 16-byte ld_imm64 instruction (opcode 0x"
                        + Integer.toHexString(code[at] & 0xff) + ")");
            }
            // A section symbol carries the map's offset in the instruction's immediate; a map's own symbol in its value.
            long mapOffset = sym.type() == ElfFile.STT_SECTION ? u32(code, at + 4) : sym.value();
            MapSpec map = maps.get(mapOffset);
            if (map == null) {
                throw elf.error(where + " refers to offset " + mapOffset + " of section 'maps', where no map definition starts");
            }
            ProgramRange program = ranges.stream().filter(r -> r.contains(offset)).findFirst().orElseThrow(
                    () -> elf.error(where + " (map '" + map.name() + "') lies outside every program in that section"));
            if (offset + 2L * INSN_SIZE > program.end) {
                throw elf.error(where + " (map '" + map.name() + "') is an ld_imm64 cut in half by the end of program '" + program.name + "'");
            }
            out.computeIfAbsent(program.name, k -> new ArrayList<>())
                    .add(new Relocation((int) ((offset - program.start) / INSN_SIZE), map.name()));
        }
    }

    private static String notAMapHint(ElfFile elf, ElfFile.Symbol sym) {
        if (sym.section() == 0) {
            return " (undefined: an extern or a BTF-defined map?)";
        }
        if (sym.section() < 0 || sym.section() >= elf.sections().size()) {
            return " (it is in no section, index " + sym.section() + ")";
        }
        ElfFile.Section s = elf.sections().get(sym.section());
        if (s.executable()) {
            return " but code in section '" + s.name() + "' (bpf-to-bpf calls are not supported: make the function __always_inline)";
        }
        return " but data in section '" + s.name() + "' (global variables are not supported)";
    }

    /** bpf-to-bpf calls inside one section need no relocation; refuse them here rather than in the verifier. */
    private static void rejectPseudoCalls(ElfFile elf, ProgramRange r, ElfFile.Section s, byte[] insns) {
        for (int i = 0; i < insns.length; i += INSN_SIZE) {
            int op = insns[i] & 0xff;
            if (op == OP_CALL && ((insns[i + 1] >>> 4) & 0xf) == BPF_PSEUDO_CALL) {
                throw elf.error("program '" + r.name + "' in section '" + s.name() + "' calls another BPF function at instruction "
                        + ((r.start + i) / INSN_SIZE) + "; bpf-to-bpf calls are not supported: make the function __always_inline");
            }
            if (op == OP_LD_IMM64) {
                i += INSN_SIZE; // the second half of an ld_imm64 is data, not an instruction
            }
        }
    }

    private static String parseLicense(ElfFile elf) {
        Optional<ElfFile.Section> s = elf.section("license");
        if (s.isEmpty() || !s.get().hasFileData()) {
            return "";
        }
        byte[] b = elf.contents(s.get());
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static long u32(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    private static long u64(byte[] b, int p) {
        return u32(b, p) | u32(b, p + 4) << 32;
    }

    /** The name it was parsed under, for messages. */
    public String origin() {
        return origin;
    }

    /** The map definitions in section order. */
    public List<MapSpec> maps() {
        return maps;
    }

    /** The programs in section order, and by offset within a section. */
    public List<ProgramSpec> programs() {
        return programs;
    }

    /** The {@code license} section's string, empty if there is none (the kernel then refuses GPL-only helpers). */
    public String license() {
        return license;
    }

    public Optional<MapSpec> map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    public Optional<ProgramSpec> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return "ElfObject[" + origin + ": maps " + maps.stream().map(MapSpec::name).toList() + ", programs "
                + programs.stream().map(ProgramSpec::name).toList() + "]";
    }
}
