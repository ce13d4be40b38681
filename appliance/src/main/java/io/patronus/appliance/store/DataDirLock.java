package io.patronus.appliance.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, so that two appliance processes (or the daemon and an offline
 * {@code --migrate}) never write the same store. The OS drops the lock when the process dies, even by SIGKILL.
 */
final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(Path dir) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new StoreException("data directory " + dir.toAbsolutePath()
                        + " is in use by another patronus-appliance process; stop it first or use another data directory");
            }
            return new DataDirLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            close(channel);
            throw new StoreException("data directory " + dir.toAbsolutePath()
                    + " is in use by another patronus-appliance in this process; close it first");
        } catch (IOException e) {
            close(channel);
            throw new StoreException("cannot lock data directory " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (StoreException e) {
            close(channel);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        close(channel);
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing useful to do while failing or closing
            }
        }
    }
}
