package io.patronus.controller.cli;

/**
 * A failure reported to the operator in one line with its exit code: 1 for errors (the controller refused, or could not
 * be reached), 2 for usage errors found before anything was sent.
 */
final class CliException extends RuntimeException {
    private final int exitCode;

    private CliException(int exitCode, String message) {
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
