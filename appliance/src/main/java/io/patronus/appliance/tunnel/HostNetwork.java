package io.patronus.appliance.tunnel;

import io.patronus.model.IpPrefix;

import java.util.List;
import java.util.Set;

/**
 * The host's routing state that the tunnel reconciler manages next to the WireGuard devices: links up, routes in the
 * per-colour tables, and the policy rules that pick a table. Implemented over rtnetlink for real hosts and in memory
 * for tests and the unprivileged demo. Every method is idempotent, so re-applying the same plan changes nothing.
 */
public interface HostNetwork {
    /** Sets the link up (and its MTU); the link must exist. */
    void linkUp(String ifname, int mtu);

    /** Whether a link of that name exists. */
    boolean linkExists(String ifname);

    /** Routes in {@code table} (destination and output interface). */
    List<Route> routes(int table);

    /** Adds or replaces the route to {@code destination} in {@code table} through {@code ifname}. */
    void replaceRoute(int table, IpPrefix destination, String ifname);

    void deleteRoute(int table, IpPrefix destination);

    /** Policy rules with a priority in [{@code fromPriority}, {@code toPriority}] (the range this appliance owns). */
    List<Rule> rules(int fromPriority, int toPriority);

    void addRule(Rule rule);

    void deleteRule(Rule rule);

    /**
     * Keeps the kernel from giving {@code ports} to sockets bound without a port, so that the WireGuard listen ports
     * stay free for their devices; adds to what is reserved already. Best effort: a host that does not let us (a
     * read-only {@code /proc/sys} in a container) keeps working, with a warning.
     */
    void reservePorts(Set<Integer> ports);

    /** A route: where to and through which interface. */
    record Route(IpPrefix destination, String ifname) {
    }

    /**
     * A policy rule: packets with {@code fwmark} (under {@code mask}; mark 0 with mask 0 matches every packet) look up
     * {@code table}, tried in ascending {@code priority}.
     */
    record Rule(int priority, long fwmark, long mask, int table) {
    }
}
