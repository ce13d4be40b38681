package io.patronus.appliance.bench;

import io.patronus.appliance.failover.Choice;
import io.patronus.appliance.failover.Decision;
import io.patronus.appliance.failover.FailoverEngine;
import io.patronus.appliance.failover.FailoverRules;
import io.patronus.appliance.failover.Overrides;
import io.patronus.appliance.failover.PathHealth;
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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Path selection: what one failover decision costs with 1,000, 10,000 and 100,000 paths (two colours per remote
 * site, so half as many sites; one route policy, so two targets per site: the policy's and the default traffic's).
 *
 * <ul>
 * <li>{@code decision}: {@link FailoverRules#route} for one (policy, site): the rule itself, on that site's paths,
 *     with states drawn at random (up, degraded, down, around the threshold) so no branch is favoured;</li>
 * <li>{@code evaluateAll}: {@link FailoverEngine#evaluate()} over every target, as the failover thread runs it on a
 *     path change and every 200 ms, in the steady state (no change); divided by the targets (2 per site) it is the
 *     engine's cost per decision, collecting each site's paths and failback holds included.</li>
 * </ul>
 * Mode is sample time for percentiles. {@code scripts/bench-failover} runs it. Not a unit test: the name keeps it out
 * of surefire.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class FailoverSelectionBenchmark {
    private static final List<Link> LINKS = List.of(new Link("fiber", "eth0", "fiber", 10, 1000),
            new Link("lte", "wwan0", "lte", 20, 100));
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final Duration HOLD = Duration.ofSeconds(30);
    private static final int THRESHOLD = 70;
    /** Random site states for {@code decision}: a power of two so the index wraps with a mask. */
    private static final int SAMPLES = 4096;

    @Param({"1000", "10000", "100000"})
    public int paths;

    private final List<Map<String, PathHealth>> samples = new ArrayList<>(SAMPLES);
    private final List<Optional<String>> currents = new ArrayList<>(SAMPLES);
    private int next;
    private FailoverEngine engine;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        PathStatus[] statuses = {PathStatus.UP, PathStatus.UP, PathStatus.DEGRADED, PathStatus.DOWN};
        int[] scores = {100, 90, 71, 70, 69, 40, 0};
        for (int i = 0; i < SAMPLES; i++) {
            Map<String, PathHealth> m = new LinkedHashMap<>();
            for (Link l : LINKS) {
                PathStatus s = statuses[random.nextInt(statuses.length)];
                m.put(l.colour(), new PathHealth(s, s == PathStatus.DOWN ? 0 : scores[random.nextInt(scores.length)],
                        NOW.minusSeconds(random.nextInt(120)), ""));
            }
            samples.add(m);
            currents.add(random.nextBoolean() ? Optional.of("fiber") : Optional.of("lte"));
        }

        int siteCount = paths / LINKS.size();
        List<Site> sites = new ArrayList<>(siteCount);
        Map<String, PathHealth> health = new HashMap<>(paths * 2);
        String key = Fixtures.randomKey();
        for (int i = 0; i < siteCount; i++) {
            String id = "site-" + i;
            sites.add(new Site(id, "Site " + i, "", key, Map.of("fiber", Endpoint.parse("192.0.2.1:51820"),
                    "lte", Endpoint.parse("198.51.100.1:51820")), List.of(IpPrefix.parse("100.64.0.0/24")),
                    SiteStatus.ACTIVE, NOW));
            for (Link l : LINKS) {
                health.put(io.patronus.model.Path.id("local", id, l.colour()),
                        new PathHealth(PathStatus.UP, 95 - (i % 7), NOW.minusSeconds(600), ""));
            }
        }
        List<Policy> policies = List.of(new Policy("voice", "voice", 10, PolicyMatch.any(),
                new PolicyAction.Route("lte", "fiber", THRESHOLD)));
        engine = new FailoverEngine("local", LINKS, () -> sites, () -> policies, id -> Optional.ofNullable(health.get(id)),
                HOLD, Overrides.inMemory(), Clock.fixed(NOW, ZoneOffset.UTC));
        int first = engine.evaluate().size();
        if (first != siteCount * 2) {
            throw new IllegalStateException("the first evaluation should choose for every target: " + first + " of " + siteCount * 2);
        }
    }

    @Benchmark
    public Choice decision() {
        int i = next++ & (SAMPLES - 1);
        return FailoverRules.route("lte", "fiber", THRESHOLD, samples.get(i), LINKS, currents.get(i), HOLD, NOW);
    }

    @Benchmark
    public List<Decision> evaluateAll() {
        List<Decision> changes = engine.evaluate();
        if (!changes.isEmpty()) {
            throw new IllegalStateException("steady state expected, got " + changes.size() + " changes");
        }
        return changes;
    }
}
