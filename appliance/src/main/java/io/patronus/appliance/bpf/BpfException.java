package io.patronus.appliance.bpf;

import io.patronus.appliance.netlink.NetlinkException;
import jnr.constants.platform.Errno;

import java.util.Optional;

/**
 * A BPF operation failed: a {@code bpf(2)} command, a tc netlink request, mounting bpffs, or reading an ELF object.
 * The message always names the operation, the object and the errno, and for a program the verifier refused it
 * carries the verifier's log in full, e.g. {@code bpf PROG_LOAD of program 'classify' from classifier.o failed:
 * EACCES (Permission denied); verifier log:\n...}. Errors in an ELF file read {@code classifier.o: section 'maps' is
 * 17 bytes, not a multiple of 20} and have errno 0.
 */
public final class BpfException extends RuntimeException {
    /** Linux's kernel-internal "operation not supported" that some bpf commands leak to user space. */
    static final int ENOTSUPP = 524;

    private final String operation;
    private final String object;
    private final int errno;
    private final String verifierLog;

    private BpfException(String message, String operation, String object, int errno, String verifierLog, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.object = object;
        this.errno = errno;
        this.verifierLog = verifierLog;
    }

    /** A failed system call: "{@code operation} of {@code object} failed: ENAME (description)[; hint]". */
    static BpfException syscall(String operation, String object, int errno, Optional<String> hint) {
        return new BpfException(operation + " of " + object + " failed: " + errnoText(errno) + hint.map(h -> "; " + h).orElse(""),
                operation, object, errno, null, null);
    }

    /** A program the kernel refused, with the verifier's log appended in full. */
    static BpfException verifier(String operation, String object, int errno, String log, Optional<String> note) {
        String message = operation + " of " + object + " failed: " + errnoText(errno) + note.map(n -> "; " + n).orElse("")
                + "; verifier log:\n" + log;
        return new BpfException(message, operation, object, errno, log, null);
    }

    /** A failure that is not an errno: "{@code operation} of {@code object} failed: {@code detail}". */
    static BpfException failed(String operation, String object, String detail) {
        return new BpfException(operation + " of " + object + " failed: " + detail, operation, object, 0, null, null);
    }

    /** A failure with an underlying cause (an I/O error, a netlink error) whose errno, if any, is kept. */
    static BpfException failed(String operation, String object, int errno, String detail, Throwable cause) {
        return new BpfException(operation + " of " + object + " failed: " + detail, operation, object, errno, null, cause);
    }

    /** A netlink request of ours that the kernel refused; the netlink message already names errno and kernel text. */
    static BpfException netlink(String operation, String object, NetlinkException e, Optional<String> hint) {
        String detail = errnoText(e.errno()) + e.kernelMessage().map(m -> "; kernel says: " + m).orElse("")
                + hint.map(h -> "; " + h).orElse("");
        return failed(operation, object, e.errno(), detail, e);
    }

    /** Bad ELF input: "{@code origin}: {@code detail}". */
    static BpfException elf(String origin, String detail) {
        return new BpfException(origin + ": " + detail, "parse ELF object", origin, 0, null, null);
    }

    /** "ENAME (description)" for a positive errno. */
    static String errnoText(int errno) {
        if (errno == ENOTSUPP) {
            return "ENOTSUPP (operation not supported for this object)";
        }
        Errno e = Errno.valueOf(errno);
        String description = e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "unknown error" : e.description();
        return NetlinkException.errnoName(errno) + " (" + description + ")";
    }

    /** The operation, e.g. {@code bpf PROG_LOAD} or {@code parse ELF object}. */
    public String operation() {
        return operation;
    }

    /** What it was applied to, e.g. {@code program 'classify' from classifier.o}. */
    public String object() {
        return object;
    }

    /** The positive errno, 0 when the failure was not a system call's (bad ELF input, a mismatch). */
    public int errno() {
        return errno;
    }

    /** The symbolic errno ({@code EACCES}), empty when errno is 0. */
    public Optional<String> errnoName() {
        if (errno == 0) {
            return Optional.empty();
        }
        return Optional.of(errno == ENOTSUPP ? "ENOTSUPP" : NetlinkException.errnoName(errno));
    }

    /** For a program the verifier refused, its complete log (also part of {@link #getMessage()}). */
    public Optional<String> verifierLog() {
        return Optional.ofNullable(verifierLog);
    }
}
