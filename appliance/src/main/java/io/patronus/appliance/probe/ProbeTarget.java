package io.patronus.appliance.probe;

import io.patronus.model.SlaClass;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One path to probe: from the local address of a colour (through its tunnel, selected by {@code fwmark}) to a remote
 * site's reflector, every {@code interval}, DOWN after {@code detectMultiplier} probes lost in a row, judged against
 * {@code sla}. The interval and multiplier are those of the SLA class (or the appliance's defaults when the class
 * names none); the caller resolves them, so that the prober needs no notion of defaults.
 *
 * @param pathId    the caller's name for the path, unique within a prober (e.g. {@code fiber:site-b})
 * @param colour    the local colour, sent in each probe so that the reflector answers over the same colour (at most
 *                  15 printable ASCII characters; empty for none)
 * @param local     the address to send from; port 0 for an ephemeral port. Paths with the same local address and
 *                  fwmark share one socket
 * @param reflector the remote reflector's address (default port {@value ProbeReflector#DEFAULT_PORT})
 * @param fwmark    the SO_MARK of the probes (0: none), so that policy routing sends them through the colour's tunnel
 * @param interval  time between probes, 10 ms to 1 hour (100 ms by default in the SLA classes)
 * @param detectMultiplier probes lost in a row (spanning that many intervals) that make the path DOWN, and replies in a
 *                  row that make a new path UP; {@value #MIN_DETECT_MULTIPLIER} to {@value #MAX_DETECT_MULTIPLIER}
 * @param sla       the SLA class the path is judged against
 */
public record ProbeTarget(String pathId, String colour, InetSocketAddress local, InetSocketAddress reflector, int fwmark,
                          Duration interval, int detectMultiplier, SlaClass sla) {
    /** The shortest probe interval accepted. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /** The interval when the configuration names none. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    public static final int MIN_DETECT_MULTIPLIER = 1;
    public static final int MAX_DETECT_MULTIPLIER = 50;
    /** The detect multiplier when the configuration names none: BFD's usual 3. */
    public static final int DEFAULT_DETECT_MULTIPLIER = 3;

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
            checkDetectMultiplier(detectMultiplier);
        } catch (ProbeException e) {
            throw new ProbeException(what + e.getMessage());
        }
        if (sla == null) {
            throw new ProbeException(what + "SLA class is required");
        }
    }

    /** A target with the {@linkplain #DEFAULT_DETECT_MULTIPLIER default detect multiplier}. */
    public ProbeTarget(String pathId, String colour, InetSocketAddress local, InetSocketAddress reflector, int fwmark,
                       Duration interval, SlaClass sla) {
        this(pathId, colour, local, reflector, fwmark, interval, DEFAULT_DETECT_MULTIPLIER, sla);
    }

    /**
     * The same socket and remote end (only interval, detect multiplier and SLA may differ): the path keeps its
     * measurements.
     */
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

    static int checkDetectMultiplier(int detectMultiplier) {
        if (detectMultiplier < MIN_DETECT_MULTIPLIER || detectMultiplier > MAX_DETECT_MULTIPLIER) {
            throw new ProbeException("detect multiplier must be between " + MIN_DETECT_MULTIPLIER + " and "
                    + MAX_DETECT_MULTIPLIER + ", was " + detectMultiplier);
        }
        return detectMultiplier;
    }
}
