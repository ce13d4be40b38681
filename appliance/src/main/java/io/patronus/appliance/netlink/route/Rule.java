package io.patronus.appliance.netlink.route;

/**
 * A policy-routing rule {@code priority: [fwmark MARK/MASK] lookup TABLE}. A fwmark and fwmask of 0 mean the rule
 * has no fwmark match (as the kernel's default rules). Marks, masks and tables are unsigned 32-bit values.
 */
public record Rule(int family, int priority, int fwmark, int fwmask, int table) {
    public Rule {
        if (family != Rtnl.AF_INET && family != Rtnl.AF_INET6) {
            throw new IllegalArgumentException("rule family must be AF_INET (2) or AF_INET6 (10), was " + family);
        }
    }

    /** {@code ip rule add priority P fwmark MARK/MASK lookup TABLE} for IPv4. */
    public static Rule fwmark(int priority, int mark, int mask, int table) {
        return new Rule(Rtnl.AF_INET, priority, mark, mask, table);
    }

    @Override
    public String toString() {
        return (family == Rtnl.AF_INET6 ? "inet6 " : "") + Integer.toUnsignedString(priority) + ": "
                + (fwmark != 0 || fwmask != 0 ? "fwmark 0x" + Integer.toHexString(fwmark) + "/0x" + Integer.toHexString(fwmask) + " " : "")
                + "lookup " + Integer.toUnsignedString(table);
    }
}
