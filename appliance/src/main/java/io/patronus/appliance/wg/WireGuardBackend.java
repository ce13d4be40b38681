package io.patronus.appliance.wg;

import java.util.List;
import java.util.Optional;

/**
 * One way of running WireGuard interfaces: kernel WireGuard over generic netlink, wireguard-go over its UAPI socket,
 * or an in-memory model for tests and the unprivileged demo. The reconciler talks only to this interface.
 * Implementations are thread-safe; every method either completes or throws {@link WireGuardException} naming the
 * operation and the interface.
 */
public interface WireGuardBackend extends AutoCloseable {
    /** {@code kernel}, {@code userspace} or {@code memory}. */
    String kind();

    /** Creates the interface if it does not exist (a no-op if it does). It is left down and without addresses. */
    void ensureInterface(String name);

    /** Deletes the interface if it exists. */
    void deleteInterface(String name);

    /** The WireGuard interfaces this backend can see. */
    List<String> interfaces();

    /** Applies a device configuration: only the listed changes, so live peers keep their sessions and counters. */
    void configure(String name, DeviceConfig config);

    /** Reads the device back, with per-peer handshake and traffic counters; empty if the interface does not exist. */
    Optional<DeviceState> read(String name);

    @Override
    void close();
}
