package io.patronus.appliance.netlink.route;

import java.util.Optional;

/** A network interface as RTM_GETLINK reports it; {@code kind} is IFLA_INFO_KIND (empty for physical devices). */
public record Link(int index, String name, int flags, int mtu, Optional<String> kind) {
    /** Whether IFF_UP is set (administratively up). */
    public boolean up() {
        return (flags & Rtnl.IFF_UP) != 0;
    }
}
