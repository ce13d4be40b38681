package io.patronus.appliance.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls the classifier benchmark needs that the JDK lacks, through the FFM API: {@code setns} (a
 * network namespace is per thread, so one thread of this JVM can send from the source namespace while another
 * attaches a program in the router's), {@code if_nametoindex}, and AF_PACKET / UDP sockets driven with
 * {@code sendmmsg}, which sends a batch of frames per system call. Not thread-safe per socket; each sender thread
 * owns its own.
 */
@SuppressWarnings("restricted") // a benchmark runner, started with --enable-native-access by scripts/bench-classifier
final class ClassifierNative {
    static final int AF_INET = 2;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int IPPROTO_IP = 0;
    private static final int IP_TOS = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = libc("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMMSG = libc("sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = libc("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SCHED_SETSCHEDULER = libc("sched_setscheduler",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final int SCHED_FIFO = 1;
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    /** __NR_bpf on x86-64 (on arm64 it is 280). */
    private static final long NR_BPF = System.getProperty("os.arch").equals("aarch64") ? 280 : 321;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    private static final int BPF_ENABLE_STATS = 32;
    /** struct bpf_prog_info: run_time_ns@192, run_cnt@200 (Linux 5.1+). */
    private static final int PROG_INFO_LEN = 232;
    private static final int RUN_TIME_NS = 192;
    private static final int RUN_CNT = 200;

    /** struct mmsghdr on x86-64 and arm64: a 56-byte msghdr, the 4-byte msg_len, padding. */
    private static final int MMSGHDR = 64;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int IOVEC = 16;

    private ClassifierNative() {
    }

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IllegalStateException failure(String call, String what, int errno) {
        return new IllegalStateException(call + " failed for " + what + ": errno " + errno);
    }

    /**
     * Runs {@code body} on a new platform thread that has joined network namespace {@code ns} (as created by
     * {@code ip netns add}) and waits for it, at most {@code timeoutSeconds}. Only that thread changes namespace.
     */
    static <T> T inNamespace(String ns, long timeoutSeconds, Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            joinNamespace(ns);
            return body.call();
        });
        Thread t = Thread.ofPlatform().name("netns-" + ns).daemon().start(task);
        try {
            return task.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            t.interrupt();
            throw new IllegalStateException("work in namespace " + ns + " did not finish in " + timeoutSeconds + " s", e);
        }
    }

    /** Moves the calling thread (only) into network namespace {@code ns}. */
    static void joinNamespace(String ns) {
        String path = "/var/run/netns/" + ns;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw failure("open", path, errno(state));
            }
            int r = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int err = errno(state);
            int ignored = (int) CLOSE.invokeExact(state, fd);
            if (r != 0) {
                throw failure("setns", path, err);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns into " + ns + ": " + t, t);
        }
    }

    /** The index of interface {@code name} in the calling thread's namespace. */
    static int ifindex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int index = (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
            if (index == 0) {
                throw failure("if_nametoindex", name, errno(state));
            }
            return index;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("if_nametoindex " + name + ": " + t, t);
        }
    }

    /**
     * Makes the calling thread (only) SCHED_FIFO at {@code priority}; returns the errno when that is refused (0 on
     * success). The kernel's RT throttling (95% of each second by default) still leaves the CPU to others.
     */
    static int realtime(int priority) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment param = arena.allocateFrom(JAVA_INT, priority);
            int r = (int) SCHED_SETSCHEDULER.invokeExact(state, 0, SCHED_FIFO, param);
            return r == 0 ? 0 : errno(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_setscheduler: " + t, t);
        }
    }

    /**
     * Turns on the kernel's run-time accounting of every BPF program (BPF_ENABLE_STATS, BPF_STATS_RUN_TIME) until the
     * returned handle is closed, or the process exits. It costs two clock reads per program run, so it is on only
     * while it is being read.
     */
    static AutoCloseable enableRunTimeStats() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment attr = arena.allocate(8, 8); // enable_stats.type = BPF_STATS_RUN_TIME (0)
            int fd = (int) (long) SYSCALL.invokeExact(state, NR_BPF, BPF_ENABLE_STATS, attr, 4);
            if (fd < 0) {
                throw failure("bpf(BPF_ENABLE_STATS)", "run-time statistics", errno(state));
            }
            return () -> {
                try (Arena a = Arena.ofConfined()) {
                    int ignored = (int) CLOSE.invokeExact(a.allocate(CALL_STATE), fd);
                } catch (Throwable t) {
                    throw new IllegalStateException("closing the BPF stats descriptor: " + t, t);
                }
            };
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(BPF_ENABLE_STATS): " + t, t);
        }
    }

    /** {run_time_ns, run_cnt} of the program behind {@code programFd}, counted while run-time stats are on. */
    static long[] runTimeStats(int programFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment info = arena.allocate(PROG_INFO_LEN, 8);
            MemorySegment attr = arena.allocate(16, 8);
            attr.set(JAVA_INT, 0, programFd);
            attr.set(JAVA_INT, 4, PROG_INFO_LEN);
            attr.set(JAVA_LONG, 8, info.address());
            long r = (long) SYSCALL.invokeExact(state, NR_BPF, BPF_OBJ_GET_INFO_BY_FD, attr, 16);
            if (r < 0) {
                throw failure("bpf(BPF_OBJ_GET_INFO_BY_FD)", "program fd " + programFd, errno(state));
            }
            return new long[] {info.get(JAVA_LONG, RUN_TIME_NS), info.get(JAVA_LONG, RUN_CNT)};
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(BPF_OBJ_GET_INFO_BY_FD): " + t, t);
        }
    }

    /**
     * A socket that sends one prepared frame (AF_PACKET) or datagram payload (UDP) in batches with sendmmsg; the
     * socket lives in the namespace of the thread that opens it.
     */
    static final class BatchSender implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment state = arena.allocate(CALL_STATE);
        private final MemorySegment vector;
        private final int batch;
        private final int fd;

        private BatchSender(int fd, byte[] data, int batch) {
            this.fd = fd;
            this.batch = batch;
            MemorySegment buffer = arena.allocate(data.length, 64);
            MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = arena.allocate(IOVEC, 8);
            iov.set(ValueLayout.ADDRESS, 0, buffer);
            iov.set(ValueLayout.JAVA_LONG, 8, data.length);
            vector = arena.allocate((long) MMSGHDR * batch, 8);
            for (int i = 0; i < batch; i++) {
                vector.set(ValueLayout.ADDRESS, (long) i * MMSGHDR + MSG_IOV, iov);
                vector.set(ValueLayout.JAVA_LONG, (long) i * MMSGHDR + MSG_IOVLEN, 1);
            }
        }

        /** A raw socket bound to {@code ifname} that sends {@code frame} (a whole Ethernet frame) past the qdisc. */
        static BatchSender packet(String ifname, byte[] frame, int batch) {
            int ifindex = ifindex(ifname);
            int fd = socket(AF_PACKET, SOCK_RAW, 0, "AF_PACKET socket on " + ifname);
            BatchSender s = new BatchSender(fd, frame, batch);
            try {
                MemorySegment ll = s.arena.allocate(20, 4);
                ll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
                ll.set(ValueLayout.JAVA_INT, 4, ifindex); // sll_protocol 0: send only, no receive hook
                s.check((int) BIND.invokeExact(s.state, fd, ll, 20), "bind", "AF_PACKET socket to " + ifname);
                MemorySegment one = s.arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                s.check((int) SETSOCKOPT.invokeExact(s.state, fd, SOL_PACKET, PACKET_QDISC_BYPASS, one, 4), "setsockopt",
                        "PACKET_QDISC_BYPASS");
                return s;
            } catch (Throwable t) {
                s.close();
                throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
            }
        }

        /** A UDP socket connected to {@code destination}:{@code port} sending {@code payload} with DSCP {@code dscp}. */
        static BatchSender udp(String destination, int port, int dscp, byte[] payload, int batch) {
            int fd = socket(AF_INET, SOCK_DGRAM, 0, "UDP socket");
            BatchSender s = new BatchSender(fd, payload, batch);
            try {
                MemorySegment tos = s.arena.allocateFrom(ValueLayout.JAVA_INT, dscp << 2);
                s.check((int) SETSOCKOPT.invokeExact(s.state, fd, IPPROTO_IP, IP_TOS, tos, 4), "setsockopt", "IP_TOS");
                MemorySegment sin = s.arena.allocate(16, 4);
                sin.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                sin.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >> 8));
                sin.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
                MemorySegment.copy(ClassifierBenchRules.address(destination), 0, sin, ValueLayout.JAVA_BYTE, 4, 4);
                s.check((int) CONNECT.invokeExact(s.state, fd, sin, 16), "connect", "UDP socket to " + destination + ":" + port);
                return s;
            } catch (Throwable t) {
                s.close();
                throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
            }
        }

        private static int socket(int domain, int type, int protocol, String what) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = a.allocate(CALL_STATE);
                int fd = (int) SOCKET.invokeExact(st, domain, type | SOCK_CLOEXEC, protocol);
                if (fd < 0) {
                    throw failure("socket", what, errno(st));
                }
                return fd;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("socket: " + t, t);
            }
        }

        private void check(int r, String call, String what) {
            if (r < 0) {
                throw failure(call, what, errno(state));
            }
        }

        /**
         * Sends one batch; returns how many went out. A full buffer or an interrupted call sends fewer, possibly
         * none (a negative result is minus the errno of a transient error); any other error is thrown.
         */
        int sendBatch() {
            int n;
            try {
                n = (int) SENDMMSG.invokeExact(state, fd, vector, batch, 0);
            } catch (Throwable t) {
                throw new IllegalStateException("sendmmsg: " + t, t);
            }
            if (n >= 0) {
                return n;
            }
            int err = errno(state);
            if (err == EINTR || err == EAGAIN || err == ENOBUFS) {
                return -err;
            }
            throw failure("sendmmsg", "the flood socket", err);
        }

        @Override
        public void close() {
            try {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            } catch (Throwable t) {
                // closing a socket we own cannot fail in a way we could act on
            }
            arena.close();
        }
    }
}
