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
import java.util.function.Consumer;

/**
 * WireGuard in userspace for kernels without the module: one supervised {@code wireguard-go} per interface,
 * configured over its UAPI socket. A wireguard-go left running by an earlier appliance process (after a crash) is
 * adopted rather than restarted, so its tunnels keep their sessions across an appliance restart.
 *
 * <p>Configuration goes through the UAPI's update semantics: {@link #configure} sends only the listed changes, so
 * live peers keep their sessions and counters; {@code replace_peers} is sent only when the config asks for it. Every
 * accepted change is also folded into a per-interface {@link UapiDesiredConfig}; when the supervisor restarts a
 * wireguard-go that died, the new (empty) device gets all of it back at once, and the restart listener is told so
 * that the owner can restore what lives outside WireGuard (addresses, link state, routes) on the new TUN device.
 */
public final class UserspaceWireGuard implements WireGuardBackend {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private final Path socketDir;
    private final Optional<String> netns;
    private static final System.Logger LOG = System.getLogger(UserspaceWireGuard.class.getName());
    private final Map<String, WireGuardGoProcess> processes = new ConcurrentHashMap<>();
    private final Map<String, UapiDesiredConfig> desired = new ConcurrentHashMap<>();
    private final Consumer<String> restarted;

    /**
     * @param socketDir where the UAPI sockets, pid files and logs live (one directory per appliance, created 0700)
     * @param netns     a network namespace to start wireguard-go in, when the appliance itself is not running in it
     */
    public UserspaceWireGuard(Path socketDir, Optional<String> netns) {
        this(socketDir, netns, name -> {
        });
    }

    /**
     * @param restarted called with the interface name after a wireguard-go that died was restarted and given its
     *                  WireGuard configuration back; its TUN device is new, so it is down and without addresses
     */
    public UserspaceWireGuard(Path socketDir, Optional<String> netns, Consumer<String> restarted) {
        this.socketDir = socketDir;
        this.netns = netns;
        this.restarted = restarted;
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
        desired.remove(name);
        WireGuardGoProcess fresh = new WireGuardGoProcess(name, socketDir, netns, this::replay);
        fresh.start(START_TIMEOUT);
        processes.put(name, fresh);
    }

    @Override
    public synchronized void deleteInterface(String name) {
        desired.remove(name);
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
        UapiDesiredConfig d = desired.computeIfAbsent(name, n -> new UapiDesiredConfig());
        synchronized (d) {
            try {
                set(name, config);
            } catch (WireGuardException e) {
                if (d.isEmpty()) {
                    desired.remove(name, d); // never configured: do not keep an entry for a name that may not exist
                }
                throw e;
            }
            d.apply(config);
        }
    }

    private void set(String name, DeviceConfig config) {
        String answer;
        try {
            answer = UapiClient.exchange(socket(name), UapiCodec.set(config));
        } catch (WireGuardException e) {
            throw new WireGuardException("configure " + name + ": " + e.getMessage(), e);
        }
        int errno = UapiCodec.errno(answer);
        if (errno != 0) {
            throw new WireGuardException("configure " + name + " via UAPI failed with errno " + errno + errnoMeaning(errno, config)
                    + " (" + config + ")");
        }
    }

    /** What wireguard-go's UAPI errors (negative errno values) mean for the operator, for the ones a config can cause. */
    static String errnoMeaning(int errno, DeviceConfig config) {
        return switch (-errno) {
            case 98 -> ": listen port " + (config.listenPort().isPresent() ? config.listenPort().getAsInt() : "?")
                    + " is already in use by another process in this network namespace";
            case 22 -> ": wireguard-go refused a value (EINVAL)";
            case 5 -> ": wireguard-go could not apply it (EIO), see its log";
            default -> "";
        };
    }

    /** Gives a restarted wireguard-go everything it had; runs on that interface's supervisor thread. */
    private void replay(WireGuardGoProcess p) {
        UapiDesiredConfig d = desired.get(p.name());
        if (d != null) {
            synchronized (d) {
                if (!d.isEmpty()) {
                    set(p.name(), d.full());
                }
            }
        }
        try {
            restarted.accept(p.name());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "restart listener failed for " + p.name(), e);
        }
    }

    /** How many times the supervisor has restarted this interface's wireguard-go (0 when not supervised here). */
    public int restarts(String name) {
        WireGuardGoProcess p = processes.get(name);
        return p == null ? 0 : p.restarts();
    }

    /** The process id of this interface's supervised wireguard-go, for diagnostics. */
    public Optional<Long> pid(String name) {
        WireGuardGoProcess p = processes.get(name);
        return p == null || !p.alive() ? Optional.empty() : Optional.of(p.pid());
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
