package io.patronus.appliance.wg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One supervised {@code wireguard-go} process. It runs in foreground mode inside a private mount namespace whose
 * {@code /var/run/wireguard} is this appliance's own socket directory, so several appliances (the lab runs one per
 * site namespace) can each have a {@code wg-fiber} without their UAPI sockets colliding. When it exits unexpectedly
 * the supervisor thread restarts it with a doubling back-off (1 s to 30 s, back to 1 s after a minute of good
 * health), logs why, and once the new socket answers tells its owner, which gives the empty device its
 * configuration back. The socket directory is private to root (0700, like wireguard-go's own umask 077): whoever can
 * open a UAPI socket can read the private key.
 */
final class WireGuardGoProcess {
    private static final System.Logger LOG = System.getLogger(WireGuardGoProcess.class.getName());
    private final String name;
    private final Path socketDir;
    private final Optional<String> netns;
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(10);
    private static final long HEALTHY_RUN_NANOS = TimeUnit.MINUTES.toNanos(1);
    private final Path logFile;
    private final Consumer<WireGuardGoProcess> onRestart;
    private volatile Process process;
    private volatile boolean stopping;
    private volatile int restarts;
    private Thread supervisor;

    /**
     * @param onRestart called on the supervisor thread after a restarted wireguard-go answers on its socket; a
     *                  {@link WireGuardException} from it is logged and the process is kept
     */
    WireGuardGoProcess(String name, Path socketDir, Optional<String> netns, Consumer<WireGuardGoProcess> onRestart) {
        this.name = name;
        this.socketDir = socketDir;
        this.netns = netns;
        this.logFile = socketDir.resolve(name + ".log");
        this.onRestart = onRestart;
    }

    String name() {
        return name;
    }

    /** How many times the supervisor restarted the process. */
    int restarts() {
        return restarts;
    }

    /** The process id of the running wireguard-go (the launch chain execs into it), or -1. */
    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** Creates the socket directory as 0700, or tightens an existing one to 0700. */
    static void createPrivateDirectory(Path dir) {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new WireGuardException("cannot create the wireguard-go socket directory " + dir + ": " + e.getMessage(), e);
        }
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
                // After a reboot the pid may belong to anything: only ever stop a wireguard-go.
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
                        .filter(h -> h.info().command().map(c -> c.endsWith("/wireguard-go")).orElse(false)).ifPresent(h -> {
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
        try {
            awaitSocket(timeout);
        } catch (WireGuardException e) {
            kill(process);
            throw e;
        }
        supervisor = Thread.ofPlatform().daemon().name("wireguard-go-" + name).start(this::supervise);
    }

    private void launch() {
        List<String> cmd = new ArrayList<>();
        netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
        cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mkdir -p /var/run/wireguard && mount --bind \"$0\" /var/run/wireguard && exec wireguard-go -f \"$1\"",
                socketDir.toString(), name));
        try {
            createPrivateDirectory(socketDir);
            if (!Files.exists(logFile)) {
                Files.createFile(logFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
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
        throw new WireGuardException("wireguard-go for " + name + " did not open " + socket() + " within " + timeout.toMillis()
                + " ms; its output is in " + logFile);
    }

    private void supervise() {
        long backoff = 1000;
        long startedAt = System.nanoTime();
        while (!stopping) {
            Process p = process;
            try {
                int code = p.waitFor();
                if (stopping) {
                    return;
                }
                if (System.nanoTime() - startedAt > HEALTHY_RUN_NANOS) {
                    backoff = 1000;
                }
                LOG.log(System.Logger.Level.WARNING, "wireguard-go for " + name + " exited with " + code
                        + "; restarting in " + backoff + " ms (output in " + logFile + ")");
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
                synchronized (this) {
                    if (stopping) {
                        return;
                    }
                    launch();
                }
                startedAt = System.nanoTime();
                awaitSocket(RESTART_TIMEOUT);
                restarts++;
                LOG.log(System.Logger.Level.INFO, "wireguard-go for " + name + " restarted; reapplying its configuration");
                onRestart.accept(this);
            } catch (InterruptedException e) {
                return;
            } catch (WireGuardException e) {
                if (stopping) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "restarting wireguard-go for " + name + ": " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "supervisor of wireguard-go for " + name + " failed", e);
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
        kill(process);
        try {
            Files.deleteIfExists(socket());
            Files.deleteIfExists(pidFile(socketDir, name));
        } catch (IOException ignored) {
            // wireguard-go removes it itself; this is only for a killed process
        }
    }

    private static void kill(Process p) {
        if (p == null) {
            return;
        }
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
