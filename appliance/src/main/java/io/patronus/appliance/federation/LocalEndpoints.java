package io.patronus.appliance.federation;

import io.patronus.appliance.tunnel.TunnelPlan;
import io.patronus.model.Endpoint;
import io.patronus.model.Link;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where other sites reach this appliance, per link colour, as reported at enrolment: the link interface's address
 * and the colour's WireGuard listen port ({@code 51820 +} the link's position, as {@link TunnelPlan} assigns it).
 * An IPv4 address is preferred, then a global IPv6 one; a link whose interface is missing or has no address is left
 * out (and logged), so its colour has no endpoint until the appliance enrols again or the controller is told.
 */
final class LocalEndpoints {
    private static final System.Logger LOG = System.getLogger(LocalEndpoints.class.getName());

    private LocalEndpoints() {
    }

    static Map<String, String> of(List<Link> links) {
        return of(links, LocalEndpoints::interfaceAddress);
    }

    static Map<String, String> of(List<Link> links, Function<String, Optional<InetAddress>> addressOf) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < links.size(); i++) {
            Link l = links.get(i);
            Optional<InetAddress> a = addressOf.apply(l.iface());
            if (a.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "federation: link " + l.name() + " (" + l.colour() + "): interface " + l.iface()
                        + " is missing or has no address; no " + l.colour() + " endpoint is reported to the controller");
                continue;
            }
            out.put(l.colour(), new Endpoint(text(a.get()), TunnelPlan.BASE_PORT + i).toString());
        }
        return out;
    }

    /** An address as text; IPv6 in the RFC 5952 short form (longest run of zero groups as "::"), no scope. */
    static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** The interface's first IPv4 address, else its first global IPv6 address. */
    static Optional<InetAddress> interfaceAddress(String iface) {
        try {
            NetworkInterface ni = NetworkInterface.getByName(iface);
            if (ni == null) {
                return Optional.empty();
            }
            List<InetAddress> all = Collections.list(ni.getInetAddresses());
            Optional<InetAddress> v4 = all.stream().filter(a -> a instanceof Inet4Address).findFirst();
            if (v4.isPresent()) {
                return v4;
            }
            return all.stream().filter(a -> a instanceof Inet6Address && !a.isLinkLocalAddress()).findFirst();
        } catch (SocketException e) {
            return Optional.empty();
        }
    }
}
