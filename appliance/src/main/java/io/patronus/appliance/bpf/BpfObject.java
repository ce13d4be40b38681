package io.patronus.appliance.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded ELF object: its maps created (or reused from pins, see {@link LoadOptions}) and its programs loaded
 * against them. Closing it closes every descriptor; pinned maps and attached programs stay in the kernel.
 * Loading is all or nothing: on any failure everything created so far is closed (pins made so far stay, and
 * the next load reuses them). Thread-safe: immutable after {@link #load}.
 */
public final class BpfObject implements AutoCloseable {
    /** A pinning race lost twice in a row means something else keeps replacing the pin. */
    private static final int PIN_ATTEMPTS = 3;

    private final String origin;
    private final Map<String, BpfMap> maps;
    private final Map<String, BpfProgram> programs;

    private BpfObject(String origin, Map<String, BpfMap> maps, Map<String, BpfProgram> programs) {
        this.origin = origin;
        this.maps = Collections.unmodifiableMap(maps);
        this.programs = Collections.unmodifiableMap(programs);
    }

    /** Creates or reuses the maps of {@code elf} and loads its programs. */
    public static BpfObject load(ElfObject elf, LoadOptions options) {
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        Map<String, BpfProgram> programs = new LinkedHashMap<>();
        try {
            options.pinDirectory().ifPresent(Bpffs::ensureMounted);
            for (MapSpec spec : elf.maps()) {
                BpfMap map = options.pinDirectory().isPresent()
                        ? pinned(spec, options.pinDirectory().get().resolve(spec.name()), options.replaceIncompatiblePins(), elf.origin())
                        : BpfMap.create(spec, elf.origin());
                maps.put(spec.name(), map);
            }
            for (ProgramSpec spec : elf.programs()) {
                programs.put(spec.name(), BpfProgram.load(spec, maps, elf.license(), elf.origin()));
            }
            return new BpfObject(elf.origin(), maps, programs);
        } catch (RuntimeException e) {
            programs.values().forEach(BpfProgram::close);
            maps.values().forEach(BpfMap::close);
            throw e;
        }
    }

    /** The map pinned at {@code pin} if its shape matches {@code spec}, else a new map pinned there. */
    private static BpfMap pinned(MapSpec spec, Path pin, boolean replaceIncompatible, String origin) {
        String description = "map '" + spec.name() + "' from " + origin + " pinned at " + pin;
        for (int attempt = 1; ; attempt++) {
            if (Files.exists(pin, LinkOption.NOFOLLOW_LINKS)) {
                BpfMap existing = BpfMap.open(pin);
                if (existing.spec().sameShape(spec)) {
                    return existing.as(spec, description);
                }
                MapSpec found = existing.spec();
                existing.close();
                if (!replaceIncompatible) {
                    throw BpfException.failed("reuse", description, "the pinned map is " + found + " but " + origin
                            + " defines " + spec + "; remove the pin, or load with replaceIncompatiblePins to replace it");
                }
                try {
                    Files.deleteIfExists(pin);
                } catch (IOException e) {
                    throw BpfException.failed("unpin", description, 0, e.toString(), e);
                }
            }
            BpfMap created = BpfMap.create(spec, origin);
            try {
                created.pin(pin);
                return created.as(spec, description);
            } catch (BpfException e) {
                created.close();
                // EEXIST: another loader pinned the same map between our check and our pin; take theirs.
                if (e.errno() != BpfSyscall.EEXIST || attempt >= PIN_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The object's origin (file name) as given to {@link ElfObject#parse}. */
    public String origin() {
        return origin;
    }

    /** The map named {@code name} in the object. */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            throw BpfException.failed("lookup", "map '" + name + "' in " + origin, "no such map; the object has " + maps.keySet());
        }
        return m;
    }

    /** The program named {@code name} (its function's symbol name). */
    public BpfProgram program(String name) {
        BpfProgram p = programs.get(name);
        if (p == null) {
            throw BpfException.failed("lookup", "program '" + name + "' in " + origin, "no such program; the object has "
                    + programs.keySet());
        }
        return p;
    }

    /** The maps in definition order. */
    public List<BpfMap> maps() {
        return List.copyOf(maps.values());
    }

    /** The programs in section order. */
    public List<BpfProgram> programs() {
        return List.copyOf(programs.values());
    }

    /** Closes every program and map descriptor. Idempotent. */
    @Override
    public void close() {
        programs.values().forEach(BpfProgram::close);
        maps.values().forEach(BpfMap::close);
    }

    @Override
    public String toString() {
        return "BpfObject[" + origin + ": maps " + maps.keySet() + ", programs " + programs.keySet() + "]";
    }
}
