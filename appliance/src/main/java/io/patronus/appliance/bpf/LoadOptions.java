package io.patronus.appliance.bpf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link BpfObject#load} treats maps: without a pin directory every map is new and dies with its last user;
 * with one, each map lives at {@code <pinDirectory>/<mapName>} and is reused when a map of the same shape is already
 * pinned there (so state survives a restart and a new program shares maps with the running one). A pinned map of
 * another shape is an error, unless {@code replaceIncompatiblePins} says to unpin it and start afresh.
 */
public record LoadOptions(Optional<Path> pinDirectory, boolean replaceIncompatiblePins) {
    public LoadOptions {
        Objects.requireNonNull(pinDirectory, "pinDirectory");
    }

    /** Unpinned maps. */
    public static LoadOptions defaults() {
        return new LoadOptions(Optional.empty(), false);
    }

    /** Maps pinned under (and reused from) {@code directory}, which must be on, or under, a bpf filesystem. */
    public static LoadOptions pinnedAt(Path directory) {
        return new LoadOptions(Optional.of(directory), false);
    }

    /** These options with incompatible pinned maps replaced ({@code true}) or refused ({@code false}). */
    public LoadOptions withReplaceIncompatiblePins(boolean replace) {
        return new LoadOptions(pinDirectory, replace);
    }
}
