package io.patronus.appliance.bpf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One program of an ELF object, before loading: its symbol name, the section it lives in (which decides its
 * program type), its raw instructions (8 bytes each, little-endian) and the map references to patch.
 */
public record ProgramSpec(String name, String section, byte[] instructions, List<Relocation> relocations) {
    public ProgramSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(section, "section");
        if (instructions.length == 0 || instructions.length % 8 != 0) {
            throw new IllegalArgumentException("program '" + name + "' has " + instructions.length
                    + " bytes of code, not a positive multiple of 8");
        }
        instructions = instructions.clone();
        relocations = List.copyOf(relocations);
    }

    /** A copy of the instructions. */
    @Override
    public byte[] instructions() {
        return instructions.clone();
    }

    public int instructionCount() {
        return instructions.length / 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProgramSpec p && p.name.equals(name) && p.section.equals(section) && Arrays.equals(p.instructions, instructions)
                && p.relocations.equals(relocations);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, section, Arrays.hashCode(instructions), relocations);
    }

    @Override
    public String toString() {
        return "ProgramSpec['" + name + "' in '" + section + "', " + instructionCount() + " instructions, relocations " + relocations + "]";
    }
}
