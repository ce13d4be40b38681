package io.patronus.appliance.federation;

import java.time.Instant;
import java.util.Objects;

/**
 * Who this appliance is in the fleet, as the controller assigned it at enrolment ({@code federation/identity.json}).
 *
 * @param siteId        the site id; replaces {@code site.id} of the configuration
 * @param siteName      the site's display name; replaces {@code site.name}
 * @param serial        the device serial the certificate was issued for
 * @param controllerUrl the controller's base URL for the device routes
 * @param renewAfter    when the device certificate is to be renewed
 */
public record Identity(String siteId, String siteName, String serial, String controllerUrl, Instant renewAfter) {
    public Identity {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(siteName, "siteName");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(controllerUrl, "controllerUrl");
        Objects.requireNonNull(renewAfter, "renewAfter");
    }

    Identity withRenewAfter(Instant next) {
        return new Identity(siteId, siteName, serial, controllerUrl, next);
    }
}
