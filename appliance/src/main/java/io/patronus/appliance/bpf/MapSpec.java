package io.patronus.appliance.bpf;

import java.util.Objects;

/**
 * The definition of one map as written in an object's legacy {@code maps} section (five u32: type, key_size,
 * value_size, max_entries, map_flags) under the name of its symbol; also what a pinned map reports about itself.
 */
public record MapSpec(String name, int type, int keySize, int valueSize, int maxEntries, int flags) {
    /** {@code BPF_F_NO_PREALLOC}: required for LPM tries, optional for hash maps. */
    public static final int NO_PREALLOC = 1;

    public MapSpec {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a map needs a name");
        }
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("map '" + name + "' has a negative size: key " + keySize + ", value " + valueSize
                    + ", max_entries " + maxEntries);
        }
    }

    /** Whether a map created from {@code other} could be used in place of one created from this spec (names aside). */
    public boolean sameShape(MapSpec other) {
        return type == other.type && keySize == other.keySize && valueSize == other.valueSize && maxEntries == other.maxEntries
                && flags == other.flags;
    }

    /** This spec under another name (a pinned map's kernel name is cut to 15 characters). */
    MapSpec withName(String newName) {
        return new MapSpec(newName, type, keySize, valueSize, maxEntries, flags);
    }

    @Override
    public String toString() {
        return "'" + name + "' " + MapType.name(type) + " key " + keySize + " B, value " + valueSize + " B, max_entries "
                + Integer.toUnsignedString(maxEntries) + ", flags 0x" + Integer.toHexString(flags);
    }
}
