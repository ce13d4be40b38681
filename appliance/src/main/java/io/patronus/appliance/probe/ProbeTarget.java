package io.patronus.appliance.probe;

import io.patronus.model.SlaClass;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One path to probe: from the local address of a colour (through its tunnel, selected by {@code fwmark}) to a remote
 * site's reflector, every {@code interval}, judged against {@code sla}.
 *
 * @param pathId    the caller's name for the path, unique within a prober (e.g. {@code fiber:site-b})
 * @param colour    the local colour, sent in each probe so that the reflector answers over the same colour (at most
 *                  15 printable ASCII characters; empty for none)
 * @param local     the address to send from; port 0 for an ephemeral port. Paths with the same local address and
 *                  fwmark share one socket
 * @param reflector the remote reflector's address (default port {@value ProbeReflector#DEFAULT_PORT})
 * @param fwmark    the SO_MARK of the probes (0: none), so that policy routing sends them through the colour's tunnel
 * @param interval  time between probes, 10 ms to 1 hour (100 ms by default in the SLA classes)
 * @param sla       the SLA class the path is judged against
 */
public record ProbeTarget(String pathId, String colour, InetSocketAddress local, InetSocketAddress reflector, int fwmark,
                          Duration interval, SlaClass sla) {
    /** The shortest probe interval accepted. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /** The interval when the configuration names none. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    public ProbeTarget {
        if (pathId == null || pathId.isBlank() || pathId.length() > 200) {
            throw new ProbeException("probe target pathId must be 1-200 characters, was '" + pathId + "'");
        }
        String what = "probe target " + pathId + ": ";
        if (colour == null) {
            throw new ProbeException(what + "colour is required (the empty string for none)");
        }
        if (colour.length() > ProbePacket.MAX_COLOUR_BYTES || !colour.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new ProbeException(what + "colour must be at most " + ProbePacket.MAX_COLOUR_BYTES
                    + " printable ASCII characters, was '" + colour + "'");
        }
        if (local == null || local.isUnresolved()) {
            throw new ProbeException(what + "local address must be a numeric address, was " + local);
        }
        if (reflector == null || reflector.isUnresolved() || reflector.getPort() == 0) {
            throw new ProbeException(what + "reflector must be a numeric address with a port, was " + reflector);
        }
        if (local.getAddress() instanceof Inet4Address && !(reflector.getAddress() instanceof Inet4Address)) {
            throw new ProbeException(what + "cannot probe IPv6 reflector " + reflector + " from IPv4 address " + local);
        }
        try {
            checkInterval(interval);
        } catch (ProbeException e) {
            throw new ProbeException(what + e.getMessage());
        }
        if (sla == null) {
            throw new ProbeException(what + "SLA class is required");
        }
    }

    /** The same socket and remote end (only interval and SLA may differ): the path keeps its measurements. */
    boolean sameEndpoint(ProbeTarget other) {
        return pathId.equals(other.pathId) && colour.equals(other.colour) && local.equals(other.local)
                && reflector.equals(other.reflector) && fwmark == other.fwmark;
    }

    static Duration checkInterval(Duration interval) {
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new ProbeException("probe interval must be between 10 ms and 1 hour, was " + interval);
        }
        return interval;
    }
}
