package io.patronus.provisioning;

import io.patronus.model.Check;
import io.patronus.model.Endpoint;
import io.patronus.model.WireGuardKey;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Body of {@code POST /v1/enrol}: the token, the device serial, its CSR, WireGuard key and link endpoints. */
public record EnrolmentRequest(String token, String serial, String csr, String wireguardPublicKey,
                               Map<String, String> endpoints, String applianceVersion) {
    public EnrolmentRequest {
        Fields.text("token", token, 256);
        Fields.text("serial", serial, 128);
        Fields.pem("csr", csr, 16 * 1024);
        Fields.model("wireguardPublicKey", () -> WireGuardKey.check("wireguardPublicKey", wireguardPublicKey));
        Map<String, String> given = endpoints;
        Map<String, String> checked = Fields.model("endpoints", () -> Check.map("endpoints", given, 16));
        for (Map.Entry<String, String> e : checked.entrySet()) {
            String field = "endpoints." + e.getKey();
            Fields.model(field, () -> Check.colour(field, e.getKey()));
            Fields.model(field, () -> Endpoint.parse(e.getValue()));
        }
        endpoints = Collections.unmodifiableMap(new TreeMap<>(checked));
        Fields.text("applianceVersion", applianceVersion, 64);
    }
}
