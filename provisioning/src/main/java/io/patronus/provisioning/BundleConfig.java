package io.patronus.provisioning;

import io.patronus.model.Check;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.SlaClass;

import java.util.List;

/** The part of an appliance's configuration the controller owns: the other sites, the policies and the SLA classes. */
public record BundleConfig(List<Site> sites, List<Policy> policies, List<SlaClass> slaClasses) {
    public BundleConfig {
        sites = Fields.list("sites", sites, 4096);
        policies = Fields.list("policies", policies, 4096);
        slaClasses = Fields.list("slaClasses", slaClasses, 1024);
        List<Site> s = sites;
        List<Policy> p = policies;
        List<SlaClass> c = slaClasses;
        // Ids are what a diff and the appliance key on; two entries with one id would make both ambiguous.
        Fields.model("sites", () -> {
            Check.unique("sites", s.stream().map(Site::id).toList());
            return null;
        });
        Fields.model("policies", () -> {
            Check.unique("policies", p.stream().map(Policy::id).toList());
            return null;
        });
        Fields.model("slaClasses", () -> {
            Check.unique("slaClasses", c.stream().map(SlaClass::name).toList());
            return null;
        });
    }

    /** A configuration with nothing in it. */
    public static BundleConfig empty() {
        return new BundleConfig(List.of(), List.of(), List.of());
    }
}
