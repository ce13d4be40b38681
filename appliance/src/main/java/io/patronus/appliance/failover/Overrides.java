package io.patronus.appliance.failover;

import com.fasterxml.jackson.core.type.TypeReference;
import io.patronus.model.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Manual failover pins ({@code patronus failover trigger}), kept in a small file in the data directory so that a pin
 * survives a restart: an operator who pinned traffic away from a bad link at 3 a.m. does not want a reboot to undo it.
 * Thread-safe.
 */
public final class Overrides {
    private final Optional<Path> file;
    private final Map<Target, String> pins = new LinkedHashMap<>();

    private Overrides(Optional<Path> file) {
        this.file = file;
    }

    public static Overrides inMemory() {
        return new Overrides(Optional.empty());
    }

    /** Loads the pins from {@code file}; an unreadable file is reported and ignored (no pins), never fatal. */
    public static Overrides open(Path file) {
        Overrides o = new Overrides(Optional.of(file));
        if (Files.exists(file)) {
            try {
                List<Map<String, String>> list = Json.mapper().readValue(file.toFile(), new TypeReference<>() {
                });
                for (Map<String, String> m : list) {
                    o.pins.put(new Target(m.getOrDefault("policyId", ""), m.get("siteId")), m.get("colour"));
                }
            } catch (IOException | RuntimeException e) {
                System.getLogger(Overrides.class.getName()).log(System.Logger.Level.WARNING,
                        "ignoring unreadable failover pin file " + file + ": " + e.getMessage());
            }
        }
        return o;
    }

    public synchronized Optional<String> get(Target t) {
        return Optional.ofNullable(pins.get(t));
    }

    public synchronized Map<Target, String> all() {
        return Map.copyOf(pins);
    }

    synchronized void put(Target t, String colour) {
        pins.put(t, colour);
        save();
    }

    synchronized boolean remove(Target t) {
        boolean had = pins.remove(t) != null;
        if (had) {
            save();
        }
        return had;
    }

    private void save() {
        if (file.isEmpty()) {
            return;
        }
        Path f = file.get();
        List<Map<String, String>> list = new ArrayList<>();
        pins.forEach((t, c) -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("policyId", t.policyId());
            m.put("siteId", t.siteId());
            m.put("colour", c);
            list.add(m);
        });
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.write(tmp, Json.mapper().writeValueAsBytes(list));
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write failover pins to " + f + ": " + e.getMessage(), e);
        }
    }
}
