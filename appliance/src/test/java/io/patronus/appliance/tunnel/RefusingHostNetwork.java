package io.patronus.appliance.tunnel;

import io.patronus.model.IpPrefix;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The in-memory host network, with route changes to one destination refused while a test says so, as the kernel
 * refuses a change it cannot make (with an error worded like {@code NetlinkException}'s).
 */
public final class RefusingHostNetwork implements HostNetwork {
    private final InMemoryHostNetwork delegate;
    private volatile Optional<IpPrefix> refusedReplace = Optional.empty();
    private volatile Optional<IpPrefix> refusedDelete = Optional.empty();

    public RefusingHostNetwork(InMemoryHostNetwork delegate) {
        this.delegate = delegate;
    }

    /** Adding or replacing the route to {@code destination} fails from now on (empty: none does). */
    public RefusingHostNetwork refuseReplace(Optional<IpPrefix> destination) {
        refusedReplace = destination;
        return this;
    }

    /** Deleting the route to {@code destination} fails from now on (empty: none does). */
    public RefusingHostNetwork refuseDelete(Optional<IpPrefix> destination) {
        refusedDelete = destination;
        return this;
    }

    @Override
    public void linkUp(String ifname, int mtu) {
        delegate.linkUp(ifname, mtu);
    }

    @Override
    public boolean linkExists(String ifname) {
        return delegate.linkExists(ifname);
    }

    @Override
    public List<Route> routes(int table) {
        return delegate.routes(table);
    }

    @Override
    public void replaceRoute(int table, IpPrefix destination, String ifname) {
        if (refusedReplace.filter(destination::equals).isPresent()) {
            throw new IllegalStateException("RTM_NEWROUTE (add route) on route " + destination + " table " + table
                    + " failed: EINVAL (Invalid argument)");
        }
        delegate.replaceRoute(table, destination, ifname);
    }

    @Override
    public void deleteRoute(int table, IpPrefix destination) {
        if (refusedDelete.filter(destination::equals).isPresent()) {
            throw new IllegalStateException("RTM_DELROUTE (delete route) on route " + destination + " table " + table
                    + " failed: ESRCH (No such process)");
        }
        delegate.deleteRoute(table, destination);
    }

    @Override
    public List<Rule> rules(int fromPriority, int toPriority) {
        return delegate.rules(fromPriority, toPriority);
    }

    @Override
    public void addRule(Rule rule) {
        delegate.addRule(rule);
    }

    @Override
    public void deleteRule(Rule rule) {
        delegate.deleteRule(rule);
    }

    @Override
    public void reservePorts(Set<Integer> ports) {
        delegate.reservePorts(ports);
    }
}
