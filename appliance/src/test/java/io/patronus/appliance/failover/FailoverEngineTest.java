package io.patronus.appliance.failover;

import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Link;
import io.patronus.model.PathStatus;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine over time with a fake clock: decisions only on change, failback hold, manual pins that survive restarts. */
class FailoverEngineTest {
    private final Instant t0 = Instant.parse("2026-11-23T12:00:00Z");
    private Instant now = t0;
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final Map<String, PathHealth> health = new HashMap<>();
    private final List<Link> links = List.of(new Link("fiber", "eth0", "fiber", 10, 1000), new Link("lte", "wwan0", "lte", 20, 100));
    private final Site s2 = new Site("s2", "S2", "", Fixtures.randomKey(),
            Map.of("fiber", Endpoint.parse("192.0.2.2:51820"), "lte", Endpoint.parse("198.51.100.2:51821")),
            List.of(IpPrefix.parse("100.64.2.0/24")), SiteStatus.ACTIVE, t0);
    private Policy voice = new Policy("voice", "voice", 10, PolicyMatch.any(), new PolicyAction.Route("lte", "fiber", 70));
    private List<Site> siteList = List.of(s2);

    private void path(String colour, PathStatus s, int score) {
        health.put("s1:s2:" + colour, new PathHealth(s, score, now, ""));
    }

    private FailoverEngine engine(Overrides o) {
        return new FailoverEngine("s1", links, () -> siteList, () -> List.of(voice), id -> Optional.ofNullable(health.get(id)),
                Duration.ofSeconds(30), o, clock);
    }

    @Test
    void evaluate_primaryDies_backupChosenWithEvidence_thenFailbackOnlyAfterHold() {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.UP, 100);
        FailoverEngine e = engine(Overrides.inMemory());
        assertEquals(2, e.evaluate().size(), "the first evaluation sets every target");
        assertEquals(List.of(), e.evaluate(), "nothing changed, nothing decided");

        now = now.plusSeconds(10);
        path("lte", PathStatus.DOWN, 0);
        List<Decision> d = e.evaluate();
        assertEquals(1, d.size());
        assertEquals(new Target("voice", "s2"), d.getFirst().target());
        assertEquals(Optional.of("lte"), d.getFirst().from());
        assertEquals("fiber", d.getFirst().to());
        assertEquals(Choice.Cause.BACKUP, d.getFirst().cause());
        assertTrue(d.getFirst().paths().get("lte").startsWith("down"), d.getFirst().paths().toString());

