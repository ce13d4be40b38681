package io.patronus.appliance.classify;

import java.util.Optional;

/**
 * The colours chosen at run time (by failover) for a policy's traffic to a site, or for a site's default traffic
 * (policy id ""). Empty means "no opinion": the static plan (primary, else backup) applies.
 */
@FunctionalInterface
public interface ColourChoices {
    ColourChoices NONE = (policyId, siteId) -> Optional.empty();

    Optional<String> colour(String policyId, String siteId);
}
