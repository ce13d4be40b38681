package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.appliance.testing.RunningAppliance;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random malformed or invalid JSON bodies on every mutating route: always a 4xx with the documented error shape,
 * never a 500, and the stored state stays exactly as it was.
 */
class MalformedBodyPropertyTest {
    private static RunningAppliance appliance;
    private static ApiClient admin;
    private static Path dir;
    private static String stateBefore;

    private static final List<String[]> MUTATING_ROUTES = List.of(
            new String[]{"POST", "/v1/sites"},
            new String[]{"PUT", "/v1/sites/seed-site"},
            new String[]{"POST", "/v1/policies"},
            new String[]{"PUT", "/v1/policies/seed-policy"},
            new String[]{"POST", "/v1/auth/login"});

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("patronus-malformed");
        appliance = RunningAppliance.start(dir);
        admin = new ApiClient(appliance.baseUri()).login("admin", appliance.adminPassword());
        assertEquals(201, admin.post("/v1/sites", Fixtures.siteJson("seed-site", 5)).status());
        assertEquals(201, admin.post("/v1/policies", Fixtures.routePolicyJson("seed-policy", 5)).status());
        stateBefore = state();
    }

    @AfterContainer
    static void stop() throws Exception {
        appliance.close();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String state() {
        return admin.get("/v1/sites").body() + admin.get("/v1/policies").body();
    }

    @Property(tries = 150)
    void malformedBody_isA4xxWithTheErrorShape_andChangesNothing(@ForAll("routes") int route, @ForAll("bodies") String body) {
        String[] r = MUTATING_ROUTES.get(route);
        ApiClient.Response res = admin.send(r[0], r[1], body);
        assertTrue(res.status() >= 400 && res.status() < 500, r[0] + " " + r[1] + " with " + body + " -> " + res.status() + " " + res.body());
        JsonNode err = res.error();
        assertTrue(err.get("message").asText().length() > 3, res.body());
        assertEquals(stateBefore, state(), "state changed after " + r[0] + " " + r[1] + " with " + body);
    }

    @Provide
    Arbitrary<Integer> routes() {
        return Arbitraries.integers().between(0, MUTATING_ROUTES.size() - 1);
    }

    @Provide
    Arbitrary<String> bodies() {
        String site = Fixtures.siteJson("seed-site", 5);
        String policy = Fixtures.routePolicyJson("seed-policy", 5);
        Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(60);
        Arbitrary<String> truncated = Arbitraries.integers().between(0, site.length() - 2).map(n -> site.substring(0, n));
        Arbitrary<String> truncatedPolicy = Arbitraries.integers().between(0, policy.length() - 2).map(n -> policy.substring(0, n));
        Arbitrary<String> wrongTypes = Arbitraries.of(
                "{\"id\":5}", "{\"id\":\"x\",\"name\":[],\"priority\":\"high\"}", "{\"lanPrefixes\":\"10.0.0.0/8\"}",
                "{\"endpoints\":{\"fiber\":42}}", "{\"action\":{\"type\":null}}", "{\"action\":\"drop\"}", "null", "[]", "42",
                "\"string\"", "{\"username\":1,\"password\":true}", "{\"priority\":1.5}", "{\"match\":{\"dscp\":[\"ef\"]}}",
                "{}", "{\"id\":\"seed-site\",\"name\":\"x\",\"publicKey\":\"AAAA\"}", "{\"a\":1}{\"b\":2}",
                "{\"id\":\"seed-policy\",\"name\":\"n\",\"priority\":70000,\"action\":{\"type\":\"drop\"}}");
        // Valid documents with a raw control character inserted anywhere: never valid JSON (inside a string JSON
        // forbids it, outside one it is no token), so every such body must be refused whatever it hits.
        Arbitrary<String> mutated = Arbitraries.of(site, policy).flatMap(doc -> Arbitraries.integers().between(0, doc.length())
                .flatMap(pos -> Arbitraries.of("\u0000", "\u0001", "\u001f", "\u0008")
                        .map(tok -> doc.substring(0, pos) + tok + doc.substring(pos))));
        return Arbitraries.oneOf(garbage, truncated, truncatedPolicy, wrongTypes, mutated)
                .filter(b -> !b.equals(site) && !b.equals(policy));
    }
}
