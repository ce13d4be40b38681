package io.patronus.provisioning;

/** Body of {@code POST /v1/device/renew}: a CSR for a fresh device key. */
public record RenewRequest(String csr) {
    public RenewRequest {
        Fields.pem("csr", csr, 16 * 1024);
    }
}
