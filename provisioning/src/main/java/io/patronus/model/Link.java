package io.patronus.model;

import java.util.regex.Pattern;

/** A local WAN uplink of this appliance (a fibre port, an LTE modem), identified by its colour in the mesh. */
public record Link(String name, String iface, String colour, int priority, long bandwidthKbps) {
    private static final Pattern IFNAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,14}");

    public Link {
        Check.id("name", name);
        Check.required("iface", iface);
        if (!IFNAME.matcher(iface).matches()) {
            throw new ValidationException("iface", "format", "must be a Linux interface name of 1-15 characters, was '" + Check.clip(iface) + "'");
        }
        Check.colour("colour", colour);
        Check.range("priority", priority, 0, 1000);
        Check.range("bandwidthKbps", bandwidthKbps, 1, 1_000_000_000L);
    }
}
