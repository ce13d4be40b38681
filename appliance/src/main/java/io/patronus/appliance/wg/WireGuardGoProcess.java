package io.patronus.appliance.wg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One supervised {@code wireguard-go} process. It runs in foreground mode inside a private mount namespace whose
 * {@code /var/run/wireguard} is this appliance's own socket directory, so several appliances (the lab runs one per
 * site namespace) can each have a {@code wg-fiber} without their UAPI sockets colliding. When it exits unexpectedly
 * the supervisor thread restarts it with a doubling back-off (1 s to 30 s) and logs why.
 */
final class WireGuardGoProcess {
    private static final System.Logger LOG = System.getLogger(WireGuardGoProcess.class.getName());
    private final String name;
    private final Path socketDir;
    private final Optional<String> netns;
    private final Path logFile;
    private volatile Process process;
    private volatile boolean stopping;
    private Thread supervisor;

    WireGuardGoProcess(String name, Path socketDir, Optional<String> netns) {
        this.name = name;
        this.socketDir = socketDir;
        this.netns = netns;
        this.logFile = socketDir.resolve(name + ".log");
    }

    Path socket() {
        return socketDir.resolve(name + ".sock");
    }

    static Path pidFile(Path socketDir, String name) {
        return socketDir.resolve(name + ".pid");
    }

    /**
     * Stops a wireguard-go left running by an earlier appliance process (tunnels outlive an appliance crash by design),
     * found through its pid file.
     */
    static void stopOrphan(Path socketDir, String name) {
        Path pid = pidFile(socketDir, name);
        try {
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroy);
                    h.destroy();
                    h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> {
                        h.destroyForcibly();
                        return h;
                    }).join();
                });
                Files.deleteIfExists(pid);
            }
            Files.deleteIfExists(socketDir.resolve(name + ".sock"));
        } catch (IOException | NumberFormatException e) {
            throw new WireGuardException("cannot stop the earlier wireguard-go for " + name + ": " + e.getMessage(), e);
        }
    }

    /** Starts the process and waits until its UAPI socket answers. */
    synchronized void start(Duration timeout) {
        launch();
        awaitSocket(timeout);
        supervisor = Thread.ofPlatform().daemon().name("wireguard-go-" + name).start(this::supervise);
    }

    private void launch() {
        List<String> cmd = new ArrayList<>();
        netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
        cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mkdir -p /var/run/wireguard && mount --bind \"$0\" /var/run/wireguard && exec wireguard-go -f \"$1\"",
                socketDir.toString(), name));
        try {
            Files.createDirectories(socketDir);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.environment().put("LOG_LEVEL", "error");
            process = pb.start();
            Files.writeString(pidFile(socketDir, name), Long.toString(process.pid()));
        } catch (IOException e) {
            throw new WireGuardException("cannot start wireguard-go for " + name + ": " + e.getMessage()
                    + " (is the wireguard-go package installed?)", e);
        }
    }

    private void awaitSocket(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(socket())) {
                try {
                    UapiCodec.errno(UapiClient.exchange(socket(), "get=1\n\n"));
                    return;
                } catch (WireGuardException notYet) {
                    // the socket file appears a moment before it accepts
                }
            }
            if (!process.isAlive()) {
                throw new WireGuardException("wireguard-go for " + name + " exited with " + process.exitValue()
                        + " before its UAPI socket appeared; its output is in " + logFile);
            }
            sleep(20);
        }
        throw new WireGuardException("wireguard-go for " + name + " did not open " + socket() + " within " + timeout.toMillis() + " ms");
    }

    private void supervise() {
        long backoff = 1000;
        while (!stopping) {
            Process p = process;
            try {
                int code = p.waitFor();
                if (stopping) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "wireguard-go for " + name + " exited with " + code
                        + "; restarting in " + backoff + " ms (output in " + logFile + ")");
                sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
                synchronized (this) {
                    if (!stopping) {
                        launch();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (WireGuardException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
                sleep(backoff);
            }
        }
    }

    /** Stops supervising without stopping the process. */
    synchronized void detach() {
        stopping = true;
        if (supervisor != null) {
            supervisor.interrupt();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Stops the process (SIGTERM, then SIGKILL after 5 s); wireguard-go removes its interface and socket. */
    synchronized void stop() {
        stopping = true;
        if (supervisor != null) {
            supervisor.interrupt();
        }
        Process p = process;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(socket());
            Files.deleteIfExists(pidFile(socketDir, name));
        } catch (IOException ignored) {
            // wireguard-go removes it itself; this is only for a killed process
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
