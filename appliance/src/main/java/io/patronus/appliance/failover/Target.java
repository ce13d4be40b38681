package io.patronus.appliance.failover;

/**
 * What a failover decision is about: one policy's traffic (or the default traffic, {@link #DEFAULT}) towards one
 * remote site.
 */
public record Target(String policyId, String siteId) {
    /** The policy id used for traffic no policy matches. */
    public static final String DEFAULT = "";

    public boolean isDefault() {
        return policyId.isEmpty();
    }

    @Override
    public String toString() {
        return (isDefault() ? "default traffic" : "policy " + policyId) + " to " + siteId;
    }
}
