package io.patronus.controller.store;

import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A site as the controller knows it: staged by an operator (id, organisation, name, location, group, LAN prefixes),
 * completed at enrolment with the WireGuard public key and endpoints its appliance reported.
 *
 * @param id            unique on the controller, not only in its organisation: it is the device certificate's subject
 *                      and the key of the site's appliance, bundles and telemetry
 * @param organisation  the organisation it belongs to; its mesh holds only that organisation's sites. "" only in a
 *                      record written before schema 3, until the store's migration assigns it
 * @param group         a group of its organisation
 * @param groupRevision the revision of its group's configuration released to this site (rollouts move it)
 */
public record SiteRecord(String id, String organisation, String name, String location, String group, List<IpPrefix> lanPrefixes,
                         Optional<String> wireguardPublicKey, Map<String, Endpoint> endpoints, SiteOverrides overrides,
                         long groupRevision, Instant createdAt) {
    public SiteRecord {
        Objects.requireNonNull(id, "id");
        organisation = organisation == null ? "" : organisation;
        Objects.requireNonNull(name, "name");
        location = location == null ? "" : location;
        Objects.requireNonNull(group, "group");
        lanPrefixes = lanPrefixes == null ? List.of() : List.copyOf(lanPrefixes);
        wireguardPublicKey = wireguardPublicKey == null ? Optional.empty() : wireguardPublicKey;
        endpoints = endpoints == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(endpoints));
        overrides = overrides == null ? SiteOverrides.none() : overrides;
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** True once an appliance has enrolled for it and reported its WireGuard key. */
    public boolean enrolled() {
        return wireguardPublicKey.isPresent();
    }

    public SiteRecord withEnrolment(String publicKey, Map<String, Endpoint> newEndpoints) {
        return new SiteRecord(id, organisation, name, location, group, lanPrefixes, Optional.of(publicKey), newEndpoints, overrides,
                groupRevision, createdAt);
    }

    /** The site after a key rotation: its appliance now uses {@code publicKey}. */
    public SiteRecord withPublicKey(String publicKey) {
        return new SiteRecord(id, organisation, name, location, group, lanPrefixes, Optional.of(publicKey), endpoints, overrides,
                groupRevision, createdAt);
    }

    public SiteRecord withOverrides(SiteOverrides newOverrides) {
        return new SiteRecord(id, organisation, name, location, group, lanPrefixes, wireguardPublicKey, endpoints, newOverrides,
                groupRevision, createdAt);
    }

    /** The site in {@code org}: how the schema 3 migration moves a site written before organisations. */
    public SiteRecord withOrganisation(String org) {
        return new SiteRecord(id, org, name, location, group, lanPrefixes, wireguardPublicKey, endpoints, overrides,
                groupRevision, createdAt);
    }

    public SiteRecord withGroupRevision(long revision) {
        return new SiteRecord(id, organisation, name, location, group, lanPrefixes, wireguardPublicKey, endpoints, overrides,
                revision, createdAt);
    }
}
