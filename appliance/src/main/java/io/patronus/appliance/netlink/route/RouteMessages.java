package io.patronus.appliance.netlink.route;

import io.patronus.appliance.netlink.Attributes;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.NlMessageWriter;
import io.patronus.model.IpPrefix;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

import static io.patronus.appliance.netlink.Netlink.NLM_F_ACK;
import static io.patronus.appliance.netlink.Netlink.NLM_F_CREATE;
import static io.patronus.appliance.netlink.Netlink.NLM_F_DUMP;
import static io.patronus.appliance.netlink.Netlink.NLM_F_EXCL;
import static io.patronus.appliance.netlink.Netlink.NLM_F_REQUEST;

/**
 * Pure builders and decoders for rtnetlink messages: configuration in, exact bytes out (sequence number 0, filled in
 * by the socket), and kernel replies in, records out. Kept apart from {@link RouteNetlink} so that tests can compare
 * bytes without a socket. Thread-safe (stateless).
 */
public final class RouteMessages {
    private static final int CHANGE = NLM_F_REQUEST | NLM_F_ACK;
    private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    private static final int DUMP = NLM_F_REQUEST | NLM_F_DUMP;

    private RouteMessages() {
    }

    private static NlMessageWriter ifinfomsg(int type, int flags, int index, int ifFlags, int change) {
        return NlMessageWriter.message(type, flags).u8(Rtnl.AF_UNSPEC).u8(0).u16(0).u32(index).u32(ifFlags).u32(change);
    }

    /** RTM_NEWLINK creating {@code name} of {@code kind} ({@code wireguard}, {@code dummy}, ...). */
    public static byte[] newLink(String name, String kind) {
        NlMessageWriter w = ifinfomsg(Rtnl.RTM_NEWLINK, CREATE, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, checkName(name));
        int info = w.beginNest(Rtnl.IFLA_LINKINFO);
        // Without a NUL, as iproute2 sends it (NLA_STRING accepts both).
        w.attr(Rtnl.IFLA_INFO_KIND, kind.getBytes(StandardCharsets.US_ASCII));
        w.endNest(info);
        return w.toBytes();
    }

    /** RTM_NEWLINK creating a veth pair {@code name} / {@code peer}. */
    public static byte[] newVethPair(String name, String peer) {
        NlMessageWriter w = ifinfomsg(Rtnl.RTM_NEWLINK, CREATE, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, checkName(name));
        int info = w.beginNest(Rtnl.IFLA_LINKINFO);
        w.attr(Rtnl.IFLA_INFO_KIND, "veth".getBytes(StandardCharsets.US_ASCII));
        int data = w.beginNest(Rtnl.IFLA_INFO_DATA);
        int p = w.beginNest(Rtnl.VETH_INFO_PEER);
        w.u8(Rtnl.AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0); // the peer's own ifinfomsg
        w.attrString(Rtnl.IFLA_IFNAME, checkName(peer));
        w.endNest(p);
        w.endNest(data);
        w.endNest(info);
        return w.toBytes();
    }

    /** RTM_DELLINK of {@code name}. */
    public static byte[] deleteLink(String name) {
        return ifinfomsg(Rtnl.RTM_DELLINK, CHANGE, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, checkName(name)).toBytes();
    }

    /** RTM_NEWLINK setting IFLA_MTU on {@code name}. */
    public static byte[] setMtu(String name, int mtu) {
        return ifinfomsg(Rtnl.RTM_NEWLINK, CHANGE, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, checkName(name)).attrU32(Rtnl.IFLA_MTU, mtu)
                .toBytes();
    }

    /** RTM_NEWLINK setting or clearing IFF_UP on {@code name} (change mask IFF_UP, so no other flag moves). */
    public static byte[] setUp(String name, boolean up) {
        return ifinfomsg(Rtnl.RTM_NEWLINK, CHANGE, 0, up ? Rtnl.IFF_UP : 0, Rtnl.IFF_UP).attrString(Rtnl.IFLA_IFNAME, checkName(name))
                .toBytes();
    }

    /** RTM_GETLINK dump of every link. */
    public static byte[] dumpLinks() {
        return ifinfomsg(Rtnl.RTM_GETLINK, DUMP, 0, 0, 0).toBytes();
    }

    /** RTM_GETLINK of one link by name. */
    public static byte[] getLink(String name) {
        return ifinfomsg(Rtnl.RTM_GETLINK, CHANGE, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, checkName(name)).toBytes();
    }

    /** RTM_NEWADDR ({@code add} true, with CREATE|EXCL) or RTM_DELADDR. */
    public static byte[] address(boolean add, InterfaceAddress a) {
        byte[] ip = a.address().getAddress();
        NlMessageWriter w = NlMessageWriter.message(add ? Rtnl.RTM_NEWADDR : Rtnl.RTM_DELADDR, add ? CREATE : CHANGE)
                .u8(a.family()).u8(a.prefixLength()).u8(0).u8(Rtnl.RT_SCOPE_UNIVERSE).u32(a.linkIndex());
        if (ip.length == 4) {
            w.attr(Rtnl.IFA_LOCAL, ip);
        }
        return w.attr(Rtnl.IFA_ADDRESS, ip).toBytes();
    }

