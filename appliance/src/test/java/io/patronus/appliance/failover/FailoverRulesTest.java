package io.patronus.appliance.failover;

import io.patronus.model.Link;
import io.patronus.model.PathStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailoverRulesTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final Duration HOLD = Duration.ofSeconds(30);
    private static final List<Link> LINKS = List.of(new Link("fiber", "eth0", "fiber", 10, 1000),
            new Link("lte", "wwan0", "lte", 20, 100), new Link("broadband", "eth1", "broadband", 30, 500));

    private static PathHealth h(PathStatus s, int score) {
        return new PathHealth(s, score, NOW.minus(Duration.ofHours(1)), "");
    }

    /** Every combination of primary and backup state and score around the threshold, against the rule as written. */
    @Test
    void route_everyCombinationOfPrimaryAndBackupStateAndScore_followsTheRule() {
        int threshold = 70;
        List<Optional<PathHealth>> states = new ArrayList<>();
        states.add(Optional.empty());
        for (PathStatus s : PathStatus.values()) {
            for (int score : new int[] {0, 69, 70, 71, 100}) {
                states.add(Optional.of(h(s, score)));
            }
        }
        int cases = 0;
        for (Optional<PathHealth> p : states) {
            for (Optional<PathHealth> b : states) {
                for (Optional<PathHealth> other : List.of(Optional.<PathHealth>empty(), Optional.of(h(PathStatus.UP, 40)))) {
                    Map<String, PathHealth> paths = new LinkedHashMap<>();
                    p.ifPresent(x -> paths.put("fiber", x));
                    b.ifPresent(x -> paths.put("lte", x));
                    other.ifPresent(x -> paths.put("broadband", x));
                    Choice c = FailoverRules.route("fiber", "lte", threshold, paths, LINKS, Optional.empty(), HOLD, NOW);
                    String expected;
                    Choice.Cause cause;
                    // (h() dates every state an hour back: an UNKNOWN primary is past its startup grace here.)
                    if (p.isPresent() && p.get().usable() && p.get().score() >= threshold) {
                        expected = "fiber";
                        cause = Choice.Cause.PRIMARY;
                    } else if (b.isPresent() && b.get().usable() && b.get().score() >= threshold) {
                        expected = "lte";
                        cause = Choice.Cause.BACKUP;
                    } else {
                        Optional<String> best = paths.entrySet().stream().filter(e -> e.getValue().usable())
                                .max((x, y) -> x.getValue().score() != y.getValue().score()
                                        ? Integer.compare(x.getValue().score(), y.getValue().score())
                                        : Integer.compare(priority(y.getKey()), priority(x.getKey())))
                                .map(Map.Entry::getKey);
                        expected = best.orElse("fiber");
                        cause = best.isPresent() ? Choice.Cause.BEST_AVAILABLE : Choice.Cause.NO_USABLE_PATH;
                    }
                    String label = "primary " + p + ", backup " + b + ", other " + other;
                    assertEquals(expected, c.colour(), label + ": " + c.reason());
                    assertEquals(cause, c.cause(), label);
                    assertTrue(!c.reason().isBlank());
                    cases++;
                }
            }
        }
        assertEquals(states.size() * states.size() * 2, cases);
    }

    private static int priority(String colour) {
        return LINKS.stream().filter(l -> l.colour().equals(colour)).findFirst().orElseThrow().priority();
    }

    @Test
    void route_primaryNotMeasuredYetAfterAStart_keepsItWithinTheGraceThenFailsOver() {
        Map<String, PathHealth> fresh = Map.of("fiber", new PathHealth(PathStatus.UNKNOWN, 0, NOW.minusSeconds(3), ""),
                "lte", h(PathStatus.UP, 100));
        assertEquals("fiber", FailoverRules.route("fiber", "lte", 70, fresh, LINKS, Optional.empty(), HOLD, NOW).colour());
        assertEquals("fiber", FailoverRules.defaultTraffic(fresh, LINKS, Optional.empty(), HOLD, NOW).colour());
        Instant later = NOW.plus(FailoverRules.STARTUP_GRACE);
        assertEquals("lte", FailoverRules.route("fiber", "lte", 70, fresh, LINKS, Optional.empty(), HOLD, later).colour());
        assertEquals("lte", FailoverRules.defaultTraffic(fresh, LINKS, Optional.empty(), HOLD, later).colour());
    }

    @Test
    void route_primaryBackButNotForTheHoldTime_staysOnBackupAndSaysHowLong() {
        Map<String, PathHealth> paths = Map.of("fiber", new PathHealth(PathStatus.UP, 95, NOW.minusSeconds(12), ""),
                "lte", h(PathStatus.UP, 90));
        Choice c = FailoverRules.route("fiber", "lte", 70, paths, LINKS, Optional.of("lte"), HOLD, NOW);
        assertEquals("lte", c.colour());
        assertEquals(Choice.Cause.HOLD, c.cause());
        assertTrue(c.reason().contains("12.0 s of the 30.0 s"), c.reason());
        Choice later = FailoverRules.route("fiber", "lte", 70, paths, LINKS, Optional.of("lte"), HOLD, NOW.plusSeconds(18));
        assertEquals("fiber", later.colour());
    }

    @Test
    void route_holdNeverKeepsTrafficOnADeadPath() {
        Map<String, PathHealth> paths = Map.of("fiber", new PathHealth(PathStatus.UP, 95, NOW.minusSeconds(1), ""),
                "lte", h(PathStatus.DOWN, 0));
        assertEquals("fiber", FailoverRules.route("fiber", "lte", 70, paths, LINKS, Optional.of("lte"), HOLD, NOW).colour());
    }

    @Test
    void defaultTraffic_bestPriorityHealthyLink_elseBestScore() {
        assertEquals("fiber", FailoverRules.defaultTraffic(Map.of("fiber", h(PathStatus.UP, 60), "lte", h(PathStatus.UP, 100)),
                LINKS, Optional.empty(), HOLD, NOW).colour());
        assertEquals("lte", FailoverRules.defaultTraffic(Map.of("fiber", h(PathStatus.DOWN, 0), "lte", h(PathStatus.UP, 100)),
                LINKS, Optional.empty(), HOLD, NOW).colour());
        Choice weak = FailoverRules.defaultTraffic(Map.of("fiber", h(PathStatus.DEGRADED, 30), "lte", h(PathStatus.DEGRADED, 40)),
                LINKS, Optional.empty(), HOLD, NOW);
        assertEquals("lte", weak.colour());
        assertEquals(Choice.Cause.BEST_AVAILABLE, weak.cause());
    }

    /** Regression: in CI both uplinks showed the same inflated RTT at once (a host stall) and traffic moved off fiber. */
    @Test
    void route_everyPathUnhealthyAtOnce_staysOnTheCurrentPathUnlessAnotherIsClearlyBetter() {
        Map<String, PathHealth> alike = Map.of("fiber", h(PathStatus.DEGRADED, 41), "lte", h(PathStatus.DEGRADED, 45));
        Choice stay = FailoverRules.route("fiber", "lte", 70, alike, LINKS, Optional.of("fiber"), HOLD, NOW);
        assertEquals("fiber", stay.colour(), stay.reason());
        assertEquals(Choice.Cause.BEST_AVAILABLE, stay.cause());
        assertTrue(stay.reason().contains("staying on fiber"), stay.reason());
        Map<String, PathHealth> clear = Map.of("fiber", h(PathStatus.DEGRADED, 30), "lte", h(PathStatus.DEGRADED, 30
                + FailoverRules.BEST_AVAILABLE_MARGIN));
        assertEquals("lte", FailoverRules.route("fiber", "lte", 70, clear, LINKS, Optional.of("fiber"), HOLD, NOW).colour());
        Map<String, PathHealth> currentDown = Map.of("fiber", h(PathStatus.DOWN, 0), "lte", h(PathStatus.DEGRADED, 5));
        assertEquals("lte", FailoverRules.route("fiber", "lte", 70, currentDown, LINKS, Optional.of("fiber"), HOLD, NOW).colour(),
                "the margin never keeps traffic on a path that is down");
    }

    @Test
    void defaultTraffic_everyPathUnhealthyAtOnce_staysOnTheCurrentPathUnlessAnotherIsClearlyBetter() {
        Map<String, PathHealth> alike = Map.of("fiber", h(PathStatus.DEGRADED, 30), "lte", h(PathStatus.DEGRADED, 38));
        assertEquals("fiber", FailoverRules.defaultTraffic(alike, LINKS, Optional.of("fiber"), HOLD, NOW).colour());
        assertEquals("lte", FailoverRules.defaultTraffic(alike, LINKS, Optional.empty(), HOLD, NOW).colour(),
                "with no current path the best is taken");
        Map<String, PathHealth> clear = Map.of("fiber", h(PathStatus.DEGRADED, 20), "lte", h(PathStatus.DEGRADED, 45));
        assertEquals("lte", FailoverRules.defaultTraffic(clear, LINKS, Optional.of("fiber"), HOLD, NOW).colour());
    }

    @Test
    void defaultTraffic_failbackToBetterPriorityWaitsForHold() {
        Map<String, PathHealth> paths = Map.of("fiber", new PathHealth(PathStatus.UP, 100, NOW.minusSeconds(5), ""),
                "lte", h(PathStatus.UP, 100));
        assertEquals("lte", FailoverRules.defaultTraffic(paths, LINKS, Optional.of("lte"), HOLD, NOW).colour());
        assertEquals("fiber", FailoverRules.defaultTraffic(paths, LINKS, Optional.of("lte"), HOLD, NOW.plusSeconds(25)).colour());
    }
}
