package io.patronus.controller.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.patronus.model.Policy;
import io.patronus.model.SlaClass;

import java.util.List;

/**
 * A site's own deviations from its group's configuration: policies and SLA classes that replace the group's ones of
 * the same name (or are added), and names of group entries this site does not get.
 *
 * @param policies         replace the group policy with the same name, or are added
 * @param removePolicies   names of group policies left out for this site
 * @param slaClasses       replace the group SLA class with the same name, or are added
 * @param removeSlaClasses names of group SLA classes left out for this site
 */
public record SiteOverrides(List<Policy> policies, List<String> removePolicies, List<SlaClass> slaClasses,
                            List<String> removeSlaClasses) {
    public SiteOverrides {
        policies = policies == null ? List.of() : List.copyOf(policies);
        removePolicies = removePolicies == null ? List.of() : List.copyOf(removePolicies);
        slaClasses = slaClasses == null ? List.of() : List.copyOf(slaClasses);
        removeSlaClasses = removeSlaClasses == null ? List.of() : List.copyOf(removeSlaClasses);
    }

    public static SiteOverrides none() {
        return new SiteOverrides(List.of(), List.of(), List.of(), List.of());
    }

    @JsonIgnore
    public boolean isEmpty() {
        return policies.isEmpty() && removePolicies.isEmpty() && slaClasses.isEmpty() && removeSlaClasses.isEmpty();
    }
}
