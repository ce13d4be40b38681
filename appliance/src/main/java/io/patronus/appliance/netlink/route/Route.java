package io.patronus.appliance.netlink.route;

import io.patronus.model.IpPrefix;

import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A unicast route in a routing table: destination, the table (any u32, sent as RTA_TABLE so tables above 255
 * work), and a gateway and/or output interface. {@code scope} is LINK for a directly connected route without a
 * gateway, UNIVERSE otherwise, as {@code ip route} chooses.
 */
public record Route(IpPrefix destination, int table, Optional<InetAddress> gateway, OptionalInt outputInterface,
                    OptionalInt metric, int protocol, int scope) {
    public Route {
        if (gateway.isEmpty() && outputInterface.isEmpty()) {
            throw new IllegalArgumentException("route to " + destination + " needs a gateway or an output interface");
        }
        gateway.ifPresent(g -> {
            if (g.getAddress().length != destination.address().length) {
                throw new IllegalArgumentException("gateway " + g.getHostAddress() + " is not of the family of " + destination);
            }
        });
    }

    /** A route out of interface {@code index} with no gateway (scope link, protocol static). */
    public static Route device(IpPrefix destination, int table, int index) {
        return new Route(destination, table, Optional.empty(), OptionalInt.of(index), OptionalInt.empty(), Rtnl.RTPROT_STATIC,
                Rtnl.RT_SCOPE_LINK);
    }

    /** A route via {@code gateway}, optionally pinned to interface {@code index} (scope universe, protocol static). */
    public static Route via(IpPrefix destination, int table, InetAddress gateway, OptionalInt index) {
        return new Route(destination, table, Optional.of(gateway), index, OptionalInt.empty(), Rtnl.RTPROT_STATIC,
                Rtnl.RT_SCOPE_UNIVERSE);
    }

    public int family() {
        return destination.isIpv4() ? Rtnl.AF_INET : Rtnl.AF_INET6;
    }

    /** The same route with a metric (RTA_PRIORITY). */
    public Route withMetric(int m) {
        return new Route(destination, table, gateway, outputInterface, OptionalInt.of(m), protocol, scope);
    }

    @Override
    public String toString() {
        return destination + gateway.map(g -> " via " + g.getHostAddress()).orElse("")
                + (outputInterface.isPresent() ? " dev #" + outputInterface.getAsInt() : "") + " table " + Integer.toUnsignedString(table)
                + (metric.isPresent() ? " metric " + metric.getAsInt() : "");
    }
}
