package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.RunningAppliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** docs/api/openapi.yaml and the running server describe the same set of routes, in both directions. */
class OpenApiConformanceTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch", "head", "options");

    static Path spec() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs/api/openapi.yaml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("docs/api/openapi.yaml not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("docs/api/openapi.yaml");
    }

    static Set<String> specRoutes() throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(spec().toFile());
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = root.get("paths").fieldNames(); it.hasNext(); ) {
            String path = it.next();
            for (Iterator<String> ms = root.get("paths").get(path).fieldNames(); ms.hasNext(); ) {
                String m = ms.next();
                if (METHODS.contains(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + path);
                }
            }
        }
        return out;
    }

    @Test
    void specAndServer_haveTheSameRoutes(@TempDir Path dir) throws IOException {
        Set<String> spec = specRoutes();
        try (RunningAppliance a = RunningAppliance.start(dir)) {
            Set<String> server = a.appliance().routes().stream().map(r -> r.method() + " " + r.path())
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> missingInSpec = new TreeSet<>(server);
            missingInSpec.removeAll(spec);
            Set<String> missingInServer = new TreeSet<>(spec);
            missingInServer.removeAll(server);
            assertEquals(Set.of(), missingInSpec, "routes the server has but docs/api/openapi.yaml lacks");
            assertEquals(Set.of(), missingInServer, "routes docs/api/openapi.yaml has but the server lacks");
        }
    }

    @Test
    void everySpecRoute_isRoutedByTheRealServer(@TempDir Path dir) throws IOException {
        try (RunningAppliance a = RunningAppliance.start(dir)) {
            ApiClient admin = new ApiClient(a.baseUri()).login("admin", a.adminPassword());
            for (String route : specRoutes()) {
                String method = route.substring(0, route.indexOf(' '));
                String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "no-such-object");
                ApiClient.Response r = admin.send(method, path, method.equals("POST") || method.equals("PUT") ? "{}" : null);
                assertNotEquals(405, r.status(), route + " -> " + r.body());
                assertNotEquals(500, r.status(), route + " -> " + r.body());
                assertFalse(r.body().contains("no such route"), route + " -> " + r.body());
            }
        }
    }
}
