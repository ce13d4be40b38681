package io.patronus.appliance.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.classify.Decision;
import io.patronus.appliance.classify.Flow;
import io.patronus.appliance.classify.PolicyClassifier;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Policy;
import io.patronus.model.Protocol;
import io.patronus.model.Role;
import io.patronus.model.ValidationException;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The classifier's part of API v1: explain what happens to a flow ({@code POST /v1/policies/test}), a policy's
 * kernel counters ({@code GET /v1/policies/{id}/stats}) and the classifier's state and per-verdict counters
 * ({@code GET /v1/classifier}).
 */
public final class ClassifierRoutes {
    private final StateStore store;
    private final PolicyClassifier classifier;

    public ClassifierRoutes(StateStore store, PolicyClassifier classifier) {
        this.store = store;
        this.classifier = classifier;
    }

    public java.util.List<ApiRoute> routes() {
        return java.util.List.of(
                ApiRoute.post("/v1/policies/test", Role.VIEWER, this::test),
                ApiRoute.get("/v1/policies/{id}/stats", Role.VIEWER, this::stats),
                ApiRoute.get("/v1/classifier", Role.VIEWER, this::status));
    }

    /** A flow to explain, as the API takes it; addresses of either family, ports for tcp and udp only. */
    public record FlowQuery(String source, String destination, String protocol, Integer sourcePort, Integer destinationPort,
                            Integer dscp) {
        Flow toFlow() {
            InetAddress src = address("source", source);
            InetAddress dst = address("destination", destination);
            if (protocol == null) {
                throw new ValidationException("protocol", "required", "is required: tcp, udp, icmp or icmpv6");
            }
            Protocol p = Protocol.parse(protocol);
            if (p == Protocol.ANY) {
                throw new ValidationException("protocol", "enum", "a flow has one protocol: tcp, udp, icmp or icmpv6, not any");
            }
            int d = dscp == null ? 0 : dscp;
            if (d < 0 || d > 63) {
                throw new ValidationException("dscp", "range", "must be 0-63, was " + d);
            }
            if (!p.hasPorts()) {
                if (sourcePort != null || destinationPort != null) {
                    throw new ValidationException(sourcePort != null ? "sourcePort" : "destinationPort", "protocol",
                            "ports need protocol tcp or udp, protocol is " + p.wire());
                }
                return Flow.of(src, dst, p.number(), d, Flow.NO_PORT, Flow.NO_PORT);
            }
            if (destinationPort == null) {
                throw new ValidationException("destinationPort", "required", "is required for " + p.wire());
            }
            int sp = sourcePort == null ? 0 : sourcePort;
            port("sourcePort", sp);
            port("destinationPort", destinationPort);
            return Flow.of(src, dst, p.number(), d, sp, destinationPort);
        }

        private static void port(String field, int port) {
            if (port < 0 || port > 65535) {
                throw new ValidationException(field, "range", "must be 0-65535, was " + port);
            }
        }

        private static InetAddress address(String field, String text) {
            if (text == null || text.isBlank()) {
                throw new ValidationException(field, "required", "is required: an IPv4 or IPv6 address");
            }
            // Only literals: a name here would mean a DNS lookup from inside the API.
            if (!text.matches("[0-9A-Fa-f:.]+") || text.length() > 45) {
                throw new ValidationException(field, "address", "must be an IPv4 or IPv6 address literal, was '"
                        + (text.length() > 45 ? text.substring(0, 45) + "..." : text) + "'");
            }
            try {
                return InetAddress.getByName(text);
            } catch (java.net.UnknownHostException e) {
                throw new ValidationException(field, "address", "must be an IPv4 or IPv6 address literal, was '" + text + "'");
            }
        }
    }

    private Reply test(ApiRequest r) {
        ObjectNode body = r.jsonObject();
        Flow flow;
        try {
            flow = ApiRequest.convert(body, FlowQuery.class).toFlow();
        } catch (ValidationException e) {
            throw ApiException.invalidField(e.field(), e.field() + ": " + e.detail());
        }
        Decision d = classifier.explain(flow);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("flow", flowJson(flow));
        out.put("verdict", d.verdict().name().toLowerCase(java.util.Locale.ROOT));
        out.put("meaning", d.verdict().meaning());
        out.put("site", d.siteId().orElse(null));
        out.put("policy", d.rule().map(rule -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("id", rule.policyId());
            p.put("name", rule.policyName());
            p.put("priority", rule.priority());
            p.put("action", rule.action().name().toLowerCase(java.util.Locale.ROOT));
            return p;
        }).orElse(null));
        out.put("colour", d.steer().map(s -> s.colour()).orElse(null));
        out.put("fwmark", d.steer().map(s -> String.format("0x%x/0x%x", s.mark(), s.mask())).orElse(null));
        out.put("reasons", d.reasons());
        out.put("classifier", classifier.status().state());
        return Reply.ok(out);
    }

    private static Map<String, Object> flowJson(Flow f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", Flow.format(f.source()));
        m.put("destination", Flow.format(f.destination()));
        m.put("protocol", f.protocol());
        if (f.hasPorts()) {
            m.put("sourcePort", f.sourcePort());
            m.put("destinationPort", f.destinationPort());
        }
        m.put("dscp", f.dscp());
        return m;
    }

    private Reply stats(ApiRequest r) {
        String id = r.pathParam("id");
        Policy p = store.policy(id).orElseThrow(() -> ApiException.notFound("policy " + id + " does not exist"));
        Optional<PolicyClassifier.PolicyCounters> c = classifier.counters(p);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policyId", p.id());
        out.put("policyName", p.name());
        out.put("packets", c.map(PolicyClassifier.PolicyCounters::packets).orElse(0L));
        out.put("bytes", c.map(PolicyClassifier.PolicyCounters::bytes).orElse(0L));
        out.put("droppedPackets", c.map(PolicyClassifier.PolicyCounters::droppedPackets).orElse(0L));
        out.put("droppedBytes", c.map(PolicyClassifier.PolicyCounters::droppedBytes).orElse(0L));
        out.put("live", c.map(PolicyClassifier.PolicyCounters::live).orElse(false));
        out.put("classifier", classifier.status().state());
        return Reply.ok(out);
    }

    private Reply status(ApiRequest r) {
        PolicyClassifier.Status s = classifier.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", s.state());
        out.put("detail", s.detail());
        out.put("rules", s.rules());
        out.put("generation", s.generation());
        out.put("lastError", s.lastError().orElse(null));
        out.put("since", s.at());
        out.put("verdicts", classifier.verdicts().stream().map(v -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("verdict", v.verdict().name().toLowerCase(java.util.Locale.ROOT));
            m.put("meaning", v.meaning());
            m.put("packets", v.packets());
            m.put("bytes", v.bytes());
            return m;
        }).toList());
        out.put("tcpMssClamped", classifier.mssClamped());
        return Reply.ok(out);
    }
}
