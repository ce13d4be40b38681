package io.patronus.appliance.federation;

import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rejection rules as a table: (bundle site, version, applied, refused up to) -> code. */
class BundleRulesTest {
    @ParameterizedTest(name = "{0} v{1}, applied {2}, refused up to {3} -> {4}")
    @CsvSource({
            "branch-1, 1, 0, 0, ok",
            "branch-1, 8, 7, 0, ok",
            "branch-1, 9, 7, 8, ok",
            "branch-2, 9, 7, 0, wrong_site",
            "branch-1, 7, 7, 0, version_rollback",
            "branch-1, 3, 7, 0, version_rollback",
            "branch-1, 8, 7, 8, version_rejected",
            "branch-1, 6, 0, 8, version_rejected",
            "branch-2, 3, 7, 0, wrong_site"})
    void check(String bundleSite, long version, long applied, long refusedUpTo, String expected) {
        ConfigBundle b = new ConfigBundle(bundleSite, version, Instant.parse("2026-11-23T10:00:00Z"), BundleConfig.empty());
        assertEquals(expected, BundleRules.check(b, "branch-1", applied, refusedUpTo).map(BundleRules.Refusal::code).orElse("ok"));
    }
}
