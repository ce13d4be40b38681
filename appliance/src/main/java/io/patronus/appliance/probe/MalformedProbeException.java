package io.patronus.appliance.probe;

/**
 * A datagram is not a valid version-1 probe packet (too short or long, wrong magic, version or type, a colour that is
 * not printable ASCII). The only exception {@link ProbePacket#decode} throws, whatever the bytes.
 */
public final class MalformedProbeException extends ProbeException {
    public MalformedProbeException(String detail) {
        super("malformed probe packet: " + detail);
    }
}
