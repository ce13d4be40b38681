package io.patronus.appliance.federation;

import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.dataplane.TunnelCounters;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mesh half of a bundle's confirmation: every active site of the bundle that has an endpoint of one of this
 * appliance's link colours must have at least one path whose WireGuard peer completed a handshake within the last
 * {@link #RECENT} (WireGuard re-handshakes every two minutes on a live tunnel). Sites sharing no colour with this
 * appliance can have no path at all, so they are not waited for. The in-memory data plane has no handshakes: there
 * the check passes at once.
 */
final class HandshakeMeshCheck implements ConfigAgent.MeshCheck {
    static final Duration RECENT = Duration.ofSeconds(180);
    private final DataPlane dataPlane;
    private final String localSiteId;
    private final List<Link> links;

    HandshakeMeshCheck(DataPlane dataPlane, String localSiteId, List<Link> links) {
        this.dataPlane = dataPlane;
        this.localSiteId = localSiteId;
        this.links = List.copyOf(links);
    }

    @Override
    public Optional<java.time.Instant> inEffectSince(java.time.Instant appliedAt) {
        return dataPlane.inEffectSince(appliedAt);
    }

    @Override
    public Optional<String> notInEffectBecause() {
        return Optional.of(Federation.dataPlaneProblem(dataPlane)).filter(p -> !p.isEmpty());
    }

    @Override
    public Optional<String> missing(List<Site> sites) {
        if (dataPlane.kind().equals("memory")) {
            return Optional.empty();
        }
        List<String> lacking = new ArrayList<>();
        for (Site s : sites) {
            if (s.id().equals(localSiteId) || s.status() != SiteStatus.ACTIVE) {
                continue;
            }
            List<String> colours = links.stream().map(Link::colour).filter(s.endpoints()::containsKey).toList();
            if (colours.isEmpty()) {
                continue;
            }
            boolean up = colours.stream().anyMatch(c -> dataPlane.counters(Path.unmeasured(localSiteId, s.id(), c), Optional.of(s))
                    .flatMap(TunnelCounters::handshakeAgeSeconds).filter(age -> age <= RECENT.toSeconds()).isPresent());
            if (!up) {
                lacking.add(s.id() + " (" + String.join(", ", colours) + ")");
            }
        }
        return lacking.isEmpty() ? Optional.empty()
                : Optional.of("no WireGuard handshake within " + RECENT.toSeconds() + " s with " + String.join(", ", lacking));
    }
}
