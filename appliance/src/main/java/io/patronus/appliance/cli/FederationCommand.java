package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code patronus federation status}: enrolment with the controller, applied and refused bundles, the outbox. */
@Command(name = "federation", description = "The appliance's enrolment with its controller and the configuration it received.",
        subcommands = {FederationCommand.Status.class})
final class FederationCommand extends CommandGroup {

    @Command(name = "status", description = "Enrolment state, identity, certificate, bundle versions, outbox and last contact.")
    static final class Status extends CliCommand {
        @Override
        public Integer call() {
            printOne(client().get("/v1/federation"), "state", f -> {
                Fields fields = new Fields().add("state", f.path("state").asText());
                if (f.has("reason")) {
                    fields.add("why", f.path("reason").asText());
                }
                JsonNode e = f.path("enrolment");
                if (!e.isMissingNode()) {
                    fields.add("serial", f.path("serial").asText() + " (from " + f.path("serialSource").asText() + ")")
                            .add("bootstrap", f.path("bootstrapFile").asText())
                            .add("controller", f.path("controllerUrl").asText("not known yet (bootstrap file not read)"))
                            .add("enrolment", e.path("attempts").asLong() + " attempt(s) since " + e.path("startedAt").asText()
                                    + (e.has("nextAttemptAt") ? "; next at " + e.path("nextAttemptAt").asText() : ""));
                }
                if (f.has("siteId")) {
                    fields.add("site", f.path("siteId").asText() + " (" + f.path("siteName").asText() + ")")
                            .add("serial", f.path("serial").asText())
                            .add("controller", f.path("controllerUrl").asText())
                            .add("certificate", "valid until " + f.path("certificateNotAfter").asText() + ", renewal after "
                                    + f.path("renewAfter").asText());
                }
                JsonNode c = f.path("config");
                if (!c.isMissingNode()) {
                    fields.add("applied", "v" + c.path("appliedVersion").asLong() + " (reported " + c.path("reported").asText() + ")");
                    if (c.has("pendingVersion")) {
                        fields.add("pending", "v" + c.path("pendingVersion").asLong() + ", rolled back at " + c.path("pendingDeadline").asText()
                                + " unless confirmed" + (c.path("waitingFor").asText("").isEmpty() ? "" : "; waiting for "
                                + c.path("waitingFor").asText()));
                    }
                    if (c.has("rejectedVersion")) {
                        fields.add("rejected", "v" + c.path("rejectedVersion").asLong() + ": " + c.path("reason").asText("-"));
                    }
                    fields.add("local changes", c.path("localChanges").asText("0"));
                }
                JsonNode k = f.path("keyRotation");
                if (!k.isMissingNode()) {
                    fields.add("key rotation", k.path("id").asText() + " " + k.path("phase").asText() + ", "
                            + (k.path("reported").asBoolean() ? "reported" : "not reported yet")
                            + (k.has("problem") ? ": " + k.path("problem").asText() : ""));
                }
                JsonNode o = f.path("outbox");
                if (!o.isMissingNode()) {
                    fields.add("outbox", "acknowledged up to " + o.path("acknowledged").asLong() + ", " + o.path("pending").asLong()
                            + " event(s) pending");
                }
                fields.add("last contact", f.path("lastContact").asText("never"));
                if (f.has("lastError")) {
                    fields.add("last error", f.path("lastError").asText() + " (" + f.path("lastErrorAt").asText("") + ")");
                }
                fields.print(out());
            });
            return 0;
        }
    }
}
