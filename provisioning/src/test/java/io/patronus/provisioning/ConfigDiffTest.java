package io.patronus.provisioning;

import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SlaClass;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConfigDiffTest {
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void diff_equalConfigs_empty() {
        BundleConfig config = new BundleConfig(List.of(site("branch-1", "10.1.0.0/16")), List.of(route("voice", "lte", "fiber")),
                List.of(new SlaClass("gold", 50, 1, 10)));

        assertEquals(List.of(), ConfigDiff.diff(config, config));
        assertEquals(List.of(), ConfigDiff.diff(BundleConfig.empty(), BundleConfig.empty()));
    }

    @Test
    void diff_siteOnlyObserved_plusLine() {
        assertEquals(List.of("+ site branch-9"), ConfigDiff.diff(BundleConfig.empty(),
                new BundleConfig(List.of(site("branch-9", "10.9.0.0/16")), List.of(), List.of())));
    }

    @Test
    void diff_policyOnlyDesired_minusLine() {
        assertEquals(List.of("- policy voice"), ConfigDiff.diff(
                new BundleConfig(List.of(), List.of(route("voice", "lte", "fiber")), List.of()), BundleConfig.empty()));
    }

    @Test
    void diff_changedPolicyColour_namesFieldDesiredThenObserved() {
        BundleConfig desired = new BundleConfig(List.of(), List.of(route("voice", "lte", "broadband")), List.of());
        BundleConfig observed = new BundleConfig(List.of(), List.of(route("voice", "fiber", "broadband")), List.of());

        assertEquals(List.of("~ policy voice: action.primary lte -> fiber"), ConfigDiff.diff(desired, observed));
    }

    @Test
    void diff_changedSitePrefixAndSlaClass_oneLineEach() {
        BundleConfig desired = new BundleConfig(List.of(site("branch-1", "10.1.0.0/16")), List.of(), List.of(new SlaClass("gold", 50, 1, 10)));
        BundleConfig observed = new BundleConfig(List.of(site("branch-1", "10.2.0.0/16")), List.of(), List.of(new SlaClass("gold", 80, 1, 10)));

        assertEquals(List.of("~ site branch-1: lanPrefixes[0] 10.1.0.0/16 -> 10.2.0.0/16", "~ slaClass gold: maxLatencyMs 50.0 -> 80.0"),
                ConfigDiff.diff(desired, observed));
    }

    @Test
    void diff_slaClassProbeFieldsSetOnOneSide_namesEachFieldWithNoneForTheDefault() {
        BundleConfig desired = new BundleConfig(List.of(), List.of(),
                List.of(new SlaClass("gold", 50, 1, 10, OptionalInt.of(50), OptionalInt.of(4))));
        BundleConfig observed = new BundleConfig(List.of(), List.of(), List.of(new SlaClass("gold", 50, 1, 10)));

        assertEquals(List.of("~ slaClass gold: detectMultiplier 4 -> (none)", "~ slaClass gold: probeIntervalMs 50 -> (none)"),
                ConfigDiff.diff(desired, observed));
    }

    @Test
    void diff_mixed_sortedSitesThenPolicies() {
        BundleConfig desired = new BundleConfig(List.of(site("b", "10.2.0.0/16"), site("a", "10.1.0.0/16")),
                List.of(route("voice", "lte", "fiber")), List.of());
        BundleConfig observed = new BundleConfig(List.of(site("c", "10.3.0.0/16"), site("a", "10.1.0.0/16")),
                List.of(route("bulk", "lte", "fiber"), new Policy("voice", "voice", 10, PolicyMatch.any(), new PolicyAction.Drop())),
                List.of());

        assertEquals(List.of("- site b", "+ site c", "+ policy bulk",
                "~ policy voice: action {\"type\":\"route\",\"primary\":\"lte\",\"backup\":\"fiber\",\"failoverThreshold\":60} -> {\"type\":\"drop\"}"),
                ConfigDiff.diff(desired, observed));
    }

    private static Site site(String id, String prefix) {
        return new Site(id, id, "", Base64.getEncoder().encodeToString(new byte[32]), Map.of("fiber", Endpoint.parse("192.0.2.1:51820")),
                List.of(IpPrefix.parse(prefix)), null, CREATED);
    }

    private static Policy route(String id, String primary, String backup) {
        return new Policy(id, id, 10, PolicyMatch.any(), new PolicyAction.Route(primary, backup, 60));
    }
}