    /** RTM_GETADDR dump of every address of every family. */
    public static byte[] dumpAddresses() {
        return NlMessageWriter.message(Rtnl.RTM_GETADDR, DUMP).u8(Rtnl.AF_UNSPEC).u8(0).u8(0).u8(0).u32(0).toBytes();
    }

    /** RTM_NEWROUTE (CREATE|EXCL) or RTM_DELROUTE; the table always goes in RTA_TABLE. */
    public static byte[] route(boolean add, Route r) {
        IpPrefix dst = r.destination();
        // Deleting matches any scope and protocol, as ip route del does.
        int scope = add ? r.scope() : Rtnl.RT_SCOPE_NOWHERE;
        int protocol = add ? r.protocol() : 0;
        NlMessageWriter w = NlMessageWriter.message(add ? Rtnl.RTM_NEWROUTE : Rtnl.RTM_DELROUTE, add ? CREATE : CHANGE)
                .u8(r.family()).u8(dst.length()).u8(0).u8(0).u8(smallTable(r.table())).u8(protocol).u8(scope).u8(Rtnl.RTN_UNICAST).u32(0);
        // Attribute order as ip route writes it, so the bytes can be compared with iproute2's.
        if (dst.length() > 0) {
            w.attr(Rtnl.RTA_DST, dst.address());
        }
        w.attrU32(Rtnl.RTA_TABLE, r.table());
        r.gateway().ifPresent(g -> w.attr(Rtnl.RTA_GATEWAY, g.getAddress()));
        r.outputInterface().ifPresent(i -> w.attrU32(Rtnl.RTA_OIF, i));
        r.metric().ifPresent(m -> w.attrU32(Rtnl.RTA_PRIORITY, m));
        return w.toBytes();
    }

    /**
     * RTM_DELROUTE of whatever route of {@code table} goes to {@code destination}, whatever its device, gateway, type,
     * scope or protocol, as {@code ip route del DST table T} sends it.
     */
    public static byte[] deleteRoute(IpPrefix destination, int table) {
        NlMessageWriter w = NlMessageWriter.message(Rtnl.RTM_DELROUTE, CHANGE)
                .u8(destination.isIpv4() ? Rtnl.AF_INET : Rtnl.AF_INET6).u8(destination.length()).u8(0).u8(0).u8(smallTable(table))
                .u8(0).u8(Rtnl.RT_SCOPE_NOWHERE).u8(0).u32(0);
        if (destination.length() > 0) {
            w.attr(Rtnl.RTA_DST, destination.address());
        }
        w.attrU32(Rtnl.RTA_TABLE, table);
        return w.toBytes();
    }

