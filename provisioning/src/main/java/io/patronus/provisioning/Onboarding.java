package io.patronus.provisioning;

import io.patronus.model.Check;

import java.time.Instant;

/** The signed answer to an enrolment: the appliance's site, its device certificate, the CA and its first bundle. */
public record Onboarding(String siteId, String siteName, String serial, String controllerUrl, String certificate,
                         String caCertificate, Instant renewAfter, SignedEnvelope bundle) {
    public Onboarding {
        Fields.model("siteId", () -> Check.id("siteId", siteId));
        Fields.text("siteName", siteName, 128);
        Fields.text("serial", serial, 128);
        Fields.text("controllerUrl", controllerUrl, 2048);
        Fields.pem("certificate", certificate, 16 * 1024);
        Fields.pem("caCertificate", caCertificate, 16 * 1024);
        Fields.required("renewAfter", renewAfter);
        Fields.required("bundle", bundle);
    }
}
