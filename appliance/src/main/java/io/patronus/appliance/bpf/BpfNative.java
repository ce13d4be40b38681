package io.patronus.appliance.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls the BPF loader needs beyond the netlink package's ({@code syscall}, {@code setrlimit},
 * {@code mount}, {@code statfs}), bound with jnr-ffi. Public only because jnr-ffi generates the implementation in its
 * own class loader; not part of the bpf API.
 */
public interface BpfNative {
    @SaveError
    long syscall(long number, long cmd, Pointer attr, long size);

    @SaveError
    int close(int fd);

    @SaveError
    int setrlimit(int resource, @In long[] limits);

    @SaveError
    int mount(String source, String target, String fstype, long flags, String data);

    @SaveError
    int statfs(String path, @Out byte[] buf);

    /** Loaded once; thread-safe. */
    final class Holder {
        static final BpfNative LIBC = LibraryLoader.create(BpfNative.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

        private Holder() {
        }
    }

    static BpfNative get() {
        return Holder.LIBC;
    }

    /** The errno saved by the last call on this thread. */
    static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    static Runtime runtime() {
        return Holder.RUNTIME;
    }
}