    /** RTM_GETROUTE dump of {@code family} (AF_INET / AF_INET6); tables are filtered by the caller. */
    public static byte[] dumpRoutes(int family) {
        return NlMessageWriter.message(Rtnl.RTM_GETROUTE, DUMP).u8(family).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0).toBytes();
    }

    /**
     * RTM_GETROUTE dump of {@code family} in {@code table} only (RTA_TABLE), as {@code ip route show table T} sends it;
     * the kernel filters only on a socket with strict checking ({@code NetlinkSocket#strictChecking}), and then answers
     * ENOENT for a table that does not exist yet.
     */
    public static byte[] dumpRoutes(int family, int table) {
        return NlMessageWriter.message(Rtnl.RTM_GETROUTE, DUMP).u8(family).u8(0).u8(0).u8(0).u8(smallTable(table)).u8(0).u8(0)
                .u8(0).u32(0).attrU32(Rtnl.RTA_TABLE, table).toBytes();
    }

    /** RTM_NEWRULE (CREATE|EXCL) or RTM_DELRULE for a {@code fwmark/mask -> table} rule. */
    public static byte[] rule(boolean add, Rule r) {
        NlMessageWriter w = NlMessageWriter.message(add ? Rtnl.RTM_NEWRULE : Rtnl.RTM_DELRULE, add ? CREATE : CHANGE)
                .u8(r.family()).u8(0).u8(0).u8(0).u8(smallTable(r.table())).u8(0).u8(0).u8(Rtnl.FR_ACT_TO_TBL).u32(0);
        // Attribute order as ip rule writes it.
        if (r.fwmark() != 0 || r.fwmask() != 0) {
            w.attrU32(Rtnl.FRA_FWMARK, r.fwmark());
            w.attrU32(Rtnl.FRA_FWMASK, r.fwmask());
        }
        w.attrU32(Rtnl.FRA_TABLE, r.table());
        w.attrU32(Rtnl.FRA_PRIORITY, r.priority());
        return w.toBytes();
    }

    /** RTM_GETRULE dump of {@code family}. */
    public static byte[] dumpRules(int family) {
        return NlMessageWriter.message(Rtnl.RTM_GETRULE, DUMP).u8(family).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0).toBytes();
    }

    private static int smallTable(int table) {
        return Integer.compareUnsigned(table, 256) < 0 ? table : Rtnl.RT_TABLE_UNSPEC;
    }

    static String checkName(String name) {
        if (name.isEmpty() || name.length() > 15 || name.contains("/") || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("interface name must be 1-15 characters without '/' or spaces, was '" + name + "'");
        }
        return name;
    }

    // ---- decoding ----

    /** A link from an RTM_NEWLINK reply. */
    public static Link decodeLink(NlMessage m) {
        Attributes a = m.attributes(Rtnl.IFINFOMSG_LEN);
        Optional<String> kind = a.get(Rtnl.IFLA_LINKINFO).flatMap(li -> li.nested().get(Rtnl.IFLA_INFO_KIND)).map(Attributes.Entry::string);
        return new Link(m.u32(4), a.get(Rtnl.IFLA_IFNAME).map(Attributes.Entry::string).orElse(""), m.u32(8),
                a.get(Rtnl.IFLA_MTU).map(Attributes.Entry::u32).orElse(0), kind);
    }

    /** An address from an RTM_NEWADDR reply (IFA_LOCAL when present: on point-to-point links IFA_ADDRESS is the peer). */
    public static InterfaceAddress decodeAddress(NlMessage m) {
        Attributes a = m.attributes(Rtnl.IFADDRMSG_LEN);
        Attributes.Entry addr = a.get(Rtnl.IFA_LOCAL).or(() -> a.get(Rtnl.IFA_ADDRESS))
                .orElseThrow(() -> NetlinkException.malformed("RTM_NEWADDR without IFA_LOCAL or IFA_ADDRESS"));
        return new InterfaceAddress(m.u32(4), addr.address(), m.u8(1));
    }

    /**
     * A route from an RTM_NEWROUTE reply; empty for routes this model does not describe (no gateway and no device) and
     * for cached exceptions ({@link Rtnl#RTM_F_CLONED}).
     *
     * <p>A dump without strict checking carries IPv4 nexthop exceptions too: the entry a PMTU update (ICMP "fragmentation
     * needed", a TCP segment larger than a tunnel's MTU) or a redirect leaves, for ten minutes, on the nexthop of the
     * route that carried the packet. It looks like a host route of the same table and device, but it is not one:
     * RTM_DELROUTE cannot remove it (ESRCH), and it outlives the route it came from when other routes share the nexthop,
     * as every route into a colour's WireGuard interface does. {@code ip route show} leaves them out the same way.
     */
    public static Optional<Route> decodeRoute(NlMessage m) {
        Attributes a = m.attributes(Rtnl.RTMSG_LEN); // checks that the 12-byte rtmsg is there
        if ((m.u32(8) & Rtnl.RTM_F_CLONED) != 0) {
            return Optional.empty();
        }
        int family = m.u8(0);
        int dstLen = m.u8(1);
        int table = a.get(Rtnl.RTA_TABLE).map(Attributes.Entry::u32).orElse(m.u8(4));
        byte[] dst = a.get(Rtnl.RTA_DST).map(Attributes.Entry::bytes).orElse(new byte[family == Rtnl.AF_INET6 ? 16 : 4]);
        Optional<InetAddress> gw = a.get(Rtnl.RTA_GATEWAY).map(Attributes.Entry::address);
        OptionalInt oif = a.get(Rtnl.RTA_OIF).map(e -> OptionalInt.of(e.u32())).orElse(OptionalInt.empty());
        OptionalInt metric = a.get(Rtnl.RTA_PRIORITY).map(e -> OptionalInt.of(e.u32())).orElse(OptionalInt.empty());
        if (gw.isEmpty() && oif.isEmpty() || dst.length != 4 && dst.length != 16) {
            return Optional.empty();
        }
        return Optional.of(new Route(new IpPrefix(dst, dstLen), table, gw, oif, metric, m.u8(5), m.u8(6)));
    }

    /** A rule from an RTM_NEWRULE reply. */
    public static Rule decodeRule(NlMessage m) {
        Attributes a = m.attributes(Rtnl.FIB_RULE_HDR_LEN);
        int table = a.get(Rtnl.FRA_TABLE).map(Attributes.Entry::u32).orElse(m.u8(4));
        return new Rule(m.u8(0), a.get(Rtnl.FRA_PRIORITY).map(Attributes.Entry::u32).orElse(0),
                a.get(Rtnl.FRA_FWMARK).map(Attributes.Entry::u32).orElse(0), a.get(Rtnl.FRA_FWMASK).map(Attributes.Entry::u32).orElse(0),
                table);
    }
}
