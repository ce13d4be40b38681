package io.patronus.appliance.netlink.route;

import java.net.InetAddress;

/** An address on an interface, such as {@code 100.64.0.1/24} on index 3 (host bits are allowed, unlike IpPrefix). */
public record InterfaceAddress(int linkIndex, InetAddress address, int prefixLength) {
    public InterfaceAddress {
        int max = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefixLength must be 0-" + max + " for " + address.getHostAddress() + ", was " + prefixLength);
        }
    }

    public int family() {
        return address.getAddress().length == 4 ? Rtnl.AF_INET : Rtnl.AF_INET6;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " on index " + linkIndex;
    }
}
