package io.patronus.appliance.netlink.route;

/** rtnetlink constants from {@code linux/rtnetlink.h}, {@code if_link.h}, {@code if_addr.h} and {@code fib_rules.h}. */
public final class Rtnl {
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWRULE = 32;
    public static final int RTM_DELRULE = 33;
    public static final int RTM_GETRULE = 34;

    public static final int IFINFOMSG_LEN = 16;
    public static final int IFADDRMSG_LEN = 8;
    public static final int RTMSG_LEN = 12;
    public static final int FIB_RULE_HDR_LEN = 12;

    public static final int IFF_UP = 0x1;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_RUNNING = 0x40;

    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int VETH_INFO_PEER = 1;

    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;

    public static final int RTA_DST = 1;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_PRIORITY = 6;
    public static final int RTA_TABLE = 15;

    public static final int RT_TABLE_UNSPEC = 0;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RT_TABLE_LOCAL = 255;
    public static final int RTPROT_BOOT = 3;
    public static final int RTPROT_STATIC = 4;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int RT_SCOPE_NOWHERE = 255;
    public static final int RTN_UNICAST = 1;
    /** rtm_flags of a cached route exception (a PMTU or redirect entry), not a route of the table. */
    public static final int RTM_F_CLONED = 0x200;

    public static final int FR_ACT_TO_TBL = 1;
    public static final int FRA_PRIORITY = 6;
    public static final int FRA_FWMARK = 10;
    public static final int FRA_TABLE = 15;
    public static final int FRA_FWMASK = 16;

    private Rtnl() {
    }
}
