package io.patronus.appliance.testing;

import io.patronus.appliance.Appliance;
import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.config.ConfigLoader;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A real appliance for integration tests: the production wiring ({@link Appliance#start}) on a free port of
 * 127.0.0.1 with a real data directory. Restarting on the same directory exercises recovery.
 */
public final class RunningAppliance implements AutoCloseable {
    private final Appliance appliance;
    private final String adminPassword;

    private RunningAppliance(Appliance appliance, String adminPassword) {
        this.appliance = appliance;
        this.adminPassword = adminPassword;
    }

    /** Starts on a fresh or existing data directory; on a fresh one the generated admin password is kept. */
    public static RunningAppliance start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    public static RunningAppliance start(Path dataDir, Map<String, String> extraEnv) {
        return start(dataDir, extraEnv, c -> c);
    }

    /** With the loaded configuration changed by {@code adjust} (file-only settings: {@code c.withSlaClasses(...)}). */
    public static RunningAppliance start(Path dataDir, Map<String, String> extraEnv, UnaryOperator<ApplianceConfig> adjust) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PATRONUS_DATA_DIR", dataDir.toString());
        env.putIfAbsent("PATRONUS_API_PORT", "0");
        env.putIfAbsent("PATRONUS_API_HOST", "127.0.0.1");
        // Tests run as root: without this, auto mode would start wireguard-go in the host's own namespace.
        env.putIfAbsent("PATRONUS_DATA_PLANE_MODE", "memory");
        ApplianceConfig config = adjust.apply(ConfigLoader.load(Optional.empty(), env));
        Appliance a = Appliance.start(config, Clock.systemUTC());
        return new RunningAppliance(a, a.generatedAdminPassword().orElse(null));
    }

    public URI baseUri() {
        return appliance.apiUri();
    }

    /** The admin password generated on first start of this data directory; fails on a restarted one. */
    public String adminPassword() {
        if (adminPassword == null) {
            throw new IllegalStateException("this data directory was not new: the admin password was generated earlier");
        }
        return adminPassword;
    }

    public Appliance appliance() {
        return appliance;
    }

    @Override
    public void close() {
        appliance.close();
    }
}
