package io.patronus.appliance.probe;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A non-blocking UDP socket for probes, optionally carrying a firewall mark ({@code SO_MARK}) so that everything it
 * sends is routed by the policy rule of that mark (fwmark -> table -> {@code wg-COLOUR}): a probe leaves through the
 * colour's tunnel like the traffic it stands for. Mark 0 means no mark. Setting a mark needs CAP_NET_ADMIN.
 *
 * <p>IPv4 or IPv6 after the bind address; an IPv6 socket bound to {@code ::} is dual-stack (Linux default) and
 * can send to IPv4 addresses in their mapped form. Datagrams are received with {@code MSG_TRUNC}, so an oversized
 * one reports its real length and fails the probe-packet length check instead of being parsed truncated.
 *
 * <p>With {@link #enableReceiveTimestamps()} the kernel stamps every datagram as it arrives ({@code SO_TIMESTAMPNS},
 * read with {@code recvmsg}), and {@link #lastReceiveRealtimeNanos()} tells when the last one read came in, however
 * long it then waited in the socket.
 *
 * <p>Thread-safety: sending and receiving each use a native buffer of their own; one thread may send while another
 * receives, but two threads must not send (or receive) at the same time. {@link #close()} is idempotent; close only
 * after the threads using the socket have stopped.
 */
public final class ProbeSocket implements AutoCloseable {
    /** Room for any probe datagram; larger ones are reported with their real length and rejected. */
    static final int RECEIVE_BUFFER = 2048;
    /** {@link #lastReceiveRealtimeNanos()} when the kernel gave no arrival time. */
    static final long NO_TIMESTAMP = Long.MIN_VALUE;
    private static final int MSG_TRUNC = 0x20;
    // struct msghdr and struct iovec on 64-bit Linux (x86_64, arm64), and room for the SCM_TIMESTAMPNS message:
    // CMSG_SPACE(sizeof(struct timespec)) = 16-byte header + 16 bytes.
    private static final int MSGHDR_SIZE = 56;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int CONTROL_SIZE = 64;
    private static final int CMSG_HEADER = 16;
    private static final int SOCKET_BUFFER_BYTES = 1 << 20;

    private final int fd;
    private final int family;
    private final int fwmark;
    private final InetSocketAddress localAddress;
    private final String name;
    private final Pointer sendBuf = Memory.allocateDirect(ProbeLibC.runtime(), RECEIVE_BUFFER);
    private final Pointer sendAddr = Memory.allocateDirect(ProbeLibC.runtime(), SocketAddresses.MAX_SIZE);
    private final Pointer recvBuf = Memory.allocateDirect(ProbeLibC.runtime(), RECEIVE_BUFFER);
    private final Pointer recvAddr = Memory.allocateDirect(ProbeLibC.runtime(), SocketAddresses.MAX_SIZE);
    private final Pointer recvAddrLen = Memory.allocateDirect(ProbeLibC.runtime(), 4);
    private final Pointer pollFd = Memory.allocateDirect(ProbeLibC.runtime(), 8);
    /** recvmsg's header, one iovec (recvBuf) and the control buffer; allocated by {@link #enableReceiveTimestamps()}. */
    private Pointer msghdr;
    private Pointer iov;
    private Pointer control;
    private long lastReceiveRealtimeNanos = NO_TIMESTAMP;
    private int lastSendErrno;
    private volatile boolean closed;

    private ProbeSocket(int fd, int family, int fwmark, InetSocketAddress localAddress) {
        this.fd = fd;
        this.family = family;
        this.fwmark = fwmark;
        this.localAddress = localAddress;
        this.name = "probe socket " + format(localAddress) + (fwmark == 0 ? "" : " mark 0x" + Integer.toHexString(fwmark));
    }

    /** A socket bound to {@code bind} (port 0 for an ephemeral port) whose datagrams carry {@code fwmark} (0: none). */
    public static ProbeSocket open(InetSocketAddress bind, int fwmark) {
        return create(bind, fwmark, "");
    }

    /**
     * Like {@link #open(InetSocketAddress, int)} but in the network namespace of {@code namespaceFile} (for example
     * {@code /var/run/netns/edge1}), or in ours when empty. A socket belongs to the namespace it was created in for
     * its whole life; it is created on a short-lived thread that switches namespace and ends, so the caller's thread
     * never changes namespace.
     */
    public static ProbeSocket open(InetSocketAddress bind, int fwmark, Optional<Path> namespaceFile) {
        if (namespaceFile.isEmpty()) {
            return open(bind, fwmark);
        }
        Path ns = namespaceFile.get();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("probe-setns-" + ns.getFileName()).daemon().unstarted(() -> {
            try {
                result.set(createInNamespace(bind, fwmark, ns));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProbeException("interrupted while opening a probe socket on " + format(bind) + " in namespace " + ns);
        }
        return switch (result.get()) {
            case ProbeSocket s -> s;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable e -> throw new ProbeException("opening a probe socket on " + format(bind) + " in " + ns + " failed", e);
            case null, default -> throw new ProbeException("opening a probe socket in " + ns + " gave no result");
        };
    }

    private static ProbeSocket createInNamespace(InetSocketAddress bind, int fwmark, Path ns) {
        ProbeLibC c = ProbeLibC.get();
        int nsfd = c.open(ns.toString(), ProbeLibC.O_RDONLY | ProbeLibC.O_CLOEXEC);
        if (nsfd < 0) {
            throw ProbeException.syscall("open network namespace file", ns.toString(), ProbeLibC.errno(), "");
        }
        try {
            if (c.setns(nsfd, ProbeLibC.CLONE_NEWNET) < 0) {
                throw ProbeException.syscall("setns(CLONE_NEWNET)", "namespace " + ns, ProbeLibC.errno(), "needs CAP_SYS_ADMIN");
            }
        } finally {
            c.close(nsfd);
        }
        return create(bind, fwmark, " in namespace " + ns);
    }

    private static ProbeSocket create(InetSocketAddress bind, int fwmark, String where) {
        if (bind.isUnresolved()) {
            throw new ProbeException("probe socket bind address " + bind + " is unresolved; give a numeric address");
        }
        ProbeLibC c = ProbeLibC.get();
        int family = SocketAddresses.family(bind.getAddress());
        String what = "probe socket " + format(bind) + where;
        int fd = c.socket(family, ProbeLibC.SOCK_DGRAM | ProbeLibC.SOCK_NONBLOCK | ProbeLibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw ProbeException.syscall("socket(" + (family == ProbeLibC.AF_INET ? "AF_INET" : "AF_INET6") + ", SOCK_DGRAM)", what, ProbeLibC.errno(), "");
        }
        try {
            if (fwmark != 0 && c.setsockopt(fd, ProbeLibC.SOL_SOCKET, ProbeLibC.SO_MARK, nativeInt(fwmark), 4) < 0) {
                throw ProbeException.syscall("setsockopt(SO_MARK=0x" + Integer.toHexString(fwmark) + ")", what, ProbeLibC.errno(),
                        "setting a fwmark needs CAP_NET_ADMIN");
            }
            // Best effort: larger buffers absorb a burst of replies while the loop is busy.
            c.setsockopt(fd, ProbeLibC.SOL_SOCKET, ProbeLibC.SO_RCVBUF, nativeInt(SOCKET_BUFFER_BYTES), 4);
            c.setsockopt(fd, ProbeLibC.SOL_SOCKET, ProbeLibC.SO_SNDBUF, nativeInt(SOCKET_BUFFER_BYTES), 4);
            byte[] addr = SocketAddresses.encode(bind, family);
            if (c.bind(fd, addr, addr.length) < 0) {
                throw ProbeException.syscall("bind", what, ProbeLibC.errno(), "");
            }
            Pointer out = Memory.allocateDirect(ProbeLibC.runtime(), SocketAddresses.MAX_SIZE);
            Pointer len = Memory.allocateDirect(ProbeLibC.runtime(), 4);
            len.putInt(0, SocketAddresses.MAX_SIZE);
            if (c.getsockname(fd, out, len) < 0) {
                throw ProbeException.syscall("getsockname", what, ProbeLibC.errno(), "");
            }
            byte[] local = new byte[SocketAddresses.MAX_SIZE];
            out.get(0, local, 0, local.length);
            return new ProbeSocket(fd, family, fwmark, SocketAddresses.decode(local, len.getInt(0)));
        } catch (RuntimeException e) {
            c.close(fd);
            throw e;
        }
    }

    /** The address the socket is bound to, with the port the kernel chose when bound to port 0. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The firewall mark of everything sent, 0 for none. */
    public int fwmark() {
        return fwmark;
    }

    /** {@code AF_INET} or {@code AF_INET6}. */
    int family() {
        return family;
    }

    int fd() {
        return fd;
    }

    /** The encoded socket address of {@code to} for {@link #send(byte[], int, byte[], int)}. */
    byte[] sockaddr(InetSocketAddress to) {
        return SocketAddresses.encode(to, family);
    }

    /**
     * Sends {@code length} bytes of {@code data} to {@code to} without blocking. Returns false when the datagram was
     * not sent (full socket buffer, no route, a firewall); {@link #lastSendErrno()} says why.
     */
    public boolean send(byte[] data, int length, InetSocketAddress to) {
        byte[] sa = sockaddr(to);
        return send(data, length, sa, sa.length);
    }

    /** Like {@link #send(byte[], int, InetSocketAddress)} with a socket address already encoded for this socket. */
    boolean send(byte[] data, int length, byte[] sockaddr, int sockaddrLength) {
        if (length < 0 || length > RECEIVE_BUFFER || length > data.length) {
            throw new ProbeException("cannot send " + length + " bytes on " + name);
        }
        if (closed) {
            lastSendErrno = 9; // EBADF: never touch a closed descriptor's number, it may belong to someone else now
            return false;
        }
        sendBuf.put(0, data, 0, length);
        sendAddr.put(0, sockaddr, 0, sockaddrLength);
        long n = ProbeLibC.get().sendto(fd, sendBuf, length, 0, sendAddr, sockaddrLength);
        if (n < 0) {
            lastSendErrno = ProbeLibC.errno();
            return false;
        }
        return true;
    }

    /** The errno of the last failed send, e.g. 101 (ENETUNREACH); 0 before any failure. */
    public int lastSendErrno() {
        return lastSendErrno;
    }

    /**
     * Receives one datagram into {@code into} without blocking: its real length (possibly larger than what was
     * copied, when it did not fit), or -1 when none is waiting.
     */
    public int receive(byte[] into) {
        return receive(into, null);
    }

    /**
     * Like {@link #receive(byte[])}, also copying the sender's raw socket address into {@code from} (at least
     * {@value SocketAddresses#MAX_SIZE} bytes) when not null; its length is {@link #lastSourceLength()}.
     */
    int receive(byte[] into, byte[] from) {
        if (closed) {
            return -1;
        }
        ProbeLibC c = ProbeLibC.get();
        long n;
        while (true) {
            if (msghdr != null) {
                n = receiveMessage(from == null ? null : recvAddr);
            } else if (from != null) {
                recvAddrLen.putInt(0, SocketAddresses.MAX_SIZE);
                n = c.recvfrom(fd, recvBuf, RECEIVE_BUFFER, MSG_TRUNC, recvAddr, recvAddrLen);
            } else {
                n = c.recvfrom(fd, recvBuf, RECEIVE_BUFFER, MSG_TRUNC, null, null);
            }
            if (n >= 0) {
                break;
            }
            int errno = ProbeLibC.errno();
            if (errno == ProbeLibC.EINTR) {
                continue;
            }
            if (errno == ProbeLibC.EAGAIN) {
                return -1;
            }
            // ECONNREFUSED and friends report an ICMP error for an earlier send on some kernels: not a datagram.
            return -1;
        }
        int copy = (int) Math.min(n, Math.min(RECEIVE_BUFFER, into.length));
        recvBuf.get(0, into, 0, copy);
        if (from != null) {
            recvAddr.get(0, from, 0, Math.min(SocketAddresses.MAX_SIZE, from.length));
        }
        return (int) n;
    }

    /**
     * Asks the kernel to stamp every datagram this socket receives with its arrival time ({@code SO_TIMESTAMPNS}).
     * Best effort: false (and receiving as before, {@link #lastReceiveRealtimeNanos()} always
     * {@link #NO_TIMESTAMP}) when the kernel refuses. Call before the socket is handed to the thread that receives.
     */
    public boolean enableReceiveTimestamps() {
        if (msghdr != null) {
            return true;
        }
        if (closed || ProbeLibC.get().setsockopt(fd, ProbeLibC.SOL_SOCKET, ProbeLibC.SO_TIMESTAMPNS, nativeInt(1), 4) < 0) {
            return false;
        }
        iov = Memory.allocateDirect(ProbeLibC.runtime(), 16);
        iov.putAddress(0, recvBuf.address());
        iov.putLong(8, RECEIVE_BUFFER);
        control = Memory.allocateDirect(ProbeLibC.runtime(), CONTROL_SIZE);
        msghdr = Memory.allocateDirect(ProbeLibC.runtime(), MSGHDR_SIZE);
        msghdr.putAddress(MSG_IOV, iov.address());
        msghdr.putLong(MSG_IOVLEN, 1);
        msghdr.putAddress(MSG_CONTROL, control.address());
        return true;
    }

    /**
     * When the last datagram {@link #receive(byte[]) received} arrived, as the kernel stamped it: CLOCK_REALTIME
     * nanoseconds since the epoch (the wall clock, not {@link System#nanoTime()}), or {@link #NO_TIMESTAMP} without
     * {@link #enableReceiveTimestamps()} or when the kernel attached none.
     */
    public long lastReceiveRealtimeNanos() {
        return lastReceiveRealtimeNanos;
    }

    private long receiveMessage(Pointer from) {
        msghdr.putAddress(MSG_NAME, from == null ? 0 : from.address());
        msghdr.putInt(MSG_NAMELEN, from == null ? 0 : SocketAddresses.MAX_SIZE);
        msghdr.putLong(MSG_CONTROLLEN, CONTROL_SIZE);
        msghdr.putInt(MSG_FLAGS, 0);
        long n = ProbeLibC.get().recvmsg(fd, msghdr, MSG_TRUNC);
        if (n >= 0) {
            if (from != null) {
                recvAddrLen.putInt(0, msghdr.getInt(MSG_NAMELEN));
            }
            lastReceiveRealtimeNanos = arrivalTime();
        }
        return n;
    }

    /** The SCM_TIMESTAMPNS control message of the datagram just received, or {@link #NO_TIMESTAMP}. */
    private long arrivalTime() {
        if ((msghdr.getInt(MSG_FLAGS) & ProbeLibC.MSG_CTRUNC) != 0) {
            return NO_TIMESTAMP;
        }
        long length = msghdr.getLong(MSG_CONTROLLEN);
        long at = 0;
        while (at + CMSG_HEADER <= length) {
            long cmsgLen = control.getLong(at);
            if (cmsgLen < CMSG_HEADER || at + cmsgLen > length) {
                return NO_TIMESTAMP;
            }
            if (control.getInt(at + 8) == ProbeLibC.SOL_SOCKET && control.getInt(at + 12) == ProbeLibC.SO_TIMESTAMPNS
                    && cmsgLen >= CMSG_HEADER + 16) {
                return control.getLong(at + CMSG_HEADER) * 1_000_000_000L + control.getLong(at + CMSG_HEADER + 8);
            }
            at += (cmsgLen + 7) & ~7L;
        }
        return NO_TIMESTAMP;
    }

    /** The length of the source address copied by the last {@code receive(into, from)}. */
    int lastSourceLength() {
        return Math.min(recvAddrLen.getInt(0), SocketAddresses.MAX_SIZE);
    }

    /** Waits up to {@code timeout} for a datagram to read; true when one is waiting. */
    public boolean awaitReadable(Duration timeout) {
        pollFd.putInt(0, fd);
        pollFd.putShort(4, (short) ProbeLibC.POLLIN);
        pollFd.putShort(6, (short) 0);
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
        int r = ProbeLibC.get().poll(pollFd, 1, ms);
        return r > 0 && (pollFd.getShort(6) & ProbeLibC.POLLIN) != 0;
    }

    /** The mark the kernel holds for this socket (for tests). */
    int kernelMark() {
        Pointer v = Memory.allocateDirect(ProbeLibC.runtime(), 4);
        Pointer len = Memory.allocateDirect(ProbeLibC.runtime(), 4);
        len.putInt(0, 4);
        if (ProbeLibC.get().getsockopt(fd, ProbeLibC.SOL_SOCKET, ProbeLibC.SO_MARK, v, len) < 0) {
            throw ProbeException.syscall("getsockopt(SO_MARK)", name, ProbeLibC.errno(), "");
        }
        return v.getInt(0);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ProbeLibC.get().close(fd);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Waits up to {@code timeoutMillis} until one of {@code sockets} is readable; fills {@code readable[i]}. Returns
     * the number of readable sockets (0 on timeout or interruption by a signal).
     */
    static int poll(List<ProbeSocket> sockets, Pointer pollFds, boolean[] readable, int timeoutMillis) {
        int n = sockets.size();
        for (int i = 0; i < n; i++) {
            pollFds.putInt(i * 8L, sockets.get(i).fd);
            pollFds.putShort(i * 8L + 4, (short) ProbeLibC.POLLIN);
            pollFds.putShort(i * 8L + 6, (short) 0);
        }
        int r = ProbeLibC.get().poll(pollFds, n, timeoutMillis);
        if (r <= 0) {
            java.util.Arrays.fill(readable, 0, n, false);
            return 0;
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            // Any event counts: a pending socket error (POLLERR) is cleared by the next receive, not by polling again.
            readable[i] = pollFds.getShort(i * 8L + 6) != 0;
            count += readable[i] ? 1 : 0;
        }
        return count;
    }

    static Pointer allocatePollFds(int count) {
        return Memory.allocateDirect(ProbeLibC.runtime(), Math.max(1, count) * 8L);
    }

    private static byte[] nativeInt(int v) {
        byte[] b = new byte[4];
        java.nio.ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(v);
        return b;
    }

    static String format(InetSocketAddress a) {
        String host = a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
