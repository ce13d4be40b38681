package io.patronus.appliance.probe;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls behind probe sockets, bound with jnr-ffi (the JDK's datagram sockets cannot set SO_MARK). Public only
 * because jnr-ffi generates the implementation in its own class loader; not part of the probe API. The hot calls take
 * native memory ({@link Pointer}) so that no array is copied per datagram.
 */
public interface ProbeLibC {
    int AF_INET = 2;
    int AF_INET6 = 10;
    int SOCK_DGRAM = 2;
    int SOCK_NONBLOCK = 0x800;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;
    /** SO_TIMESTAMPNS(_OLD), also the type of its control message SCM_TIMESTAMPNS: a struct timespec, CLOCK_REALTIME. */
    int SO_TIMESTAMPNS = 35;
    int SO_MARK = 36;
    int MSG_CTRUNC = 0x8;
    int POLLIN = 1;
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;
    int EINTR = 4;
    int EAGAIN = 11;

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] addr, int addrlen);

    @SaveError
    int getsockname(int fd, Pointer addr, Pointer addrlen);

    @SaveError
    int setsockopt(int fd, int level, int optname, @In byte[] optval, int optlen);

    @SaveError
    int getsockopt(int fd, int level, int optname, Pointer optval, Pointer optlen);

    @SaveError
    @ssize_t long sendto(int fd, Pointer buf, @size_t long len, int flags, Pointer addr, int addrlen);

    @SaveError
    @ssize_t long recvfrom(int fd, Pointer buf, @size_t long len, int flags, Pointer addr, Pointer addrlen);

    @SaveError
    @ssize_t long recvmsg(int fd, Pointer msghdr, int flags);

    @SaveError
    int poll(Pointer fds, long nfds, int timeoutMillis);

    @SaveError
    int close(int fd);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int nstype);

    /** Loaded once; thread-safe. */
    final class Holder {
        static final ProbeLibC LIBC = LibraryLoader.create(ProbeLibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

        private Holder() {
        }
    }

    static ProbeLibC get() {
        return Holder.LIBC;
    }

    static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    static Runtime runtime() {
        return Holder.RUNTIME;
    }
}
