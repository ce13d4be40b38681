package io.patronus.appliance.netlink.genl;

import io.patronus.appliance.netlink.NetlinkException;

/**
 * The kernel has no generic netlink family of this name (CTRL_CMD_GETFAMILY answered ENOENT): for {@code wireguard}
 * this means the WireGuard module is not loaded or not built, so the userspace backend must be used.
 */
public final class FamilyNotFoundException extends NetlinkException {
    private final String family;

    public FamilyNotFoundException(String family) {
        super("generic netlink family '" + family + "' does not exist in this kernel (CTRL_CMD_GETFAMILY: ENOENT)"
                + ("wireguard".equals(family) ? ": the WireGuard kernel module is absent; use the userspace backend" : ""),
                "CTRL_CMD_GETFAMILY (resolve family)", "family '" + family + "'", 2);
        this.family = family;
    }

    public String family() {
        return family;
    }
}
