package io.patronus.appliance.tunnel;

import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The desired tunnel state derived from this appliance's links and the site list: one WireGuard interface per link
 * colour ({@code wg-<colour>}, listen port 51820 + its position in the link list), one peer per active remote site
 * that has an endpoint of that colour, carrying the site's LAN prefixes as allowed IPs; a routing table per colour
 * ({@code 1000 + position}) sending every remote prefix into its interface; a policy rule per colour on its fwmark
 * ({@code (position + 1) << 8} under mask {@code 0xff00}, set later by the eBPF classifier); and one rule without a
 * mark that sends unmarked traffic to the default colour's table.
 */
public record TunnelPlan(List<InterfacePlan> interfaces, Map<Integer, Map<IpPrefix, String>> routes,
                         List<HostNetwork.Rule> rules) {
    public static final int BASE_PORT = 51820;
    public static final int BASE_TABLE = 1000;
    public static final int RULE_PRIORITY_BASE = 10000;
    /** The rule priorities this appliance owns; rules outside the range are never touched. */
    public static final int RULE_PRIORITY_MAX = 10199;
    public static final int DEFAULT_RULE_PRIORITY = 10100;
    public static final long MARK_MASK = 0xff00;
    public static final int MTU = 1420;
    public static final String PREFIX = "wg-";

    /** One WireGuard interface and its peers keyed by base64 public key. */
    public record InterfacePlan(String name, String colour, int listenPort, int table, long fwmark,
                                Map<String, PeerPlan> peers) {
    }

    /** One peer: the remote site, its key, where to reach it and what it carries. */
    public record PeerPlan(String siteId, String publicKey, Optional<InetSocketAddress> endpoint, List<IpPrefix> allowedIps) {
        public byte[] publicKeyBytes() {
            return Base64.getDecoder().decode(publicKey);
        }
    }

    public static String interfaceName(String colour) {
        return PREFIX + colour;
    }

    /**
     * Computes the plan.
     *
     * @param localSiteId   this appliance's site (never a peer of itself)
     * @param links         local links in configuration order (the order fixes ports, tables and marks)
     * @param sites         every known site
     * @param defaultColour the colour unmarked traffic uses
     */
    public static TunnelPlan of(String localSiteId, List<Link> links, List<Site> sites, String defaultColour) {
        List<InterfacePlan> ifaces = new ArrayList<>();
        Map<Integer, Map<IpPrefix, String>> routes = new TreeMap<>();
        List<HostNetwork.Rule> rules = new ArrayList<>();
        List<Site> remote = sites.stream()
                .filter(s -> !s.id().equals(localSiteId) && s.status() == SiteStatus.ACTIVE)
                .sorted(Comparator.comparing(Site::id)).toList();
        for (int i = 0; i < links.size(); i++) {
            Link link = links.get(i);
            String name = interfaceName(link.colour());
            int table = BASE_TABLE + i;
            long mark = (long) (i + 1) << 8;
            Map<String, PeerPlan> peers = new LinkedHashMap<>();
            Map<IpPrefix, String> tableRoutes = new TreeMap<>(Comparator.comparing(IpPrefix::toString));
            for (Site s : remote) {
                Endpoint ep = s.endpoints().get(link.colour());
                if (ep == null) {
                    continue;
                }
                peers.put(s.publicKey(), new PeerPlan(s.id(), s.publicKey(), resolve(ep), s.lanPrefixes()));
                for (IpPrefix p : s.lanPrefixes()) {
                    tableRoutes.put(p, name);
                }
            }
            ifaces.add(new InterfacePlan(name, link.colour(), BASE_PORT + i, table, mark, peers));
            routes.put(table, tableRoutes);
            rules.add(new HostNetwork.Rule(RULE_PRIORITY_BASE + i, mark, MARK_MASK, table));
            if (link.colour().equals(defaultColour)) {
                rules.add(new HostNetwork.Rule(DEFAULT_RULE_PRIORITY, 0, 0, table));
            }
        }
        return new TunnelPlan(List.copyOf(ifaces), routes, List.copyOf(rules));
    }

    /** A literal address is used as is; a name is resolved now (and again at the next reconcile if it fails). */
    private static Optional<InetSocketAddress> resolve(Endpoint ep) {
        InetSocketAddress a = new InetSocketAddress(ep.host(), ep.port());
        return a.isUnresolved() ? Optional.empty() : Optional.of(a);
    }
}
