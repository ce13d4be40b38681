package io.patronus.provisioning;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;

/** Subject names, serial numbers and signing shared by the CSR and certificate code. */
final class Certificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {
    }

    /**
     * One attribute, encoded as RFC 5280 wants it: SERIALNUMBER as PrintableString when the value allows (a DMI
     * serial may not), everything else UTF8String.
     */
    static RDN rdn(ASN1ObjectIdentifier type, String value) {
        ASN1Encodable encoded = type.equals(BCStyle.SERIALNUMBER) && DERPrintableString.isPrintableString(value)
                ? new DERPrintableString(value)
                : new DERUTF8String(value);
        return new RDN(type, encoded);
    }

    static X500Name name(RDN... rdns) {
        return new X500Name(rdns);
    }

    /** The value of {@code type} when the name holds it exactly once as a single-valued RDN. */
    static Optional<String> single(X500Name name, ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return Optional.empty();
        }
        AttributeTypeAndValue value = rdns[0].getFirst();
        if (!(value.getValue() instanceof ASN1String text)) {
            return Optional.empty();
        }
        return Optional.of(text.getString());
    }

    /** A positive random 128-bit certificate serial, so that serials neither collide nor reveal issuance order. */
    static BigInteger randomSerial() {
        byte[] bytes = new byte[16];
        BigInteger serial;
        do {
            RANDOM.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | CertificateException e) {
            throw new ProvisioningException("ca_error", "cannot sign a certificate with the CA key: " + e.getMessage(), e);
        }
    }
}
