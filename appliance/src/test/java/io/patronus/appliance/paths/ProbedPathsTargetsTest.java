package io.patronus.appliance.paths;

import io.patronus.appliance.probe.ProbeTarget;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which probe targets the appliance's paths get: every path at the interval and multiplier of its SLA class. */
class ProbedPathsTargetsTest {
    private static final List<Link> LINKS = List.of(new Link("wan1", "eth1", "fiber", 10, 100_000),
            new Link("wan2", "eth2", "lte", 20, 20_000));
    private static final Map<String, Integer> MARKS = Map.of("fiber", 0x100, "lte", 0x200);
    private static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    private static final int DEFAULT_MULTIPLIER = 3;

    private static Site site(String id, int n) {
        return new Site(id, "Site " + n, "", Fixtures.randomKey(), Map.of("fiber", Endpoint.parse("192.0.2." + n + ":51820"),
                "lte", Endpoint.parse("198.51.100." + n + ":51820")), List.of(IpPrefix.parse("10." + n + ".0.0/16")),
                SiteStatus.ACTIVE, Instant.parse("2026-11-01T00:00:00Z"));
    }

    private static List<ProbeTarget> targets(SlaClass sla) throws Exception {
        return ProbedPaths.targets("hq", List.of(site("hq", 1), site("branch-2", 2), site("branch-3", 3)), LINKS, MARKS,
                InetAddress.getByName("10.1.0.1"), 51900, sla, DEFAULT_INTERVAL, DEFAULT_MULTIPLIER);
    }

    @Test
    void targets_classWithItsOwnIntervalAndMultiplier_everyPathUsesThem() throws Exception {
        SlaClass voice = new SlaClass("voice", 80, 1, 10, OptionalInt.of(50), OptionalInt.of(5));

        List<ProbeTarget> targets = targets(voice);

        assertEquals(4, targets.size(), "two colours to each of two remote sites");
        for (ProbeTarget t : targets) {
            assertEquals(Duration.ofMillis(50), t.interval(), t.pathId());
            assertEquals(5, t.detectMultiplier(), t.pathId());
            assertEquals(voice, t.sla(), t.pathId());
        }
    }

    @Test
    void targets_classWithoutProbeFields_failoverDefaults() throws Exception {
        List<ProbeTarget> targets = targets(new SlaClass("default", 150, 2, 30));

        for (ProbeTarget t : targets) {
            assertEquals(DEFAULT_INTERVAL, t.interval(), t.pathId());
            assertEquals(DEFAULT_MULTIPLIER, t.detectMultiplier(), t.pathId());
        }
    }

    @Test
    void targets_classWithOnlyAMultiplier_defaultIntervalAndItsMultiplier() throws Exception {
        List<ProbeTarget> targets = targets(new SlaClass("bulk", 400, 5, 100, OptionalInt.empty(), OptionalInt.of(8)));

        assertEquals(DEFAULT_INTERVAL, targets.getFirst().interval());
        assertEquals(8, targets.getFirst().detectMultiplier());
    }
}
