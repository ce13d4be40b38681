package io.patronus.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A site of the mesh: a branch or data centre with one appliance, reachable over one endpoint per link colour and
 * announcing the LAN prefixes behind it.
 */
public record Site(String id, String name, String location, String publicKey, Map<String, Endpoint> endpoints,
                   List<IpPrefix> lanPrefixes, SiteStatus status, Instant createdAt) {
    public Site {
        Check.id("id", id);
        Check.text("name", name, 128);
        location = Check.optionalText("location", location, 256);
        WireGuardKey.check("publicKey", publicKey);
        endpoints = Check.map("endpoints", endpoints, 16);
        for (String colour : endpoints.keySet()) {
            Check.colour("endpoints." + colour, colour);
        }
        endpoints = java.util.Collections.unmodifiableMap(new TreeMap<>(endpoints));
        lanPrefixes = Check.list("lanPrefixes", lanPrefixes, 1024);
        Check.unique("lanPrefixes", lanPrefixes);
        for (int i = 0; i < lanPrefixes.size(); i++) {
            for (int j = i + 1; j < lanPrefixes.size(); j++) {
                if (lanPrefixes.get(i).overlaps(lanPrefixes.get(j))) {
                    throw new ValidationException("lanPrefixes[" + j + "]", "overlap",
                            lanPrefixes.get(j) + " overlaps " + lanPrefixes.get(i));
                }
            }
        }
        status = status == null ? SiteStatus.ACTIVE : status;
        Check.required("createdAt", createdAt);
    }

    public Site withStatus(SiteStatus newStatus) {
        return new Site(id, name, location, publicKey, endpoints, lanPrefixes, newStatus, createdAt);
    }
}
