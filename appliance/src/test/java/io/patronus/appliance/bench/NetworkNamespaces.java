package io.patronus.appliance.bench;

import io.patronus.appliance.netlink.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Moves the calling platform thread into a named network namespace ({@code setns(2)} through the netlink module's libc
 * binding) and tells which namespace a thread or process is in. A network namespace belongs to a thread, not to the
 * process: sockets the thread creates afterwards, threads it starts and children it forks (the JDK forks on the
 * calling thread) are in the namespace it entered; the rest of the JVM is not.
 */
final class NetworkNamespaces {
    private NetworkNamespaces() {
    }

    /**
     * Enters the network namespace of {@code nsFile} ({@code /run/netns/NAME}) on the calling thread, and checks through
     * {@code /proc/thread-self/ns/net} that it did. Never call it on a virtual thread (it may move between carriers)
     * or on a pooled thread that other work shares.
     */
    static void enter(Path nsFile) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns into " + nsFile + " from a virtual thread: use a platform thread");
        }
        LibC c = LibC.get();
        int fd = c.open(nsFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IllegalStateException("open " + nsFile + " failed with errno " + LibC.errno() + " (does the namespace exist?)");
        }
        try {
            if (c.setns(fd, LibC.CLONE_NEWNET) < 0) {
                throw new IllegalStateException("setns(" + nsFile + ", CLONE_NEWNET) failed with errno " + LibC.errno()
                        + " (needs CAP_SYS_ADMIN)");
            }
        } finally {
            c.close(fd);
        }
        long want = inode(nsFile);
        OptionalLong now = inodeOf(Path.of("/proc/thread-self/ns/net"));
        if (now.isEmpty() || now.getAsLong() != want) {
            throw new IllegalStateException("after setns into " + nsFile + " (inode " + want + ") this thread is in namespace " + now);
        }
    }

    /** The inode that identifies the namespace of a {@code /run/netns/NAME} file. */
    static long inode(Path nsFile) {
        try {
            return ((Number) Files.getAttribute(nsFile, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot stat network namespace " + nsFile + ": " + e.getMessage(), e);
        }
    }

    /** The network namespace inode of a process, or empty when it is gone. */
    static OptionalLong ofProcess(long pid) {
        return inodeOf(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }

    /** Parses the {@code net:[INODE]} link of a {@code /proc/.../ns/net} file. */
    private static OptionalLong inodeOf(Path nsLink) {
        try {
            String target = Files.readSymbolicLink(nsLink).toString();
            if (target.startsWith("net:[") && target.endsWith("]")) {
                return OptionalLong.of(Long.parseLong(target.substring(5, target.length() - 1)));
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
