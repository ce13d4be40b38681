package io.patronus.appliance.netlink;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An AF_NETLINK socket speaking request/ACK and dump exchanges with the kernel.
 *
 * <p>Every request gets a fresh sequence number, written into the message at send time (messages are built with
 * sequence 0 so that builders are pure functions); replies with another sequence number, left over from an earlier
 * exchange that timed out, are skipped. A request answered by {@code NLMSG_ERROR} with a negative errno becomes a
 * {@link NetlinkException} naming the caller's operation and object, with the kernel's extended-ACK text
 * (NETLINK_EXT_ACK is switched on). A dump is read until {@code NLMSG_DONE}, whose own error field is checked; if any
 * part of it carries {@code NLM_F_DUMP_INTR} (the table changed under the dump) the whole dump is restarted.
 * Datagrams are received into a buffer of at least 64 KiB that grows when a peek says a datagram is larger, so no
 * reply is ever truncated.
 *
 * <p>Namespaces: a netlink socket belongs to the network namespace of the thread that created it, for its whole
 * life. {@link #open(int, Optional)} with a namespace file ({@code /var/run/netns/NAME}) creates the socket on a
 * fresh platform thread that calls {@code setns(CLONE_NEWNET)} first and then ends, so no other code ever runs in
 * the switched namespace and the caller's thread never changes namespace.
 *
 * <p>Thread-safety: all exchanges are serialised on the socket; it may be shared.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final int MIN_BUFFER = 64 * 1024;
    private static final int MAX_DUMP_RESTARTS = 10;
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);

    private final int fd;
    private final int protocol;
    private final int portId;
    private final Optional<Path> namespace;
    private int seq;
    private Pointer buffer;
    private int bufferSize;
    private boolean closed;

    private NetlinkSocket(int fd, int protocol, int portId, Optional<Path> namespace) {
        this.fd = fd;
        this.protocol = protocol;
        this.portId = portId;
        this.namespace = namespace;
        this.seq = (int) (System.nanoTime() & 0x3fffffff) | 1;
        this.bufferSize = MIN_BUFFER;
        this.buffer = Memory.allocateDirect(LibC.runtime(), bufferSize);
    }

    /** A socket of {@code protocol} ({@link Netlink#NETLINK_ROUTE}, {@link Netlink#NETLINK_GENERIC}) in our namespace. */
    public static NetlinkSocket open(int protocol) {
        return create(protocol, Optional.empty());
    }

    /**
     * A socket of {@code protocol} in the network namespace of {@code namespaceFile} (for example
     * {@code /var/run/netns/edge1} or {@code /proc/PID/ns/net}), or in ours when empty.
     */
    public static NetlinkSocket open(int protocol, Optional<Path> namespaceFile) {
        if (namespaceFile.isEmpty()) {
            return open(protocol);
        }
        Path ns = namespaceFile.get();
        AtomicReference<Object> result = new AtomicReference<>();
        // A dedicated thread: setns(2) changes only the calling thread, and this one ends right after creating the
        // socket, so nothing else ever runs in the switched namespace.
        Thread t = Thread.ofPlatform().name("netlink-setns-" + ns.getFileName()).daemon().unstarted(() -> {
            try {
                result.set(createInNamespace(protocol, ns));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetlinkException("open netlink socket", "namespace " + ns, LibC.EINTR, Optional.empty());
        }
        return switch (result.get()) {
            case NetlinkSocket s -> s;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable e -> throw new IllegalStateException("opening a netlink socket in " + ns + " failed", e);
            case null, default -> throw new IllegalStateException("opening a netlink socket in " + ns + " gave no result");
        };
    }

    private static NetlinkSocket createInNamespace(int protocol, Path ns) {
        LibC c = LibC.get();
        int nsfd = c.open(ns.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (nsfd < 0) {
            throw new NetlinkException("open network namespace file", "namespace " + ns, LibC.errno(), Optional.empty());
        }
        try {
            if (c.setns(nsfd, LibC.CLONE_NEWNET) < 0) {
                throw new NetlinkException("setns(CLONE_NEWNET)", "namespace " + ns, LibC.errno(), Optional.empty());
            }
        } finally {
            c.close(nsfd);
        }
        return create(protocol, Optional.of(ns));
    }

    private static NetlinkSocket create(int protocol, Optional<Path> ns) {
        LibC c = LibC.get();
        String what = "netlink protocol " + protocol + ns.map(p -> " in namespace " + p).orElse("");
        int fd = c.socket(Netlink.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new NetlinkException("socket(AF_NETLINK)", what, LibC.errno(), Optional.empty());
        }
        try {
            byte[] one = le32(1);
            // Best effort: EXT_ACK gives error text, CAP_ACK keeps ACKs small; old kernels may lack either.
            c.setsockopt(fd, Netlink.SOL_NETLINK, Netlink.NETLINK_EXT_ACK, one, 4);
            c.setsockopt(fd, Netlink.SOL_NETLINK, Netlink.NETLINK_CAP_ACK, one, 4);
            c.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, le32(1 << 20), 4);
            byte[] tv = new byte[16];
            System.arraycopy(le32((int) RECEIVE_TIMEOUT.toSeconds()), 0, tv, 0, 4);
            c.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, 16);
            byte[] addr = sockaddrNl(0, 0);
            if (c.bind(fd, addr, addr.length) < 0) {
                throw new NetlinkException("bind", what, LibC.errno(), Optional.empty());
            }
            byte[] out = new byte[12];
            IntByReference len = new IntByReference(12);
            if (c.getsockname(fd, out, len) < 0) {
                throw new NetlinkException("getsockname", what, LibC.errno(), Optional.empty());
            }
            int pid = (out[4] & 0xff) | (out[5] & 0xff) << 8 | (out[6] & 0xff) << 16 | (out[7] & 0xff) << 24;
            return new NetlinkSocket(fd, protocol, pid, ns);
        } catch (RuntimeException e) {
            c.close(fd);
            throw e;
        }
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static byte[] sockaddrNl(int pid, int groups) {
        byte[] a = new byte[12];
        a[0] = (byte) Netlink.AF_NETLINK;
        System.arraycopy(le32(pid), 0, a, 4, 4);
        System.arraycopy(le32(groups), 0, a, 8, 4);
        return a;
    }

    /**
     * Asks the kernel to check dump requests strictly and to honour their filters (NETLINK_GET_STRICT_CHK, Linux 4.20):
     * a route dump for one table then returns that table only, rather than every route of the namespace. Returns
     * false when the kernel does not have it; requests must then be filtered by the caller.
     */
    public synchronized boolean strictChecking() {
        ensureOpen();
        return LibC.get().setsockopt(fd, Netlink.SOL_NETLINK, Netlink.NETLINK_GET_STRICT_CHK, le32(1), 4) == 0;
    }

    public int protocol() {
        return protocol;
    }

    /** The port id the kernel assigned at bind time. */
    public int portId() {
        return portId;
    }

    /** The namespace file this socket was opened in, empty for the caller's own namespace. */
    public Optional<Path> namespace() {
        return namespace;
    }

    /**
     * Sends {@code request} with NLM_F_REQUEST|NLM_F_ACK added and waits for the kernel's ACK; an error ACK throws
     * a {@link NetlinkException} for {@code operation} on {@code object}.
     */
    public synchronized void execute(byte[] request, String operation, String object) {
        exchange(request, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, operation, object);
    }

    /**
     * Sends {@code request} with NLM_F_REQUEST|NLM_F_ACK added and returns the reply messages the kernel sent before
     * its ACK (for example CTRL_CMD_GETFAMILY's answer, or the new object with NLM_F_ECHO).
     */
    public synchronized List<NlMessage> request(byte[] request, String operation, String object) {
        return exchange(request, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, operation, object);
    }

    /**
     * Sends {@code request} with NLM_F_REQUEST|NLM_F_DUMP added and returns every message of the dump, restarting
     * it when the kernel flags it as interrupted.
     */
    public synchronized List<NlMessage> dump(byte[] request, String operation, String object) {
        for (int attempt = 0; ; attempt++) {
            List<NlMessage> out = new ArrayList<>();
            boolean interrupted = false;
            int s = send(request, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP, operation, object);
            boolean done = false;
            while (!done) {
                for (NlMessage m : receive(operation, object)) {
                    if (m.seq() != s || done) {
                        continue;
                    }
                    if ((m.flags() & Netlink.NLM_F_DUMP_INTR) != 0) {
                        interrupted = true;
                    }
                    switch (m.type()) {
                        case Netlink.NLMSG_DONE -> {
                            if (m.payload().length >= 4 && m.u32(0) < 0) {
                                throw errorOf(m, operation, object);
                            }
                            done = true;
                        }
                        case Netlink.NLMSG_ERROR -> {
                            if (m.u32(0) != 0) {
                                throw errorOf(m, operation, object);
                            }
                            // A plain ACK inside a dump only comes with NLM_F_ACK, which we never set; ignore it.
                        }
                        case Netlink.NLMSG_NOOP -> {
                        }
                        default -> out.add(m);
                    }
                }
            }
            if (!interrupted) {
                return out;
            }
            if (attempt >= MAX_DUMP_RESTARTS) {
                throw new NetlinkException(operation, object, LibC.EINTR, Optional.of("dump interrupted " + (attempt + 1)
                        + " times in a row (NLM_F_DUMP_INTR): the table keeps changing"));
            }
        }
    }

    private List<NlMessage> exchange(byte[] request, int addFlags, String operation, String object) {
        int s = send(request, addFlags, operation, object);
        List<NlMessage> replies = new ArrayList<>();
        while (true) {
            for (NlMessage m : receive(operation, object)) {
                if (m.seq() != s) {
                    continue;
                }
                if (m.type() == Netlink.NLMSG_ERROR) {
                    if (m.u32(0) != 0) {
                        throw errorOf(m, operation, object);
                    }
                    return replies;
                }
                if (m.type() == Netlink.NLMSG_DONE) {
                    continue;
                }
                if (m.type() != Netlink.NLMSG_NOOP) {
                    replies.add(m);
                }
            }
        }
    }

    /** The exception for an NLMSG_ERROR (or an NLMSG_DONE carrying an error) reply. */
    static NetlinkException errorOf(NlMessage m, String operation, String object) {
        byte[] p = m.payload();
        int errno = -m.u32(0);
        Optional<String> text = Optional.empty();
        if (m.type() == Netlink.NLMSG_ERROR && (m.flags() & Netlink.NLM_F_ACK_TLVS) != 0 && p.length >= 20) {
            int echoed = (m.flags() & Netlink.NLM_F_CAPPED) != 0 ? Netlink.NLMSG_HDRLEN : m.u32(4);
            int off = 4 + Netlink.align(echoed);
            if (off < p.length) {
                text = Attributes.parse(p, off, p.length - off).get(Netlink.NLMSGERR_ATTR_MSG).map(Attributes.Entry::string);
            }
        } else if (m.type() == Netlink.NLMSG_DONE && (m.flags() & Netlink.NLM_F_ACK_TLVS) != 0 && p.length > 4) {
            text = Attributes.parse(p, 4, p.length - 4).get(Netlink.NLMSGERR_ATTR_MSG).map(Attributes.Entry::string);
        }
        return new NetlinkException(operation, object, errno, text.filter(t -> !t.isEmpty()));
    }

    private int send(byte[] request, int addFlags, String operation, String object) {
        ensureOpen();
        if (request.length < Netlink.NLMSG_HDRLEN) {
            throw new IllegalArgumentException("a netlink message needs at least a 16-byte header, was " + request.length);
        }
        byte[] msg = request.clone();
        seq = seq == Integer.MAX_VALUE ? 1 : seq + 1;
        int flags = ((msg[6] & 0xff) | (msg[7] & 0xff) << 8) | addFlags;
        msg[6] = (byte) flags;
        msg[7] = (byte) (flags >>> 8);
        System.arraycopy(le32(seq), 0, msg, 8, 4);
        byte[] kernel = sockaddrNl(0, 0);
        while (true) {
            long n = LibC.get().sendto(fd, msg, msg.length, 0, kernel, kernel.length);
            if (n >= 0) {
                return seq;
            }
            int errno = LibC.errno();
            if (errno != LibC.EINTR) {
                throw new NetlinkException(operation + " (sendto)", object, errno, Optional.empty());
            }
        }
    }

    private List<NlMessage> receive(String operation, String object) {
        LibC c = LibC.get();
        while (true) {
            long peek = c.recv(fd, buffer, bufferSize, LibC.MSG_PEEK | LibC.MSG_TRUNC);
            if (peek < 0) {
                int errno = LibC.errno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                if (errno == LibC.EAGAIN) {
                    throw new NetlinkException(operation, object, errno,
                            Optional.of("no reply from the kernel within " + RECEIVE_TIMEOUT.toSeconds() + " s"));
                }
                throw new NetlinkException(operation + " (recv)", object, errno, Optional.empty());
            }
            if (peek > bufferSize) {
                bufferSize = (int) Math.max(peek, bufferSize * 2L);
                buffer = Memory.allocateDirect(LibC.runtime(), bufferSize);
            }
            long n = c.recv(fd, buffer, bufferSize, 0);
            if (n < 0) {
                int errno = LibC.errno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new NetlinkException(operation + " (recv)", object, errno, Optional.empty());
            }
            byte[] data = new byte[(int) n];
            buffer.get(0, data, 0, data.length);
            return NlMessage.parseAll(data, data.length);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket (protocol " + protocol + ") is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.get().close(fd);
        }
    }

    @Override
    public String toString() {
        return "NetlinkSocket[protocol=" + protocol + ", port=" + portId + namespace.map(p -> ", netns=" + p).orElse("") + "]";
    }
}
