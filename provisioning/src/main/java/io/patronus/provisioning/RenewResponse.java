package io.patronus.provisioning;

import java.time.Instant;

/** Answer to a renewal: the new device certificate and when to renew it in turn. */
public record RenewResponse(String certificate, Instant renewAfter) {
    public RenewResponse {
        Fields.pem("certificate", certificate, 16 * 1024);
        Fields.required("renewAfter", renewAfter);
    }
}
