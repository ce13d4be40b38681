package io.patronus.appliance.bpf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The generic layer of an ELF64 little-endian relocatable file: header, section headers with their names, symbols.
 * Every read is bounds-checked against the file and every inconsistency becomes a {@link BpfException} naming the
 * file and what is wrong, because these bytes come from disk and a corrupt object must never surface as an
 * {@code ArrayIndexOutOfBoundsException} in the appliance. Immutable.
 */
final class ElfFile {
    static final int SHT_PROGBITS = 1;
    static final int SHT_SYMTAB = 2;
    static final int SHT_STRTAB = 3;
    static final int SHT_RELA = 4;
    static final int SHT_NOBITS = 8;
    static final int SHT_REL = 9;
    static final long SHF_EXECINSTR = 0x4;
    static final int STB_GLOBAL = 1;
    static final int STB_WEAK = 2;
    static final int STT_FUNC = 2;
    static final int STT_SECTION = 3;
    static final int EM_BPF = 247;

    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int SHN_LORESERVE = 0xff00;

    /** One section header, its name resolved. */
    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info) {
        boolean executable() {
            return (flags & SHF_EXECINSTR) != 0;
        }

        boolean hasFileData() {
            return type != SHT_NOBITS && type != 0;
        }
    }

    /** One symbol; {@code section} is the index of the section it is defined in (0 = undefined). */
    record Symbol(int index, String name, int bind, int type, int section, long value, long size) {
    }

    private final byte[] bytes;
    private final String origin;
    private final List<Section> sections;

    private ElfFile(byte[] bytes, String origin, List<Section> sections) {
        this.bytes = bytes;
        this.origin = origin;
        this.sections = sections;
    }

    static ElfFile parse(byte[] bytes, String origin) {
        if (bytes.length < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw BpfException.elf(origin, "not an ELF file (" + bytes.length + " bytes, no \\x7fELF magic)");
        }
        if (bytes.length < 6) {
            throw BpfException.elf(origin, "truncated ELF header: " + bytes.length + " bytes, expected " + EHDR_SIZE);
        }
        if (bytes[4] != 2) {
            throw BpfException.elf(origin, "not a 64-bit ELF file (EI_CLASS " + bytes[4] + ", expected 2)");
        }
        if (bytes[5] != 1) {
            throw BpfException.elf(origin, "not a little-endian ELF file (EI_DATA " + bytes[5]
                    + ", expected 1); big-endian BPF objects (bpfeb) are not supported");
        }
        if (bytes.length < EHDR_SIZE) {
            throw BpfException.elf(origin, "truncated ELF header: " + bytes.length + " bytes, expected " + EHDR_SIZE);
        }
        ElfFile header = new ElfFile(bytes, origin, List.of());
        int machine = header.u16(18);
        if (machine != EM_BPF) {
            throw BpfException.elf(origin, "not a BPF object: e_machine " + machine + " (" + machineName(machine) + "), expected "
                    + EM_BPF + " (BPF)");
        }
        int type = header.u16(16);
        if (type != 1) {
            throw BpfException.elf(origin, "not a relocatable object: e_type " + type + ", expected 1 (ET_REL)");
        }
        long shoff = header.u64(40);
        int shentsize = header.u16(58);
        int shnum = header.u16(60);
        int shstrndx = header.u16(62);
        if (shnum == 0) {
            throw BpfException.elf(origin, "no section headers (e_shnum 0)");
        }
        if (shentsize != SHDR_SIZE) {
            throw BpfException.elf(origin, "section header size " + shentsize + ", expected " + SHDR_SIZE);
        }
        header.checkRange(shoff, (long) shnum * SHDR_SIZE, "section header table (" + shnum + " entries)");
        if (shstrndx == 0 || shstrndx >= shnum) {
            throw BpfException.elf(origin, "section name table index " + shstrndx + " is not one of the " + shnum + " sections");
        }
        List<long[]> raw = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            int at = (int) (shoff + (long) i * SHDR_SIZE);
            raw.add(new long[] {header.u32(at), header.u32(at + 4), header.u64(at + 8), header.u64(at + 24), header.u64(at + 32),
                    header.u32(at + 40), header.u32(at + 44)});
        }
        long[] names = raw.get(shstrndx);
        if (names[1] != SHT_STRTAB) {
            throw BpfException.elf(origin, "section name table (section " + shstrndx + ") has type " + names[1] + ", expected "
                    + SHT_STRTAB + " (STRTAB)");
        }
        header.checkRange(names[3], names[4], "section name table");
        List<Section> sections = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            long[] s = raw.get(i);
            String name = i == 0 ? "" : header.string(names[3], names[4], s[0], "name of section " + i);
            Section section = new Section(i, name, (int) s[1], s[2], s[3], s[4], (int) s[5], (int) s[6]);
            if (section.hasFileData()) {
                header.checkRange(section.offset(), section.size(), "section '" + name + "'");
            }
            sections.add(section);
        }
        return new ElfFile(bytes, origin, List.copyOf(sections));
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case 0 -> "none";
            case 3 -> "x86";
            case 40 -> "ARM";
            case 62 -> "x86-64";
            case 183 -> "AArch64";
            case 243 -> "RISC-V";
            case EM_BPF -> "BPF";
            default -> "unknown";
        };
    }

    String origin() {
        return origin;
    }

    List<Section> sections() {
        return sections;
    }

    /** Section {@code index}; an index outside the table is an error naming {@code what} refers to it. */
    Section section(long index, String what) {
        if (index <= 0 || index >= sections.size()) {
            throw error(what + " refers to section " + index + ", but the file has sections 1 to " + (sections.size() - 1));
        }
        return sections.get((int) index);
    }

    Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** A copy of the section's bytes (bounds were checked at parse time). */
    byte[] contents(Section s) {
        if (!s.hasFileData()) {
            throw error("section '" + s.name() + "' has no data in the file (type " + s.type() + ")");
        }
        return Arrays.copyOfRange(bytes, (int) s.offset(), (int) (s.offset() + s.size()));
    }

    /** The symbols of the one symbol table, index 0 (the null symbol) included so that indices match. */
    List<Symbol> symbols() {
        List<Section> tables = sections.stream().filter(s -> s.type() == SHT_SYMTAB).toList();
        if (tables.size() != 1) {
            throw error(tables.isEmpty() ? "no symbol table (.symtab): the object was stripped"
                    : tables.size() + " symbol tables, expected one");
        }
        Section symtab = tables.getFirst();
        if (symtab.size() % SYM_SIZE != 0) {
            throw error("symbol table is " + symtab.size() + " bytes, not a multiple of " + SYM_SIZE);
        }
        Section strtab = section(symtab.link(), "symbol table");
        if (strtab.type() != SHT_STRTAB) {
            throw error("symbol table's string table '" + strtab.name() + "' has type " + strtab.type() + ", expected "
                    + SHT_STRTAB + " (STRTAB)");
        }
        int count = (int) (symtab.size() / SYM_SIZE);
        List<Symbol> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = (int) (symtab.offset() + (long) i * SYM_SIZE);
            long nameOff = u32(at);
            int info = bytes[at + 4] & 0xff;
            int shndx = u16(at + 6);
            String name = nameOff == 0 ? "" : string(strtab.offset(), strtab.size(), nameOff, "name of symbol " + i);
            int symType = info & 0xf;
            if (symType == STT_SECTION && shndx > 0 && shndx < sections.size()) {
                name = sections.get(shndx).name();
            }
            // Reserved indices (SHN_ABS, SHN_COMMON, SHN_XINDEX) do not name a section; 0 means "not here".
            out.add(new Symbol(i, name, info >>> 4, symType, shndx >= SHN_LORESERVE ? -shndx : shndx, u64(at + 8), u64(at + 16)));
        }
        return out;
    }

    BpfException error(String detail) {
        return BpfException.elf(origin, detail);
    }

    private void checkRange(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > bytes.length || length > bytes.length - offset) {
            throw error(what + " at offset " + Long.toUnsignedString(offset) + " with " + Long.toUnsignedString(length)
                    + " bytes extends beyond the end of the file (" + bytes.length + " bytes): truncated or corrupt");
        }
    }

    /** The NUL-terminated string at {@code at} inside the string table at [tableOff, tableOff + tableSize). */
    private String string(long tableOff, long tableSize, long at, String what) {
        if (at < 0 || at >= tableSize) {
            throw error(what + " is at offset " + at + " of a " + tableSize + "-byte string table");
        }
        int start = (int) (tableOff + at);
        int end = (int) (tableOff + tableSize);
        for (int p = start; p < end; p++) {
            if (bytes[p] == 0) {
                return new String(bytes, start, p - start, StandardCharsets.UTF_8);
            }
        }
        throw error(what + " is not NUL-terminated inside its string table");
    }

    int u16(long at) {
        checkRange(at, 2, "field");
        int p = (int) at;
        return (bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8;
    }

    long u32(long at) {
        checkRange(at, 4, "field");
        int p = (int) at;
        return (bytes[p] & 0xffL) | (bytes[p + 1] & 0xffL) << 8 | (bytes[p + 2] & 0xffL) << 16 | (bytes[p + 3] & 0xffL) << 24;
    }

    long u64(long at) {
        return u32(at) | u32(at + 4) << 32;
    }
}
