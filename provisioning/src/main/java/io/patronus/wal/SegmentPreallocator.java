package io.patronus.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one zero-filled, synced spare file ready for the next segment, on its own thread.
 *
 * <p>Zero-filling and syncing a 64 MiB segment takes tens of milliseconds, up to 150 ms under load; done at
 * the roll it stalled every appender that long. With a spare ready, a roll only writes and forces the 32-byte
 * header, renames the spare and syncs the directory. The spare is named {@code wal-spare.log.tmp}, which
 * recovery removes like any half-created segment, so a crash while it is prepared leaves nothing behind.
 */
final class SegmentPreallocator implements AutoCloseable {
    static final String SPARE_NAME = SegmentFormat.FILE_PREFIX + "spare" + SegmentFormat.FILE_SUFFIX
            + SegmentFormat.TEMP_SUFFIX;
    private static final System.Logger LOG = System.getLogger(WriteAheadLog.class.getName());

    private final Path spare;
    private final long bytes;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("patronus-wal-prealloc").daemon(true).factory());
    private CompletableFuture<Path> next;

    SegmentPreallocator(Path directory, long bytes) {
        this.spare = directory.resolve(SPARE_NAME);
        this.bytes = bytes;
    }

    /**
     * Writer thread: the prepared spare, waiting for it if it is not ready yet; empty when none was started
     * or preparing failed (the caller then creates the segment itself and reports any I/O error there).
     */
    Optional<Path> take() {
        if (next == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(next.get());
        } catch (ExecutionException e) {
            LOG.log(Level.WARNING, "could not preallocate " + spare + "; creating the next segment directly: "
                    + e.getCause());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            next = null;
        }
    }

    /**
     * Writer thread: starts preparing the spare for the next roll unless that is under way. The writer calls it
     * right after a roll, and once the first segment after opening is half full, so a log that never rolls
     * never writes a spare.
     */
    void prepare() {
        if (next != null) {
            return;
        }
        next = CompletableFuture.supplyAsync(() -> {
            try (FileChannel channel = FileChannel.open(spare, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                FileIo.zeroFill(channel, 0, bytes);
                channel.force(true);
                return spare;
            } catch (IOException e) {
                throw new WalException("cannot preallocate " + spare + ": " + e, e);
            }
        }, executor);
    }

    /** Stops the thread and removes an unused spare. */
    @Override
    public void close() {
        executor.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            Files.deleteIfExists(spare);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "could not remove " + spare + ": " + e);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
