package io.patronus.controller.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Data directory helpers for crash tests. */
public final class DataDirs {
    private DataDirs() {
    }

    /**
     * Copies a running controller's data directory as a kill -9 leaves it: the files as they are now, no final
     * checkpoint; the lock files are left behind so that a second controller can open the copy.
     */
    public static void copyAsAfterKill(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
