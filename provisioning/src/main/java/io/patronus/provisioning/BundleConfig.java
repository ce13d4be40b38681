package io.patronus.provisioning;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.patronus.model.Check;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.SlaClass;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The part of an appliance's configuration the controller owns: the other sites, the policies and the SLA classes;
 * and, during WireGuard key rotations, the site's own rotation step ({@code keyRotation}) and the extra keys of
 * rotating peers ({@code peerKeys}, by site id). Both rotation fields are optional and left out of the JSON when
 * empty, so a configuration without a rotation has the shape it always had.
 */
public record BundleConfig(List<Site> sites, List<Policy> policies, List<SlaClass> slaClasses,
                           Optional<KeyRotation> keyRotation,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, PeerKeys> peerKeys) {
    @JsonCreator
    public BundleConfig {
        sites = Fields.list("sites", sites, 4096);
        policies = Fields.list("policies", policies, 4096);
        slaClasses = Fields.list("slaClasses", slaClasses, 1024);
        keyRotation = keyRotation == null ? Optional.empty() : keyRotation;
        Map<String, PeerKeys> keys = peerKeys == null ? Map.of() : peerKeys;
        for (Map.Entry<String, PeerKeys> e : keys.entrySet()) {
            Fields.model("peerKeys", () -> Check.id("peerKeys", e.getKey()));
            Fields.required("peerKeys." + e.getKey(), e.getValue());
        }
        peerKeys = Collections.unmodifiableMap(new TreeMap<>(keys));
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

    /** A configuration without key rotation fields. */
    public BundleConfig(List<Site> sites, List<Policy> policies, List<SlaClass> slaClasses) {
        this(sites, policies, slaClasses, Optional.empty(), Map.of());
    }

    /** A configuration with nothing in it. */
    public static BundleConfig empty() {
        return new BundleConfig(List.of(), List.of(), List.of());
    }

    /** This configuration with the given key rotation fields instead of its own. */
    public BundleConfig withKeys(Optional<KeyRotation> rotation, Map<String, PeerKeys> keys) {
        return new BundleConfig(sites, policies, slaClasses, rotation, keys);
    }

    /** The rotating peer's extra keys, empty when it is not rotating. */
    public Optional<PeerKeys> peerKeys(String siteId) {
        return Optional.ofNullable(peerKeys.get(siteId));
    }
}
