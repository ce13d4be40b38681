package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** What happens to traffic a policy matches: steer it over a colour with a backup, drop it, or rate-limit it. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = PolicyAction.Route.class, name = "route"),
        @JsonSubTypes.Type(value = PolicyAction.Drop.class, name = "drop"),
        @JsonSubTypes.Type(value = PolicyAction.RateLimit.class, name = "rate_limit")})
public sealed interface PolicyAction {

    /**
     * Send over {@code primary} while its health score is at least {@code failoverThreshold}, else over {@code backup}.
     */
    @JsonTypeName("route")
    record Route(String primary, String backup, int failoverThreshold) implements PolicyAction {
        public Route {
            Check.colour("primary", primary);
            Check.colour("backup", backup);
            if (primary.equals(backup)) {
                throw new ValidationException("backup", "distinct", "must differ from the primary colour (" + primary + ")");
            }
            Check.range("failoverThreshold", failoverThreshold, 0, 100);
        }
    }

    /** Discard the traffic. */
    @JsonTypeName("drop")
    record Drop() implements PolicyAction {
    }

    /** Hold the traffic to {@code kbps} with a token bucket. */
    @JsonTypeName("rate_limit")
    record RateLimit(long kbps) implements PolicyAction {
        public RateLimit {
            Check.range("kbps", kbps, 1, 100_000_000L);
        }
    }
}
