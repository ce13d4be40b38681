package io.patronus.common.cli;

/**
 * A failure reported to the operator in one line with its exit code: 1 for errors (the appliance or the controller said
 * no, or could not be reached), 2 for usage errors found before anything was sent.
 */
public final class CliException extends RuntimeException {
    private final int exitCode;

    private CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** A usage error (exit code 2): the command line is wrong and nothing was sent. */
    public static CliException usage(String message) {
        return new CliException(2, message);
    }

    /** An error (exit code 1): the request was refused or could not be made. */
    public static CliException error(String message) {
        return new CliException(1, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
