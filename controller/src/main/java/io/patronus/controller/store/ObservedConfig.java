package io.patronus.controller.store;

import io.patronus.provisioning.BundleConfig;

import java.util.Objects;
import java.util.Optional;

/**
 * What an appliance reported running, as the store keeps it: by reference when it is exactly the configuration of a
 * version published to it (the usual case: every appliance reports the bundle it just applied, and a mesh
 * configuration is as large as the fleet), in full only when it is not (local changes, drift).
 *
 * @param digest           content digest of the reported configuration (sites, policies, SLA classes)
 * @param publishedVersion the published version whose configuration it equals, 0 when none (then {@code config})
 * @param config           the reported configuration when it equals no published version known at report time
 */
public record ObservedConfig(String digest, long publishedVersion, Optional<BundleConfig> config) {
    public ObservedConfig {
        Objects.requireNonNull(digest, "digest");
        config = config == null ? Optional.empty() : config;
        if (publishedVersion < 0 || publishedVersion == 0 && config.isEmpty()) {
            throw new IllegalArgumentException("an observed configuration is either a published version or a configuration");
        }
    }

    /** The observed configuration equals the published configuration of {@code version}. */
    public static ObservedConfig published(String digest, long version) {
        return new ObservedConfig(digest, version, Optional.empty());
    }

    /** The observed configuration differs from what was published; kept whole. */
    public static ObservedConfig differing(String digest, BundleConfig config) {
        return new ObservedConfig(digest, 0, Optional.of(config));
    }
}
