package io.patronus.provisioning;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Locale;

/** Who a device certificate speaks for: the site, the device serial, and which certificate it is (hex serial). */
public record DeviceIdentity(String siteId, String serial, String certificateSerial, Instant notAfter) {
    public DeviceIdentity {
        if (siteId == null || serial == null || certificateSerial == null || notAfter == null) {
            throw new ProvisioningException("invalid_certificate", "a device identity needs siteId, serial, certificateSerial and notAfter");
        }
    }

    /**
     * Reads the identity from a device certificate's subject ({@code CN=<siteId>, SERIALNUMBER=<serial>}); checks
     * nothing about trust, see {@link CertificateAuthority#verifyDevice}. Throws {@code invalid_certificate} when the
     * subject lacks either attribute.
     */
    public static DeviceIdentity of(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        String siteId = Certificates.single(subject, BCStyle.CN).orElseThrow(() -> new ProvisioningException("invalid_certificate",
                "certificate '" + subject + "' is not a device certificate: its subject has no single CN=<siteId>"));
        String serial = Certificates.single(subject, BCStyle.SERIALNUMBER).orElseThrow(() -> new ProvisioningException("invalid_certificate",
                "certificate '" + subject + "' is not a device certificate: its subject has no single SERIALNUMBER=<device serial>"));
        return new DeviceIdentity(siteId, serial, certificate.getSerialNumber().toString(16).toLowerCase(Locale.ROOT),
                certificate.getNotAfter().toInstant());
    }
}
