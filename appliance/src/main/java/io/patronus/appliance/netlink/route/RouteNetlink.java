package io.patronus.appliance.netlink.route;

import io.patronus.appliance.netlink.Netlink;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NetlinkSocket;
import io.patronus.appliance.netlink.NlMessage;

import io.patronus.model.IpPrefix;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An rtnetlink client: links (create by kind, delete, MTU, up/down, list with kind), addresses, routes in any table,
 * and fwmark rules. Every failure is a {@link io.patronus.appliance.netlink.NetlinkException} naming the request
 * (e.g. {@code RTM_NEWROUTE (add route)}) and the object. Thread-safe: requests are serialised on one socket.
 */
public final class RouteNetlink implements AutoCloseable {
    private static final int ENOENT = 2;
    private final NetlinkSocket socket;
    /** Whether the kernel filters dumps for us (NETLINK_GET_STRICT_CHK). */
    private final boolean strict;

    private RouteNetlink(NetlinkSocket socket) {
        this.socket = socket;
        this.strict = socket.strictChecking();
    }

    /** A client in the caller's network namespace. */
    public static RouteNetlink open() {
        return new RouteNetlink(NetlinkSocket.open(Netlink.NETLINK_ROUTE));
    }

    /** A client in the namespace of {@code namespaceFile} ({@code /var/run/netns/NAME}), or ours when empty. */
    public static RouteNetlink open(Optional<Path> namespaceFile) {
        return new RouteNetlink(NetlinkSocket.open(Netlink.NETLINK_ROUTE, namespaceFile));
    }

    /** The namespace file this client was opened in, empty for the caller's own namespace. */
    public Optional<Path> namespace() {
        return socket.namespace();
    }

    /** Creates link {@code name} of {@code kind}; EEXIST if it exists, EOPNOTSUPP if the kernel lacks the kind. */
    public void addLink(String name, String kind) {
        socket.execute(RouteMessages.newLink(name, kind), "RTM_NEWLINK (create link)", "link '" + name + "' of kind " + kind);
    }

    /** Creates the veth pair {@code name} / {@code peer} in this namespace. */
    public void addVethPair(String name, String peer) {
        socket.execute(RouteMessages.newVethPair(name, peer), "RTM_NEWLINK (create link)", "veth pair '" + name + "'/'" + peer + "'");
    }

    /** Deletes link {@code name}; ENODEV if it does not exist. */
    public void deleteLink(String name) {
        socket.execute(RouteMessages.deleteLink(name), "RTM_DELLINK (delete link)", "link '" + name + "'");
    }

    public void setMtu(String name, int mtu) {
        socket.execute(RouteMessages.setMtu(name, mtu), "RTM_NEWLINK (set MTU " + mtu + ")", "link '" + name + "'");
    }

    public void setUp(String name, boolean up) {
        socket.execute(RouteMessages.setUp(name, up), "RTM_NEWLINK (set " + (up ? "up" : "down") + ")", "link '" + name + "'");
    }

    /** Every link in the namespace. */
    public List<Link> links() {
        return socket.dump(RouteMessages.dumpLinks(), "RTM_GETLINK (list links)", "all links").stream()
                .filter(m -> m.type() == Rtnl.RTM_NEWLINK).map(RouteMessages::decodeLink).toList();
    }

    /** Link {@code name}, empty if there is none. */
    public Optional<Link> link(String name) {
        return links().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** The index of link {@code name}; ENODEV as a NetlinkException if there is none. */
    public int index(String name) {
        List<NlMessage> r = socket.request(RouteMessages.getLink(name), "RTM_GETLINK (look up link)", "link '" + name + "'");
        return r.stream().filter(m -> m.type() == Rtnl.RTM_NEWLINK).findFirst().map(RouteMessages::decodeLink).orElseThrow().index();
    }

    /** Adds {@code address/prefixLength} to link {@code name}; EEXIST if present. */
    public void addAddress(String name, InetAddress address, int prefixLength) {
        InterfaceAddress a = new InterfaceAddress(index(name), address, prefixLength);
        socket.execute(RouteMessages.address(true, a), "RTM_NEWADDR (add address)", "address " + address.getHostAddress() + "/"
                + prefixLength + " on '" + name + "'");
    }

    /** Removes {@code address/prefixLength} from link {@code name}; EADDRNOTAVAIL if absent. */
    public void deleteAddress(String name, InetAddress address, int prefixLength) {
        InterfaceAddress a = new InterfaceAddress(index(name), address, prefixLength);
        socket.execute(RouteMessages.address(false, a), "RTM_DELADDR (delete address)", "address " + address.getHostAddress() + "/"
                + prefixLength + " on '" + name + "'");
    }

    /** Every address of every family on every link. */
    public List<InterfaceAddress> addresses() {
        return socket.dump(RouteMessages.dumpAddresses(), "RTM_GETADDR (list addresses)", "all links").stream()
                .filter(m -> m.type() == Rtnl.RTM_NEWADDR).map(RouteMessages::decodeAddress).toList();
    }

    /** Adds a route; EEXIST if the same destination is already in the table. */
    public void addRoute(Route route) {
        socket.execute(RouteMessages.route(true, route), "RTM_NEWROUTE (add route)", "route " + route);
    }

    /** Deletes a route; ESRCH if there is no such route. */
    public void deleteRoute(Route route) {
        socket.execute(RouteMessages.route(false, route), "RTM_DELROUTE (delete route)", "route " + route);
    }

    /** Deletes the route of {@code table} to {@code destination}, whichever device or gateway it has; ESRCH if none. */
    public void deleteRoute(IpPrefix destination, int table) {
        socket.execute(RouteMessages.deleteRoute(destination, table), "RTM_DELROUTE (delete route)", "route " + destination
                + " table " + Integer.toUnsignedString(table));
    }

    /**
     * The IPv4 and IPv6 routes of {@code table} (unsigned). With strict checking the kernel sends that table only (an
     * appliance that also holds a full BGP table in main must not read it every reconcile); without, it sends every
     * route and they are filtered here.
     */
    public List<Route> routes(int table) {
        List<Route> out = new ArrayList<>();
        for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
            List<NlMessage> dumped;
            try {
                dumped = socket.dump(strict ? RouteMessages.dumpRoutes(family, table) : RouteMessages.dumpRoutes(family),
                        "RTM_GETROUTE (list routes)", "table " + Integer.toUnsignedString(table));
            } catch (NetlinkException e) {
                if (strict && e.errno() == ENOENT) {
                    continue; // no route of this family was ever put in the table
                }
                throw e;
            }
            for (NlMessage m : dumped) {
                if (m.type() == Rtnl.RTM_NEWROUTE) {
                    RouteMessages.decodeRoute(m).filter(r -> r.table() == table).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Adds a rule; EEXIST if an identical rule exists. */
    public void addRule(Rule rule) {
        socket.execute(RouteMessages.rule(true, rule), "RTM_NEWRULE (add rule)", "rule " + rule);
    }

    /** Deletes a rule; ENOENT if there is none. */
    public void deleteRule(Rule rule) {
        socket.execute(RouteMessages.rule(false, rule), "RTM_DELRULE (delete rule)", "rule " + rule);
    }

    /** The IPv4 and IPv6 rules, kernel defaults included. */
    public List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
            for (NlMessage m : socket.dump(RouteMessages.dumpRules(family), "RTM_GETRULE (list rules)", "all rules")) {
                if (m.type() == Rtnl.RTM_NEWRULE) {
                    out.add(RouteMessages.decodeRule(m));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        socket.close();
    }
}
