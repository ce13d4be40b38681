package io.patronus.appliance.dataplane;

import io.patronus.appliance.netlink.route.Link;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.tunnel.HostNetwork;
import io.patronus.model.IpPrefix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's routing over our rtnetlink client: links up, routes in the per-colour tables, policy rules. Changes
 * only what differs, so a reconcile with nothing to do sends no change request. Thread-safe (synchronized): one
 * netlink socket serves every call.
 */
public final class NetlinkHostNetwork implements HostNetwork, AutoCloseable {
    private static final int IFF_UP = 1;
    private static final int ESRCH = 3;
    private static final int EEXIST = 17;
    private static final System.Logger LOG = System.getLogger(NetlinkHostNetwork.class.getName());
    private final RouteNetlink rtnl;
    private final java.util.Set<Integer> reserved = new java.util.HashSet<>();
    private String lastReservationFailure = "";

    public NetlinkHostNetwork(RouteNetlink rtnl) {
        this.rtnl = rtnl;
    }

    @Override
    public synchronized void linkUp(String ifname, int mtu) {
        Link link = rtnl.link(ifname).orElseThrow(() -> new IllegalStateException("link " + ifname + " does not exist"));
        if (link.mtu() != mtu) {
            rtnl.setMtu(ifname, mtu);
        }
        if ((link.flags() & IFF_UP) == 0) {
            rtnl.setUp(ifname, true);
        }
    }

    @Override
    public synchronized boolean linkExists(String ifname) {
        return rtnl.link(ifname).isPresent();
    }

    private Map<Integer, String> names() {
        Map<Integer, String> byIndex = new HashMap<>();
        for (Link l : rtnl.links()) {
            byIndex.put(l.index(), l.name());
        }
        return byIndex;
    }

    @Override
    public synchronized List<HostNetwork.Route> routes(int table) {
        Map<Integer, String> byIndex = names();
        List<HostNetwork.Route> out = new ArrayList<>();
        for (io.patronus.appliance.netlink.route.Route r : rtnl.routes(table)) {
            if (r.outputInterface().isPresent() && r.gateway().isEmpty()) {
                out.add(new HostNetwork.Route(r.destination(), byIndex.getOrDefault(r.outputInterface().getAsInt(), "?")));
            }
        }
        return out;
    }

    @Override
    public synchronized void replaceRoute(int table, IpPrefix destination, String ifname) {
        io.patronus.appliance.netlink.route.Route route =
                io.patronus.appliance.netlink.route.Route.device(destination, table, rtnl.index(ifname));
        try {
            rtnl.addRoute(route);
        } catch (io.patronus.appliance.netlink.NetlinkException e) {
            // Only an existing route (through another interface) is replaced; listing the table first for every
            // route would make a 1,000-site reconcile quadratic.
            if (e.errno() != EEXIST) {
                throw e;
            }
            deleteIfPresent(table, destination);
            rtnl.addRoute(route);
        }
    }

    @Override
    public synchronized void deleteRoute(int table, IpPrefix destination) {
        deleteIfPresent(table, destination);
    }

    /**
     * Deletes the table's route to {@code destination} without listing the table first (removing many sites at once
     * stays linear). A route that is gone already (ESRCH: its interface went away, or someone removed it by hand) is the
     * state the caller wants, not a reason to fail the whole reconcile.
     */
    private void deleteIfPresent(int table, IpPrefix destination) {
        try {
            rtnl.deleteRoute(destination, table);
        } catch (io.patronus.appliance.netlink.NetlinkException e) {
            if (e.errno() != ESRCH) {
                throw e;
            }
        }
    }

    @Override
    public synchronized List<HostNetwork.Rule> rules(int fromPriority, int toPriority) {
        return rtnl.rules().stream()
                .filter(r -> Integer.compareUnsigned(r.priority(), fromPriority) >= 0 && Integer.compareUnsigned(r.priority(), toPriority) <= 0)
                .map(r -> new HostNetwork.Rule(r.priority(), Integer.toUnsignedLong(r.fwmark()), Integer.toUnsignedLong(r.fwmask()), r.table()))
                .toList();
    }

    @Override
    public synchronized void addRule(HostNetwork.Rule rule) {
        rtnl.addRule(io.patronus.appliance.netlink.route.Rule.fwmark(rule.priority(), (int) rule.fwmark(), (int) rule.mask(), rule.table()));
    }

    @Override
    public synchronized void deleteRule(HostNetwork.Rule rule) {
        rtnl.deleteRule(io.patronus.appliance.netlink.route.Rule.fwmark(rule.priority(), (int) rule.fwmark(), (int) rule.mask(), rule.table()));
    }

    @Override
    public synchronized void reservePorts(java.util.Set<Integer> ports) {
        if (reserved.containsAll(ports)) {
            return; // reserved by us before: an operator removing them again is not fought every reconcile
        }
        try {
            if (PortReservations.reserve(rtnl.namespace(), ports)) {
                LOG.log(System.Logger.Level.INFO, "reserved local ports " + new java.util.TreeSet<>(ports)
                        + " (net.ipv4.ip_local_reserved_ports) for the WireGuard listen ports");
            }
            reserved.addAll(ports);
            lastReservationFailure = "";
        } catch (DataPlaneException e) {
            // Tunnels work without it (the ports are merely exposed to a rare collision): warn once per reason.
            if (!e.getMessage().equals(lastReservationFailure)) {
                lastReservationFailure = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "could not reserve the WireGuard listen ports " + new java.util.TreeSet<>(ports)
                        + ": " + e.getMessage() + "; a socket bound without a port may take one of them before its device does");
            }
        }
    }

    @Override
    public synchronized void close() {
        rtnl.close();
    }
}
