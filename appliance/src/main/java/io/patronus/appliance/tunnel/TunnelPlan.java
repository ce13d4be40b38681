package io.patronus.appliance.tunnel;

import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.provisioning.PeerKeys;

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
 *
 * <p>A remote site that rotates its key has a second peer entry per colour (same endpoint): its {@link Role#NEXT next}
 * key, which takes over the site's allowed IPs once it completed a handshake (the reconciler decides that from the
 * device), or its {@link Role#RETIRING retiring} key, which carries none. An allowed IP belongs to one peer of an
 * interface, so at any moment exactly one of a site's entries carries its prefixes.
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

    /** Which of a remote site's keys a peer entry is for. */
    public enum Role {
        /** The site's key: carries its allowed IPs, unless its next key took over. */
        CURRENT,
        /** The key the site will switch to: carries the allowed IPs once it completed a handshake. */
        NEXT,
        /** The key the site switched away from: kept, without allowed IPs, until the controller drops it. */
        RETIRING
    }

    /**
     * One peer entry: the remote site, one of its keys, where to reach it, and the allowed IPs it carries when it is
     * the site's active entry ({@link Role#CURRENT} before a handover, {@link Role#NEXT} after it; never a
     * {@link Role#RETIRING} one).
     */
    public record PeerPlan(String siteId, String publicKey, Optional<InetSocketAddress> endpoint, List<IpPrefix> allowedIps,
                           Role role) {
        public PeerPlan(String siteId, String publicKey, Optional<InetSocketAddress> endpoint, List<IpPrefix> allowedIps) {
            this(siteId, publicKey, endpoint, allowedIps, Role.CURRENT);
        }

        public byte[] publicKeyBytes() {
            return Base64.getDecoder().decode(publicKey);
        }

        /** The same entry carrying {@code ips}. */
        public PeerPlan withAllowedIps(List<IpPrefix> ips) {
            return new PeerPlan(siteId, publicKey, endpoint, ips, role);
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
        return of(localSiteId, links, sites, Map.of(), defaultColour);
    }

    /**
     * Computes the plan with the extra keys of rotating sites.
     *
     * @param peerKeys site id to its next or retiring key (from the controller's bundle); keys equal to the site's
     *                 current one are ignored
     */
    public static TunnelPlan of(String localSiteId, List<Link> links, List<Site> sites, Map<String, PeerKeys> peerKeys,
                                String defaultColour) {
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
                Optional<InetSocketAddress> at = resolve(ep);
                peers.put(s.publicKey(), new PeerPlan(s.id(), s.publicKey(), at, s.lanPrefixes(), Role.CURRENT));
                PeerKeys extra = peerKeys.get(s.id());
                if (extra != null) {
                    extra.next().filter(k -> !peers.containsKey(k))
                            .ifPresent(k -> peers.put(k, new PeerPlan(s.id(), k, at, s.lanPrefixes(), Role.NEXT)));
                    extra.retiring().filter(k -> !peers.containsKey(k))
                            .ifPresent(k -> peers.put(k, new PeerPlan(s.id(), k, at, List.of(), Role.RETIRING)));
                }
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
