package io.patronus.model;

/**
 * A routing policy: traffic matching {@link PolicyMatch} gets {@link PolicyAction}; policies are tried in ascending
 * priority (1 first) and the first match wins.
 */
public record Policy(String id, String name, int priority, PolicyMatch match, PolicyAction action) {
    public Policy {
        Check.id("id", id);
        Check.text("name", name, 128);
        Check.range("priority", priority, 1, 65535);
        match = match == null ? PolicyMatch.any() : match;
        Check.required("action", action);
    }
}
