package io.patronus.appliance.tunnel;

import io.patronus.model.IpPrefix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routing state kept in memory: for tests and the unprivileged demo. Links "exist" when the WireGuard backend says
 * so (it is given a view of the backend's interfaces); operations are counted, and the last {@value #KEPT} recorded,
 * so tests can assert that re-applying a plan performs none (a demo appliance running for weeks keeps no more).
 */
public final class InMemoryHostNetwork implements HostNetwork {
    private final java.util.function.Supplier<java.util.Collection<String>> links;
    private final Map<String, Integer> up = new ConcurrentHashMap<>();
    private final Map<Integer, Map<IpPrefix, String>> tables = new HashMap<>();
    private final List<Rule> rules = new ArrayList<>();
    static final int KEPT = 1000;
    private final java.util.ArrayDeque<String> operations = new java.util.ArrayDeque<>();
    private long operationCount;
    private final java.util.SortedSet<Integer> reservedPorts = new java.util.TreeSet<>();

    public InMemoryHostNetwork(java.util.function.Supplier<java.util.Collection<String>> links) {
        this.links = links;
    }

    @Override
    public synchronized void linkUp(String ifname, int mtu) {
        if (!linkExists(ifname)) {
            throw new IllegalStateException("link " + ifname + " does not exist");
        }
        if (!Integer.valueOf(mtu).equals(up.get(ifname))) {
            up.put(ifname, mtu);
            record("link up " + ifname + " mtu " + mtu);
        }
    }

    @Override
    public boolean linkExists(String ifname) {
        return Set.copyOf(links.get()).contains(ifname);
    }

    @Override
    public synchronized void reservePorts(Set<Integer> ports) {
        java.util.SortedSet<Integer> missing = new java.util.TreeSet<>(ports);
        missing.removeAll(reservedPorts);
        if (!missing.isEmpty()) {
            reservedPorts.addAll(missing);
            record("reserve ports " + missing);
        }
    }

    /** The ports reserved so far. */
    public synchronized Set<Integer> reservedPorts() {
        return Set.copyOf(reservedPorts);
    }

    @Override
    public synchronized List<Route> routes(int table) {
        return tables.getOrDefault(table, Map.of()).entrySet().stream().map(e -> new Route(e.getKey(), e.getValue()))
                .sorted(Comparator.comparing(r -> r.destination().toString())).toList();
    }

    @Override
    public synchronized void replaceRoute(int table, IpPrefix destination, String ifname) {
        String old = tables.computeIfAbsent(table, t -> new TreeMap<>(Comparator.comparing(IpPrefix::toString))).put(destination, ifname);
        if (!ifname.equals(old)) {
            record("route replace " + destination + " dev " + ifname + " table " + table);
        }
    }

    @Override
    public synchronized void deleteRoute(int table, IpPrefix destination) {
        if (tables.getOrDefault(table, new HashMap<>()).remove(destination) != null) {
            record("route del " + destination + " table " + table);
        }
    }

    @Override
    public synchronized List<Rule> rules(int fromPriority, int toPriority) {
        return rules.stream().filter(r -> r.priority() >= fromPriority && r.priority() <= toPriority).toList();
    }

    @Override
    public synchronized void addRule(Rule rule) {
        rules.add(rule);
        record("rule add " + rule);
    }

    @Override
    public synchronized void deleteRule(Rule rule) {
        if (rules.remove(rule)) {
            record("rule del " + rule);
        }
    }

    private void record(String operation) {
        if (operations.size() == KEPT) {
            operations.removeFirst();
        }
        operations.addLast(operation);
        operationCount++;
    }

    /** The last {@value #KEPT} changes, as text, oldest first. */
    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    /** How many changes were made since this network was created. */
    public synchronized long operationCount() {
        return operationCount;
    }
}
