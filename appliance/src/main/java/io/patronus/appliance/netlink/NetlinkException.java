package io.patronus.appliance.netlink;

import jnr.constants.platform.Errno;

import java.util.Optional;

/**
 * A netlink operation failed: the kernel answered with a negative errno (with its extended-ACK text when it gave
 * one), a system call on the socket failed, or a reply could not be parsed. The message always says which
 * operation on which object failed, e.g. {@code RTM_DELLINK (delete link) on link 'wg9' failed: ENODEV (No such
 * device)}.
 */
public class NetlinkException extends RuntimeException {
    private final String operation;
    private final String object;
    private final int errno;
    private final String kernelMessage;

    public NetlinkException(String operation, String object, int errno, Optional<String> kernelMessage) {
        super(format(operation, object, errno, kernelMessage));
        this.operation = operation;
        this.object = object;
        this.errno = errno;
        this.kernelMessage = kernelMessage.orElse(null);
    }

    protected NetlinkException(String message, String operation, String object, int errno) {
        super(message);
        this.operation = operation;
        this.object = object;
        this.errno = errno;
        this.kernelMessage = null;
    }

    /** A reply that does not follow the netlink wire format. */
    public static NetlinkException malformed(String detail) {
        return new NetlinkException("malformed netlink reply: " + detail, "parse", "reply", 0);
    }

    private static String format(String operation, String object, int errno, Optional<String> kernelMessage) {
        return operation + " on " + object + " failed: " + errnoName(errno) + " (" + errnoDescription(errno) + ")"
                + kernelMessage.map(m -> "; kernel says: " + m).orElse("");
    }

    /** The symbolic name of {@code errno} ({@code ENODEV}), or {@code errno N} when unknown. */
    public static String errnoName(int errno) {
        if (errno == 95) {
            return "EOPNOTSUPP"; // the same value as ENOTSUP on Linux; netlink code and docs say EOPNOTSUPP
        }
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    static String errnoDescription(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "unknown error" : e.description();
    }

    /** The operation, e.g. {@code RTM_NEWLINK (create link)}. */
    public String operation() {
        return operation;
    }

    /** The object it was applied to, e.g. {@code link 'wg0'}. */
    public String object() {
        return object;
    }

    /** The positive errno (0 for parse errors). */
    public int errno() {
        return errno;
    }

    /** {@code errnoName(errno())}. */
    public String errnoName() {
        return errnoName(errno);
    }

    /** The kernel's extended-ACK text (NLMSGERR_ATTR_MSG), when it sent one. */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }
}
