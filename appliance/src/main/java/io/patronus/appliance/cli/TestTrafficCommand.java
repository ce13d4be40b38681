package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code patronus test-traffic}: what the classifier would do with a flow, and why. */
@Command(name = "test-traffic", description = "Explain what the classifier does with a flow: destination site, matching policy, colour.")
final class TestTrafficCommand extends CliCommand {
    @Option(names = "--src", required = true, paramLabel = "ADDR", description = "Source address (IPv4 or IPv6).")
    String source;
    @Option(names = "--dst", required = true, paramLabel = "ADDR", description = "Destination address.")
    String destination;
    @Option(names = "--protocol", required = true, paramLabel = "PROTO", description = "tcp, udp, icmp or icmpv6.")
    String protocol;
    @Option(names = "--sport", paramLabel = "PORT", description = "Source port (tcp/udp; default 0).")
    Integer sourcePort;
    @Option(names = "--dport", paramLabel = "PORT", description = "Destination port (required for tcp/udp).")
    Integer destinationPort;
    @Option(names = "--dscp", paramLabel = "N", description = "DSCP value 0-63 (default 0; 46 is EF, voice).")
    Integer dscp;

    @Override
    public Integer call() {
        oneOf("--protocol", protocol, List.of("tcp", "udp", "icmp", "icmpv6"));
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("source", source);
        body.put("destination", destination);
        body.put("protocol", protocol);
        if (sourcePort != null) {
            body.put("sourcePort", sourcePort);
        }
        if (destinationPort != null) {
            body.put("destinationPort", destinationPort);
        }
        if (dscp != null) {
            body.put("dscp", dscp);
        }
        JsonNode d = client().post("/v1/policies/test", body);
        printOne(d, "verdict", a -> {
            new Fields()
                    .add("verdict", a.path("verdict").asText() + " (" + a.path("meaning").asText() + ")")
                    .add("site", a.path("site").asText("-"))
                    .add("policy", a.path("policy").isObject()
                            ? a.path("policy").path("name").asText() + " (id " + a.path("policy").path("id").asText()
                            + ", priority " + a.path("policy").path("priority").asInt() + ", " + a.path("policy").path("action").asText() + ")"
                            : "none")
                    .add("colour", a.path("colour").asText("-"))
                    .add("fwmark", a.path("fwmark").asText("-"))
                    .add("classifier", a.path("classifier").asText())
                    .print(out());
            out().println();
            out().println("why:");
            a.path("reasons").forEach(r -> out().println("  - " + r.asText()));
        });
        return 0;
    }
}
