package io.patronus.appliance.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.User;

import java.time.Instant;
import java.util.List;

/**
 * One change to the appliance's configuration state, as written to the write-ahead log (record type
 * {@code STATE_MUTATION}) before it is applied. Every mutation is a whole-object put or a delete by key, so applying
 * it twice gives the same state: replay after a crash may safely re-apply records the last checkpoint already held.
 * The actor and time make the record its own audit trail.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Mutation.PutSite.class, name = "site.put"),
        @JsonSubTypes.Type(value = Mutation.DeleteSite.class, name = "site.delete"),
        @JsonSubTypes.Type(value = Mutation.PutPolicy.class, name = "policy.put"),
        @JsonSubTypes.Type(value = Mutation.DeletePolicy.class, name = "policy.delete"),
        @JsonSubTypes.Type(value = Mutation.PutUser.class, name = "user.put"),
        @JsonSubTypes.Type(value = Mutation.DeleteUser.class, name = "user.delete"),
        @JsonSubTypes.Type(value = Mutation.ReplaceConfig.class, name = "config.replace")})
public sealed interface Mutation {
    String actor();

    Instant at();

    /** What the mutation touches, for audit lines: {@code site/branch-2}. */
    String target();

    record PutSite(Site site, String actor, Instant at) implements Mutation {
        public String target() {
            return "site/" + site.id();
        }
    }

    record DeleteSite(String id, String actor, Instant at) implements Mutation {
        public String target() {
            return "site/" + id;
        }
    }

    record PutPolicy(Policy policy, String actor, Instant at) implements Mutation {
        public String target() {
            return "policy/" + policy.id();
        }
    }

    record DeletePolicy(String id, String actor, Instant at) implements Mutation {
        public String target() {
            return "policy/" + id;
        }
    }

    record PutUser(User user, String actor, Instant at) implements Mutation {
        public String target() {
            return "user/" + user.username();
        }
    }

    record DeleteUser(String username, String actor, Instant at) implements Mutation {
        public String target() {
            return "user/" + username;
        }
    }

    /**
     * Every site and every policy replaced at once: a controller's configuration bundle, or its rollback. Replaying
     * it sets the same two sets again, so it is idempotent like the others.
     */
    record ReplaceConfig(List<Site> sites, List<Policy> policies, String actor, Instant at) implements Mutation {
        public ReplaceConfig {
            sites = List.copyOf(sites);
            policies = List.copyOf(policies);
        }

        public String target() {
            return "config/" + sites.size() + " sites, " + policies.size() + " policies";
        }
    }
}
