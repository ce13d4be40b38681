package io.patronus.appliance.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host tools the benchmark runners set their stage with ({@code ip netns add}, {@code ip link set}, ...): a
 * command that fails or hangs stops the runner with its own output, so a half-built stage is never measured.
 */
final class Commands {
    private static final long TIMEOUT_SECONDS = 60;

    private Commands() {
    }

    /** Runs {@code cmd} to completion; fails with its output when it exits non-zero or takes longer than 60 s. */
    static void run(String... cmd) throws Exception {
        output(cmd);
    }

    /** Runs {@code cmd} to completion and returns what it printed (stdout and stderr together). */
    static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
        return out;
    }
}
