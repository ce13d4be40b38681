package io.patronus.appliance.bpf;

import java.util.Objects;

/**
 * A reference from a program to a map: the {@code ld_imm64} at {@code instruction} (counted from the program's first
 * instruction, 8 bytes each) must be given the map's file descriptor at load time.
 */
public record Relocation(int instruction, String mapName) {
    public Relocation {
        Objects.requireNonNull(mapName, "mapName");
        if (instruction < 0) {
            throw new IllegalArgumentException("instruction index " + instruction + " is negative");
        }
    }
}
