package io.patronus.appliance.paths;

import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.dataplane.TunnelCounters;
import io.patronus.model.Link;
import io.patronus.model.Path;
import io.patronus.model.Site;

import java.time.Instant;
import java.util.Optional;

/**
 * Path state from the real tunnels until active probing exists: a path whose WireGuard peer completed a handshake in
 * the last 180 s (WireGuard re-keys every 120 s while traffic or keepalives flow) counts as passing traffic; one with
 * an older or no handshake as losing everything. Latency and jitter stay 0 here: they need probes (the failover issue).
 */
public final class TunnelPathProbe implements PathProbe {
    static final long FRESH_HANDSHAKE_SECONDS = 180;
    private final DataPlane dataPlane;
    private final String localSiteId;

    public TunnelPathProbe(DataPlane dataPlane, String localSiteId) {
        this.dataPlane = dataPlane;
        this.localSiteId = localSiteId;
    }

    @Override
    public String kind() {
        return dataPlane.kind();
    }

    @Override
    public Measurement measure(Link link, Site remote, Instant now) {
        Optional<TunnelCounters> c = dataPlane.counters(Path.unmeasured(localSiteId, remote.id(), link.colour()), Optional.of(remote));
        boolean fresh = c.flatMap(TunnelCounters::handshakeAgeSeconds).map(age -> age <= FRESH_HANDSHAKE_SECONDS).orElse(false);
        return new Measurement(0, fresh ? 0 : 100, 0);
    }
}
