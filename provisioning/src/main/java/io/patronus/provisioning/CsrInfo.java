package io.patronus.provisioning;

import java.security.PublicKey;

/** What a verified certificate signing request asks for: the subject's common name and the key to certify. */
public record CsrInfo(String commonName, PublicKey publicKey) {
    public CsrInfo {
        if (commonName == null || publicKey == null) {
            throw new ProvisioningException("invalid_csr", "a CSR needs a common name and a public key");
        }
    }
}
