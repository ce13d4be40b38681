package io.patronus.controller.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.controller.Controller;
import io.patronus.controller.config.ControllerConfig;
import io.patronus.model.Json;
import io.patronus.provisioning.TlsContexts;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A controller on a free port in a temporary directory, with an admin client and helpers to stage and enrol sites. */
public final class TestFleet implements AutoCloseable {
    static {
        // Helidon's start and stop lines for every test controller drown the failures; warnings still show.
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(java.util.logging.Level.WARNING);
        }
    }

    private final Path dataDir;
    private final MutableClock clock;
    private final ControllerConfig config;
    private Controller controller;
    private Http admin;

    public TestFleet(Path dataDir) {
        this(dataDir, new MutableClock(), b -> b);
    }

    public TestFleet(Path dataDir, MutableClock clock, java.util.function.UnaryOperator<ControllerConfig.Builder> tweak) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.config = tweak.apply(config(dataDir)).build();
        start();
    }

    /** The configuration tests use: loopback only, a free port, small log segments. */
    public static ControllerConfig.Builder config(Path dataDir) {
        return ControllerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .tlsNames(List.of("localhost", "127.0.0.1"))
                .walSegmentBytes(1 << 20)
                .organisation("Test Org");
    }

    public void start() {
        controller = Controller.start(config, clock);
        admin = new Http(controller.localUrl(), TlsContexts.client(controller.caCertificate()), Optional.of(controller.adminToken()));
    }

    /** Closes and starts again on the same data directory (a new port). */
    public void restart() {
        controller.close();
        admin.close();
        start();
    }

    public Controller controller() {
        return controller;
    }

    public MutableClock clock() {
        return clock;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Http admin() {
        return admin;
    }

    /** A client without client certificate and without bearer. */
    public Http anonymous() {
        return new Http(controller.localUrl(), TlsContexts.client(controller.caCertificate()), Optional.empty());
    }

    public Http withBearer(String token) {
        return new Http(controller.localUrl(), TlsContexts.client(controller.caCertificate()), Optional.of(token));
    }

    /** Stages a site in the controller's only organisation (201 expected). */
    public JsonNode site(String id, String group, String... lan) {
        return site(admin, Optional.empty(), id, group, lan);
    }

    /** Stages a site in an organisation, with the fleet token (201 expected). */
    public JsonNode siteIn(String organisation, String id, String group, String... lan) {
        return site(admin, Optional.of(organisation), id, group, lan);
    }

    private static JsonNode site(Http client, Optional<String> organisation, String id, String group, String... lan) {
        Http.Answer a = client.post("/v1/admin/sites" + organisation.map(o -> "?organisation=" + o).orElse(""),
                Map.of("id", id, "name", "Site " + id, "group", group, "lanPrefixes", List.of(lan)));
        if (a.status() != 201) {
            throw new AssertionError("creating site " + id + ": " + a);
        }
        return a.json();
    }

    /** Creates an organisation with the fleet token (201 expected). */
    public JsonNode organisation(String id) {
        Http.Answer a = admin.post("/v1/admin/organisations", Map.of("id", id, "name", "Org " + id));
        if (a.status() != 201) {
            throw new AssertionError("creating organisation " + id + ": " + a);
        }
        return a.json();
    }

    /** A client with a new admin token of the organisation (created with the fleet token). */
    public Http organisationAdmin(String organisation) {
        Http.Answer a = admin.post("/v1/admin/admin-tokens?organisation=" + organisation, Map.of("description", "test"));
        if (a.status() != 201) {
            throw new AssertionError("creating an admin token of " + organisation + ": " + a);
        }
        return withBearer(a.json().path("token").asText());
    }

    /** Creates a token (201 expected) and returns its secret. */
    public String token(String siteId, Optional<String> serial, Optional<String> ttl) {
        var body = Json.mapper().createObjectNode().put("siteId", siteId);
        serial.ifPresent(s -> body.put("serial", s));
        ttl.ifPresent(t -> body.put("ttl", t));
        Http.Answer a = admin.post("/v1/admin/tokens", body);
        if (a.status() != 201) {
            throw new AssertionError("creating a token for " + siteId + ": " + a);
        }
        return a.json().path("token").asText();
    }

    public String token(String siteId) {
        return token(siteId, Optional.empty(), Optional.empty());
    }

    /** Stages a site, creates a token and enrols a fake appliance for it. */
    public FakeAppliance enrolled(String siteId, String group, String lan) {
        site(siteId, group, lan);
        FakeAppliance a = new FakeAppliance(this, "SER-" + siteId);
        a.enrol(token(siteId));
        return a;
    }

    /** Stages a site in an organisation, creates a token and enrols a fake appliance for it. */
    public FakeAppliance enrolledIn(String organisation, String siteId, String group, String lan) {
        siteIn(organisation, siteId, group, lan);
        FakeAppliance a = new FakeAppliance(this, "SER-" + siteId);
        a.enrol(token(siteId));
        return a;
    }

    /** Audit records with this code (refusals) or action, of every organisation. */
    public List<JsonNode> audit(String codeOrAction) {
        JsonNode items = admin.get("/v1/admin/audit?limit=1000&organisation=*").json().path("items");
        List<JsonNode> out = new java.util.ArrayList<>();
        items.forEach(i -> {
            if (i.path("code").asText().equals(codeOrAction) || i.path("action").asText().equals(codeOrAction)) {
                out.add(i);
            }
        });
        return out;
    }

    public Clock clockView() {
        return clock;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        if (controller != null) {
            controller.close();
        }
    }
}
