package io.patronus.appliance.testing;

import java.security.SecureRandom;
import java.util.Base64;

/** Valid example objects for API tests, with TEST-NET endpoints and 100.64/10-style LAN prefixes only. */
public final class Fixtures {
    private Fixtures() {
    }

    public static String randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /** A site JSON with endpoints on fiber and lte and one LAN prefix 10.{n}.0.0/16. */
    public static String siteJson(String id, int n) {
        return """
                {"id":"%s","name":"Branch %d","location":"Lab rack %d","publicKey":"%s",
                 "endpoints":{"fiber":"192.0.2.%d:51820","lte":"198.51.100.%d:51821"},
                 "lanPrefixes":["10.%d.0.0/16"]}""".formatted(id, n, n, randomKey(), n, n, n);
    }

    public static String routePolicyJson(String id, int priority) {
        return """
                {"id":"%s","name":"Voice %s","priority":%d,
                 "match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478","10000-20000"]},
                 "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":70}}""".formatted(id, id, priority);
    }
}