        now = now.plusSeconds(5);
        path("lte", PathStatus.UP, 100);
        assertEquals(List.of(), e.evaluate(), "primary back, hold not elapsed");
        assertEquals(Choice.Cause.HOLD, e.choice(new Target("voice", "s2")).orElseThrow().cause());
        now = now.plusSeconds(29);
        assertEquals(List.of(), e.evaluate());
        now = now.plusSeconds(2);
        List<Decision> back = e.evaluate();
        assertEquals(1, back.size());
        assertEquals("lte", back.getFirst().to());
        assertEquals(Choice.Cause.PRIMARY, back.getFirst().cause());
    }

    @Test
    void evaluate_primaryScoreDipsDuringHold_holdStartsAgain() {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.DOWN, 0);
        FailoverEngine e = engine(Overrides.inMemory());
        e.evaluate();
        path("lte", PathStatus.UP, 90);
        e.evaluate();
        now = now.plusSeconds(20);
        path("lte", PathStatus.DEGRADED, 50); // below the policy's 70
        e.evaluate();
        now = now.plusSeconds(1);
        path("lte", PathStatus.UP, 90);
        e.evaluate();
        now = now.plusSeconds(20);
        assertEquals(List.of(), e.evaluate(), "41 s since it first came back, but only 20 s healthy in a row");
        now = now.plusSeconds(11);
        assertEquals("lte", e.evaluate().getFirst().to());
    }

    @Test
    void trigger_pinsAgainstHealth_survivesRestart_clearReturnsToHealth(@TempDir Path dir) {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.UP, 100);
        Path file = dir.resolve("failover-pins.json");
        FailoverEngine e = engine(Overrides.open(file));
        e.evaluate();
        e.trigger(new Target("voice", "s2"), "fiber");
        List<Decision> d = e.evaluate();
        assertEquals("fiber", d.getFirst().to());
        assertEquals(Choice.Cause.MANUAL, d.getFirst().cause());

        FailoverEngine restarted = engine(Overrides.open(file));
        restarted.evaluate();
        assertEquals("fiber", restarted.choice(new Target("voice", "s2")).orElseThrow().colour());
        now = now.plusSeconds(31); // lte has been healthy longer than the failback hold
        assertTrue(restarted.clear(new Target("voice", "s2")));
        assertEquals("lte", restarted.evaluate().getFirst().to());
    }

    @Test
    void evaluate_primaryDegradedLongAgoAndOnlyNowAboveThreshold_holdCountsFromNow() {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.UP, 100);
        voice = new Policy("voice", "voice", 10, PolicyMatch.any(), new PolicyAction.Route("fiber", "lte", 50));
        FailoverEngine e = engine(Overrides.inMemory());
        e.evaluate();
        now = now.plusSeconds(1);
        path("fiber", PathStatus.DEGRADED, 0); // e.g. 300 ms of added delay
        assertEquals("lte", e.evaluate().getFirst().to());
        now = now.plusSeconds(20);
        health.put("s1:s2:fiber", new PathHealth(PathStatus.DEGRADED, 80, now.minusSeconds(20), "")); // still degraded, score back
        assertEquals(List.of(), e.evaluate(), "healthy only now: the hold starts now, not when 'degraded' began");
        now = now.plusSeconds(31);
        assertEquals("fiber", e.evaluate().getFirst().to());
    }

    /** A path first judged at a threshold when already healthy (here: its policy was pinned until now) keeps its age. */
    @Test
    void clear_primaryHealthyLongBeforeThePinEnded_failsBackWithoutHold() {
        health.put("s1:s2:fiber", new PathHealth(PathStatus.UP, 100, t0.minusSeconds(600), ""));
        health.put("s1:s2:lte", new PathHealth(PathStatus.UP, 100, t0.minusSeconds(600), ""));
        voice = new Policy("voice", "voice", 10, PolicyMatch.any(), new PolicyAction.Route("fiber", "lte", 70));
        FailoverEngine e = engine(Overrides.inMemory());
        Target t = new Target("voice", "s2");
        e.trigger(t, "lte");
        e.evaluate();
        now = now.plusSeconds(5);
        e.evaluate();
        assertEquals("lte", e.choice(t).orElseThrow().colour());

        e.clear(t);
        now = now.plusSeconds(1);

        List<Decision> d = e.evaluate().stream().filter(x -> x.target().equals(t)).toList();
        assertEquals("fiber", d.getFirst().to(), "healthy for 10 minutes: longer than the 30 s hold");
    }

    @Test
    void evaluate_siteLeavesTheList_itsFailbackHoldsAreForgotten() {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.UP, 100);
        FailoverEngine e = engine(Overrides.inMemory());
        e.evaluate();
        assertEquals(4, e.holdEntries(), "two colours at two thresholds (default traffic's and the policy's)");

        siteList = List.of();
        e.evaluate();

        assertEquals(0, e.holdEntries());
        assertEquals(java.util.Optional.empty(), e.choice(new Target("voice", "s2")));
        siteList = List.of(s2);
        assertEquals(2, e.evaluate().size(), "back in the list: decided afresh");
        assertEquals(4, e.holdEntries());
    }

    @Test
    void evaluate_policyEditedToNewPrimary_movesAtOnceWithoutFailbackHold() {
        path("fiber", PathStatus.UP, 100);
        path("lte", PathStatus.UP, 100);
        FailoverEngine e = engine(Overrides.inMemory());
        e.evaluate();
        assertEquals("lte", e.choice(new Target("voice", "s2")).orElseThrow().colour());
        voice = new Policy("voice", "voice", 10, PolicyMatch.any(), new PolicyAction.Route("fiber", "lte", 70));
        List<Decision> d = e.evaluate();
        assertEquals(1, d.size());
        assertEquals("fiber", d.getFirst().to());
        assertEquals(Choice.Cause.PRIMARY, d.getFirst().cause());
    }

    @Test
    void evaluate_primaryNeverMeasured_failsOverAfterTheStartupGrace() {
        health.put("s1:s2:lte", new PathHealth(PathStatus.UNKNOWN, 0, now, ""));
        path("fiber", PathStatus.UP, 100);
        FailoverEngine e = engine(Overrides.inMemory());
        e.evaluate();
        assertEquals("lte", e.choice(new Target("voice", "s2")).orElseThrow().colour(), "within the grace");
        now = now.plus(FailoverRules.STARTUP_GRACE).plusSeconds(1);
        assertEquals("fiber", e.evaluate().getFirst().to());
    }

    @Test
    void evaluate_unknownPaths_keepThePlannedColoursAndDoNotFlap() {
        FailoverEngine e = engine(Overrides.inMemory());
        List<Decision> first = e.evaluate();
        assertEquals(2, first.size());
        assertEquals(List.of(), e.evaluate());
        assertEquals("lte", e.choice(new Target("voice", "s2")).orElseThrow().colour());
        assertEquals("fiber", e.choice(new Target(Target.DEFAULT, "s2")).orElseThrow().colour());
    }
}
