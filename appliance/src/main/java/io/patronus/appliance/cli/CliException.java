package io.patronus.appliance.cli;

/** A failure to report to the operator in one line, with the exit code: 1 for errors, 2 for usage errors. */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(2, message);
    }

    static CliException error(String message) {
        return new CliException(1, message);
    }

    int exitCode() {
        return exitCode;
    }
}
