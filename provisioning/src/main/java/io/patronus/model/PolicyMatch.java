package io.patronus.model;

import java.util.List;

/**
 * What traffic a policy applies to. Every criterion must hold; an empty list means "any".
 * Port ranges only make sense for TCP and UDP, so they require one of those protocols.
 */
public record PolicyMatch(List<Integer> dscp, Protocol protocol, List<IpPrefix> sourcePrefixes,
                          List<IpPrefix> destinationPrefixes, List<PortRange> sourcePorts, List<PortRange> destinationPorts) {
    public PolicyMatch {
        dscp = Check.list("dscp", dscp, 64);
        for (int i = 0; i < dscp.size(); i++) {
            Check.range("dscp[" + i + "]", dscp.get(i), 0, 63);
        }
        Check.unique("dscp", dscp);
        protocol = protocol == null ? Protocol.ANY : protocol;
        sourcePrefixes = Check.list("sourcePrefixes", sourcePrefixes, 64);
        destinationPrefixes = Check.list("destinationPrefixes", destinationPrefixes, 64);
        sourcePorts = Check.list("sourcePorts", sourcePorts, 16);
        destinationPorts = Check.list("destinationPorts", destinationPorts, 16);
        if (!protocol.hasPorts() && !sourcePorts.isEmpty()) {
            throw new ValidationException("sourcePorts", "protocol", "need protocol tcp or udp, protocol is " + protocol.wire());
        }
        if (!protocol.hasPorts() && !destinationPorts.isEmpty()) {
            throw new ValidationException("destinationPorts", "protocol", "need protocol tcp or udp, protocol is " + protocol.wire());
        }
    }

    /** Matches all traffic. */
    public static PolicyMatch any() {
        return new PolicyMatch(List.of(), Protocol.ANY, List.of(), List.of(), List.of(), List.of());
    }
}
