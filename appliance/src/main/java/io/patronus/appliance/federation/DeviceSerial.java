package io.patronus.appliance.federation;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * This device's serial: {@code federation.serial} when set, else the DMI product serial when readable and not a
 * vendor placeholder ("To Be Filled By O.E.M."), else the host name. {@link Resolved#source()} says which, for the log.
 */
public final class DeviceSerial {
    /** Where Linux exposes the board's product serial (readable by root only on most systems). */
    public static final Path DMI_PRODUCT_SERIAL = Path.of("/sys/class/dmi/id/product_serial");
    private static final Set<String> PLACEHOLDERS = Set.of("", "0", "none", "default string", "to be filled by o.e.m.",
            "system serial number", "not specified", "not applicable", "0123456789", "123456789", "serial");

    /** A serial and where it came from. */
    public record Resolved(String serial, String source) {
    }

    private DeviceSerial() {
    }

    /** Resolves with the real DMI file and host name. */
    public static Resolved resolve(String configured) {
        return resolve(configured, DMI_PRODUCT_SERIAL, DeviceSerial::hostname);
    }

    static Resolved resolve(String configured, Path dmi, Supplier<String> hostname) {
        if (!configured.isEmpty()) {
            return new Resolved(configured, "federation.serial");
        }
        Optional<String> fromDmi = readDmi(dmi);
        if (fromDmi.isPresent()) {
            return new Resolved(fromDmi.get(), dmi.toString());
        }
        return new Resolved(hostname.get(), "the host name (" + dmi + " is not readable or holds no serial)");
    }

    private static Optional<String> readDmi(Path dmi) {
        try {
            String s = Files.readString(dmi, StandardCharsets.UTF_8).strip();
            if (PLACEHOLDERS.contains(s.toLowerCase(Locale.ROOT)) || s.length() > 64 || !s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                return Optional.empty();
            }
            return Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? (env == null ? "unknown-host" : env) : h;
        } catch (IOException e) {
            return env == null || env.isBlank() ? "unknown-host" : env;
        }
    }
}
