package io.patronus.controller.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.testing.FakeAppliance;
import io.patronus.controller.testing.Http;
import io.patronus.controller.testing.TestFleet;
import io.patronus.model.Policy;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.ConfigBundle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.patronus.controller.testing.Configs.group;
import static io.patronus.controller.testing.Configs.route;
import static io.patronus.controller.testing.Configs.sla;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class DriftTest {
    @TempDir
    Path dir;
    TestFleet fleet;
    FakeAppliance a;
    ConfigBundle desired;

    @BeforeEach
    void start() {
        fleet = new TestFleet(dir);
        a = fleet.enrolled("branch-1", "retail", "10.1.0.0/16");
        Http.Answer put = fleet.admin().put("/v1/admin/groups/retail/config", group(
                List.of(route("voice", 10, "fiber", "lte"), route("web", 20, "fiber", "lte")), List.of(sla("default", 150))));
        assertEquals(200, put.status(), put.toString());
        desired = a.bundle();
        assertEquals(2, desired.config().policies().size());
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    /** What the appliance runs after local changes: web removed, bulk added, the SLA class loosened. */
    private BundleConfig locallyChanged() {
        List<Policy> policies = new ArrayList<>(desired.config().policies());
        policies.removeIf(p -> p.id().equals("web"));
        policies.add(route("bulk", 50, "lte", "fiber"));
        return new BundleConfig(desired.config().sites(), policies, List.of(sla("default", 300)));
    }

    @Test
    void drift_localChanges_listedDesiredToObserved() {
        JsonNode inSync = fleet.admin().get("/v1/admin/appliances/branch-1/drift").json();
        assertFalse(inSync.path("inSync").asBoolean(), "nothing observed yet");
        a.applied(desired.version(), Optional.of(desired.config()));
        assertTrue(fleet.admin().get("/v1/admin/appliances/branch-1/drift").json().path("inSync").asBoolean());

        a.status(io.patronus.provisioning.DeviceState.MESH_UP, desired.version(), 0, "",
                new io.patronus.provisioning.PathSummary(1, 0, 0), Optional.of(locallyChanged()), 2);
        JsonNode drift = fleet.admin().get("/v1/admin/appliances/branch-1/drift").json();
        assertFalse(drift.path("inSync").asBoolean());
        assertEquals(2, drift.path("localChanges").asInt());
        List<String> lines = new ArrayList<>();
        for (JsonNode l : drift.path("lines")) {
            lines.add(l.asText());
        }
        assertTrue(lines.contains("+ policy bulk"), lines.toString());
        assertTrue(lines.contains("- policy web"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("~ slaClass default: maxLatencyMs")), lines.toString());
    }

    @Test
    void adopt_makesObservedDesiredAsOverrides_andPublishesIt() {
        BundleConfig observed = locallyChanged();
        a.status(io.patronus.provisioning.DeviceState.MESH_UP, desired.version(), 0, "",
                new io.patronus.provisioning.PathSummary(1, 0, 0), Optional.of(observed), 2);
        Http.Answer adopt = fleet.admin().post("/v1/admin/appliances/branch-1/drift/adopt", null);
        assertEquals(200, adopt.status(), adopt.toString());
        JsonNode overrides = adopt.json().path("overrides");
        assertEquals("bulk", overrides.path("policies").get(0).path("id").asText());
        assertEquals("web", overrides.path("removePolicies").get(0).asText());
        assertEquals(300.0, overrides.path("slaClasses").get(0).path("maxLatencyMs").asDouble());

        ConfigBundle next = a.bundle();
        assertEquals(desired.version() + 1, next.version());
        assertEquals(sorted(observed.policies()), next.config().policies());
        assertEquals(observed.slaClasses(), next.config().slaClasses());
        a.applied(next.version(), Optional.of(next.config()));
        assertTrue(fleet.admin().get("/v1/admin/appliances/branch-1/drift").json().path("inSync").asBoolean());
        assertEquals(1, fleet.audit("drift.adopt").size());
    }

    @Test
    void overwrite_republishesDesiredUnderANewVersion() {
        a.status(io.patronus.provisioning.DeviceState.MESH_UP, desired.version(), 0, "",
                new io.patronus.provisioning.PathSummary(1, 0, 0), Optional.of(locallyChanged()), 2);
        Http.Answer overwrite = fleet.admin().post("/v1/admin/appliances/branch-1/drift/overwrite", null);
        assertEquals(200, overwrite.status(), overwrite.toString());
        assertEquals(desired.version() + 1, overwrite.json().path("published").path("branch-1").asLong());
        ConfigBundle next = a.bundle();
        assertEquals(desired.version() + 1, next.version());
        assertEquals(desired.config(), next.config());
        assertEquals(1, fleet.audit("drift.overwrite").size());
    }

    @Test
    void adopt_nothingObserved_refused409() {
        Http.Answer adopt = fleet.admin().post("/v1/admin/appliances/branch-1/drift/adopt", null);
        assertEquals(409, adopt.status());
        assertFalse(fleet.audit("conflict").isEmpty());
    }

    @Test
    void overrides_putByName_replaceGroupPolicyForThatSiteOnly() {
        FakeAppliance b = fleet.enrolled("branch-2", "retail", "10.2.0.0/16");
        long bVersion = b.bundle().version();
        Http.Answer put = fleet.admin().put("/v1/admin/sites/branch-1/overrides", java.util.Map.of(
                "policies", List.of(route("voice", 10, "lte", "fiber"))));
        assertEquals(200, put.status(), put.toString());
        ConfigBundle bundle = a.bundle();
        Policy voice = bundle.config().policies().stream().filter(p -> p.name().equals("voice")).findFirst().orElseThrow();
        assertEquals("lte", ((io.patronus.model.PolicyAction.Route) voice.action()).primary());
        assertEquals(bVersion, b.bundle().version(), "the other site's rendering did not change");
        Http.Answer clash = fleet.admin().put("/v1/admin/sites/branch-1/overrides", java.util.Map.of(
                "policies", List.of(route("extra", 20, "lte", "fiber"))));
        assertEquals(409, clash.status(), "priority 20 is the group's web policy: " + clash);
    }

    private static List<Policy> sorted(List<Policy> policies) {
        return policies.stream().sorted(java.util.Comparator.comparingInt(Policy::priority)).toList();
    }
}
