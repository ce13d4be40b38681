package io.patronus.appliance.federation;

import io.patronus.provisioning.ConfigBundle;

import java.util.Optional;

/**
 * The rules a verified bundle must pass before it is applied (docs/FEDERATION.md, "Config bundle"): it is for this
 * site ({@code wrong_site}), its version is above the running one ({@code version_rollback}), and it is not a version
 * this appliance refused or rolled back before ({@code version_rejected}: only a newer one is taken). The signature
 * ({@code bad_signature}, {@code untrusted_signer}) is checked before, by the envelope verifier.
 */
final class BundleRules {
    /** Why a bundle is refused: a stable code and a sentence for the log and the status report. */
    record Refusal(String code, String message) {
    }

    private BundleRules() {
    }

    static Optional<Refusal> check(ConfigBundle bundle, String siteId, long appliedVersion, long refusedUpTo) {
        if (!bundle.siteId().equals(siteId)) {
            return Optional.of(new Refusal("wrong_site", "bundle v" + bundle.version() + " is for site " + bundle.siteId()
                    + ", this appliance is site " + siteId));
        }
        if (bundle.version() <= appliedVersion) {
            return Optional.of(new Refusal("version_rollback", "bundle v" + bundle.version() + " is not above the running v"
                    + appliedVersion));
        }
        if (bundle.version() <= refusedUpTo) {
            return Optional.of(new Refusal("version_rejected", "bundle v" + bundle.version() + " is not above v" + refusedUpTo
                    + ", which was refused or rolled back; only a newer version is applied"));
        }
        return Optional.empty();
    }
}
