package io.patronus.appliance.dataplane;

import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.appliance.wg.KernelWireGuard;
import io.patronus.appliance.wg.WireGuardBackend;

import java.util.Optional;

/** Factories for the real (netlink) host network and kernel WireGuard, in the appliance's own network namespace. */
final class HostNetworks {
    private HostNetworks() {
    }

    static HostNetwork netlink() {
        return new NetlinkHostNetwork(RouteNetlink.open());
    }

    static boolean kernelWireGuardAvailable() {
        return KernelWireGuard.available();
    }

    static WireGuardBackend kernelWireGuard() {
        return new KernelWireGuard(Optional.empty());
    }
}
