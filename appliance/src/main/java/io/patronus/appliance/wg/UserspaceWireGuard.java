package io.patronus.appliance.wg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WireGuard in userspace for kernels without the module: one supervised {@code wireguard-go} per interface,
 * configured over its UAPI socket. A wireguard-go left running by an earlier appliance process (after a crash) is
 * adopted rather than restarted, so its tunnels keep their sessions across an appliance restart.
 */
public final class UserspaceWireGuard implements WireGuardBackend {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private final Path socketDir;
    private final Optional<String> netns;
    private final Map<String, WireGuardGoProcess> processes = new ConcurrentHashMap<>();

    /**
     * @param socketDir where the UAPI sockets, pid files and logs live (one directory per appliance)
     * @param netns     a network namespace to start wireguard-go in, when the appliance itself is not running in it
     */
    public UserspaceWireGuard(Path socketDir, Optional<String> netns) {
        this.socketDir = socketDir;
        this.netns = netns;
    }

    /** Whether wireguard-go can be started here (the binary exists and we are root). */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/wireguard-go")) && "root".equals(System.getProperty("user.name"));
    }

    @Override
    public String kind() {
        return "userspace";
    }

    private Path socket(String name) {
        return socketDir.resolve(name + ".sock");
    }

    private boolean answers(String name) {
        try {
            return UapiCodec.errno(UapiClient.exchange(socket(name), "get=1\n\n")) == 0;
        } catch (WireGuardException e) {
            return false;
        }
    }

    @Override
    public synchronized void ensureInterface(String name) {
        WireGuardGoProcess p = processes.get(name);
        if (p != null && p.alive() || answers(name)) {
            return;
        }
        if (p != null) {
            p.stop();
        }
        WireGuardGoProcess.stopOrphan(socketDir, name);
        WireGuardGoProcess fresh = new WireGuardGoProcess(name, socketDir, netns);
        fresh.start(START_TIMEOUT);
        processes.put(name, fresh);
    }

    @Override
    public synchronized void deleteInterface(String name) {
        WireGuardGoProcess p = processes.remove(name);
        if (p != null) {
            p.stop();
        } else {
            WireGuardGoProcess.stopOrphan(socketDir, name);
        }
    }

    @Override
    public List<String> interfaces() {
        TreeSet<String> names = new TreeSet<>(processes.keySet());
        try (var files = Files.list(socketDir)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".sock"))
                    .map(n -> n.substring(0, n.length() - 5)).filter(this::answers).forEach(names::add);
        } catch (IOException e) {
            // no socket directory yet: no interfaces
        }
        return List.copyOf(names);
    }

    @Override
    public void configure(String name, DeviceConfig config) {
        int errno = UapiCodec.errno(UapiClient.exchange(socket(name), UapiCodec.set(config)));
        if (errno != 0) {
            throw new WireGuardException("configure " + name + " via UAPI failed with errno " + errno + " (" + config + ")");
        }
    }

    @Override
    public Optional<DeviceState> read(String name) {
        if (!Files.exists(socket(name))) {
            return Optional.empty();
        }
        String answer;
        try {
            answer = UapiClient.exchange(socket(name), "get=1\n\n");
        } catch (WireGuardException e) {
            return Optional.empty(); // a stale socket of a dead process: the interface is gone
        }
        return Optional.of(UapiCodec.parseGet(name, answer));
    }

    /**
     * Stops supervising but leaves the wireguard-go processes running: tunnels carry traffic through an appliance
     * restart or upgrade, and the next start adopts them. Use {@link #deleteInterface} to remove one.
     */
    @Override
    public synchronized void close() {
        processes.values().forEach(WireGuardGoProcess::detach);
        processes.clear();
    }
}
