package io.patronus.appliance.probe;

import jnr.constants.platform.Errno;

/**
 * A probing operation failed: a socket call returned an error, a configuration value was out of range, or a datagram
 * was not a valid probe packet. The message says which operation on which object failed and, for system calls, the
 * errno by name, e.g. {@code setsockopt(SO_MARK=0x10) on probe socket 10.0.0.1:0 failed: EPERM (Operation not
 * permitted); setting a fwmark needs CAP_NET_ADMIN}.
 */
public class ProbeException extends RuntimeException {
    private final int errno;

    public ProbeException(String message) {
        super(message);
        this.errno = 0;
    }

    public ProbeException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    private ProbeException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** A failed system call: {@code operation on object failed: ENAME (description)} plus an optional hint. */
    public static ProbeException syscall(String operation, String object, int errno, String hint) {
        return new ProbeException(operation + " on " + object + " failed: " + errnoName(errno) + " (" + errnoDescription(errno) + ")"
                + (hint.isEmpty() ? "" : "; " + hint), errno);
    }

    /** The positive errno of a failed system call, 0 for other failures. */
    public int errno() {
        return errno;
    }

    static String errnoName(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    static String errnoDescription(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "unknown error" : e.description();
    }
}
