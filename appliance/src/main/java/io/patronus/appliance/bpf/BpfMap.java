package io.patronus.appliance.bpf;

import jnr.ffi.Pointer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.patronus.appliance.bpf.BpfSyscall.alloc;

/**
 * A kernel BPF map held by its file descriptor: element lookups, updates, deletes, key iteration, batched and
 * per-CPU access, pinning to bpffs and reopening a pin.
 *
 * <p>Keys and values are raw bytes in the layout the BPF program uses (host byte order for integers, network order
 * where the program says so, e.g. LPM trie addresses); their lengths must equal the spec's sizes. Per-CPU maps
 * ({@link MapType#perCpu}) hold one value per possible CPU: use {@link #lookupPerCpu} and {@link #updatePerCpu}
 * for them, the single-value methods refuse them.
 *
 * <p>Thread-safety: every element operation is one system call that the kernel serialises, so a map may be used
 * from many threads at once (a multi-element operation such as {@link #updateBatch} or {@link #keys} is not atomic
 * as a whole). {@link #close()} must not race with other calls: once the descriptor is closed its number may be
 * reused by an unrelated file.
 */
public final class BpfMap implements AutoCloseable {
    /** Update flags: create or replace. */
    public static final long ANY = 0;
    /** Update flags: create only; EEXIST if present. */
    public static final long NOEXIST = 1;
    /** Update flags: replace only; ENOENT if absent. */
    public static final long EXIST = 2;

    private static final int ELEM_ATTR = 32;
    private static final int CREATE_ATTR = 72;
    private static final int BATCH_ATTR = 56;
    private static final int MAP_INFO_LEN = 40;
    /** Bytes of keys plus values sent per MAP_UPDATE_BATCH call. */
    private static final int BATCH_BYTES = 256 * 1024;

    private final MapSpec spec;
    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when the kernel refused a batch update for this map (LPM tries, old kernels): per-element from then on. */
    private volatile boolean batchUnsupported;

    private BpfMap(MapSpec spec, int fd, String description) {
        this.spec = spec;
        this.fd = fd;
        this.description = description;
    }

    /** BPF_MAP_CREATE: map_type@0 key_size@4 value_size@8 max_entries@12 map_flags@16 map_name@28. */
    static BpfMap create(MapSpec spec, String origin) {
        String description = "map '" + spec.name() + "' from " + origin;
        Pointer attr = alloc(CREATE_ATTR);
        attr.putInt(0, spec.type());
        attr.putInt(4, spec.keySize());
        attr.putInt(8, spec.valueSize());
        attr.putInt(12, spec.maxEntries());
        attr.putInt(16, spec.flags());
        byte[] name = BpfSyscall.objectName(spec.name());
        attr.put(28, name, 0, name.length);
        int fd = (int) BpfSyscall.check(BpfSyscall.MAP_CREATE, attr, CREATE_ATTR, description + " (" + spec + ")");
        return new BpfMap(spec, fd, description);
    }

    /** The map pinned at {@code pin}, its spec read from the kernel (the name as the kernel keeps it, at most 15 bytes). */
    public static BpfMap open(Path pin) {
        String description = "map pinned at " + pin;
        int fd = BpfSyscall.objGet(pin, "map");
        try {
            return new BpfMap(specOf(fd, description), fd, description);
        } catch (RuntimeException e) {
            BpfSyscall.close(fd);
            throw e;
        }
    }

    /** The same kernel map under the spec the caller expects (a pin reused by an object keeps the object's name). */
    BpfMap as(MapSpec expected, String newDescription) {
        return new BpfMap(expected, fd, newDescription);
    }

    /** bpf_map_info: type@0 id@4 key_size@8 value_size@12 max_entries@16 map_flags@20 name[16]@24. */
    private static MapSpec specOf(int fd, String description) {
        String kind = BpfSyscall.fdKind(fd);
        if (!kind.equals("bpf-map")) {
            throw BpfException.failed("open", description, "the pin is a " + kind + ", not a map");
        }
        byte[] info = BpfSyscall.info(fd, MAP_INFO_LEN, description);
        String name = BpfSyscall.cString(info, 24, BpfSyscall.OBJ_NAME_LEN);
        return new MapSpec(name.isEmpty() ? "unnamed" : name, BpfSyscall.u32(info, 0), BpfSyscall.u32(info, 8),
                BpfSyscall.u32(info, 12), BpfSyscall.u32(info, 16), BpfSyscall.u32(info, 20));
    }

    /** The number of values a per-CPU map holds per key (CPUs in {@code /sys/devices/system/cpu/possible}). */
    public static int possibleCpus() {
        return PossibleCpus.count();
    }

    public MapSpec spec() {
        return spec;
    }

    /** The file descriptor; valid until {@link #close()}. */
    public int fd() {
        ensureOpen();
        return fd;
    }

    /** The kernel's id of this map (as {@code bpftool map show} lists it). */
    public int id() {
        ensureOpen();
        return BpfSyscall.u32(BpfSyscall.info(fd, MAP_INFO_LEN, description), 4);
    }

    /** The value stored under {@code key}, empty if there is none. Not for per-CPU maps. */
    public Optional<byte[]> lookup(byte[] key) {
        requireSingleValue("lookup");
        checkLength(key, spec.keySize(), "key");
        Pointer attr = elemAttr(key, spec.valueSize());
        long r = BpfSyscall.call(BpfSyscall.MAP_LOOKUP_ELEM, attr, ELEM_ATTR);
        if (r == -BpfSyscall.ENOENT) {
            return Optional.empty();
        }
        checkResult(BpfSyscall.MAP_LOOKUP_ELEM, r);
        byte[] value = new byte[spec.valueSize()];
        attr.get(ELEM_ATTR + key.length, value, 0, value.length);
        return Optional.of(value);
    }

    /** Creates or replaces the value under {@code key} (BPF_ANY). Not for per-CPU maps. */
    public void update(byte[] key, byte[] value) {
        update(key, value, ANY);
    }

    /** Stores {@code value} under {@code key} with {@link #ANY}, {@link #NOEXIST} or {@link #EXIST}. Not for per-CPU maps. */
    public void update(byte[] key, byte[] value, long flags) {
        requireSingleValue("update");
        checkLength(key, spec.keySize(), "key");
        checkLength(value, spec.valueSize(), "value");
        Pointer attr = elemAttr(key, value.length);
        attr.put(ELEM_ATTR + key.length, value, 0, value.length);
        attr.putLong(24, flags);
        checkResult(BpfSyscall.MAP_UPDATE_ELEM, BpfSyscall.call(BpfSyscall.MAP_UPDATE_ELEM, attr, ELEM_ATTR));
    }

    /** Deletes {@code key}; false if it was not there. Arrays cannot delete (EINVAL). */
    public boolean delete(byte[] key) {
        checkLength(key, spec.keySize(), "key");
        Pointer attr = elemAttr(key, 0);
        long r = BpfSyscall.call(BpfSyscall.MAP_DELETE_ELEM, attr, ELEM_ATTR);
        if (r == -BpfSyscall.ENOENT) {
            return false;
        }
        checkResult(BpfSyscall.MAP_DELETE_ELEM, r);
        return true;
    }

    /**
     * Stores every {@code keys[i] -> values[i]} (BPF_ANY) with BPF_MAP_UPDATE_BATCH, in chunks of about 256 KiB.
     * Map types without batch support (device maps; LPM tries before Linux 6.x; every map before 5.6) answer
     * EINVAL, ENOTSUPP or EOPNOTSUPP: the map remembers that and stores element by element from then on. Not atomic: on an error, the elements before
     * the failing one are stored. Not for per-CPU maps.
     */
    public void updateBatch(List<byte[]> keys, List<byte[]> values) {
        requireSingleValue("updateBatch");
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(description + ": " + keys.size() + " keys but " + values.size() + " values");
        }
        for (int i = 0; i < keys.size(); i++) {
            checkLength(keys.get(i), spec.keySize(), "key " + i);
            checkLength(values.get(i), spec.valueSize(), "value " + i);
        }
        int k = spec.keySize();
        int v = spec.valueSize();
        int perChunk = Math.max(1, BATCH_BYTES / Math.max(1, k + v));
        int done = 0;
        while (done < keys.size()) {
            if (batchUnsupported) {
                for (int i = done; i < keys.size(); i++) {
                    update(keys.get(i), values.get(i), ANY);
                }
                return;
            }
            int n = Math.min(perChunk, keys.size() - done);
            long keysAt = BATCH_ATTR;
            long valuesAt = keysAt + (long) n * k;
            Pointer attr = alloc(valuesAt + (long) n * v);
            for (int i = 0; i < n; i++) {
                attr.put(keysAt + (long) i * k, keys.get(done + i), 0, k);
                attr.put(valuesAt + (long) i * v, values.get(done + i), 0, v);
            }
            // in_batch@0 out_batch@8 keys@16 values@24 count@32 map_fd@36 elem_flags@40 flags@48
            attr.putLong(16, attr.address() + keysAt);
            attr.putLong(24, attr.address() + valuesAt);
            attr.putInt(32, n);
            attr.putInt(36, fd());
            long r = BpfSyscall.call(BpfSyscall.MAP_UPDATE_BATCH, attr, BATCH_ATTR);
            if (r < 0) {
                int errno = (int) -r;
                if (errno == BpfSyscall.EINVAL || errno == BpfException.ENOTSUPP || errno == BpfSyscall.EOPNOTSUPP) {
                    // Re-storing this chunk's first elements one by one is harmless: BPF_ANY is idempotent.
                    batchUnsupported = true;
                    continue;
                }
                int stored = attr.getInt(32);
                throw BpfException.syscall("bpf MAP_UPDATE_BATCH", description, errno,
                        Optional.of((done + stored) + " of " + keys.size() + " elements stored before the failure"));
            }
            done += n;
        }
    }

    /** False once the kernel has refused a batch update for this map and {@link #updateBatch} goes element by element. */
    boolean batchSupported() {
        return !batchUnsupported;
    }

    /**
     * Every key, in the kernel's iteration order (BPF_MAP_GET_NEXT_KEY). Under concurrent deletes a hash map may
     * restart its iteration; the list is capped at max_entries keys so that this always ends.
     */
    public List<byte[]> keys() {
        int k = spec.keySize();
        List<byte[]> out = new ArrayList<>();
        byte[] previous = null;
        while (out.size() < Integer.toUnsignedLong(spec.maxEntries())) {
            Pointer attr = alloc(ELEM_ATTR + 2L * k);
            attr.putInt(0, fd());
            if (previous != null) {
                attr.put(ELEM_ATTR, previous, 0, k);
                attr.putLong(8, attr.address() + ELEM_ATTR);
            }
            attr.putLong(16, attr.address() + ELEM_ATTR + k);
            long r = BpfSyscall.call(BpfSyscall.MAP_GET_NEXT_KEY, attr, 24);
            if (r == -BpfSyscall.ENOENT) {
                break;
            }
            checkResult(BpfSyscall.MAP_GET_NEXT_KEY, r);
            byte[] next = new byte[k];
            attr.get(ELEM_ATTR + k, next, 0, k);
            out.add(next);
            previous = next;
        }
        return out;
    }

    /** A per-CPU map's values under {@code key}, one per possible CPU in CPU order; empty if the key is absent. */
    public List<byte[]> lookupPerCpu(byte[] key) {
        requirePerCpu("lookupPerCpu");
        checkLength(key, spec.keySize(), "key");
        int cpus = possibleCpus();
        int stride = stride();
        Pointer attr = elemAttr(key, (long) stride * cpus);
        long r = BpfSyscall.call(BpfSyscall.MAP_LOOKUP_ELEM, attr, ELEM_ATTR);
        if (r == -BpfSyscall.ENOENT) {
            return List.of();
        }
        checkResult(BpfSyscall.MAP_LOOKUP_ELEM, r);
        List<byte[]> out = new ArrayList<>(cpus);
        for (int cpu = 0; cpu < cpus; cpu++) {
            byte[] value = new byte[spec.valueSize()];
            attr.get(ELEM_ATTR + key.length + (long) cpu * stride, value, 0, value.length);
            out.add(value);
        }
        return List.copyOf(out);
    }

    /** Stores one value per possible CPU under {@code key} (BPF_ANY); {@code values.size()} must equal {@link #possibleCpus()}. */
    public void updatePerCpu(byte[] key, List<byte[]> values) {
        requirePerCpu("updatePerCpu");
        checkLength(key, spec.keySize(), "key");
        int cpus = possibleCpus();
        if (values.size() != cpus) {
            throw new IllegalArgumentException(description + " is per-CPU over " + cpus + " possible CPUs, got " + values.size() + " values");
        }
        int stride = stride();
        Pointer attr = elemAttr(key, (long) stride * cpus);
        for (int cpu = 0; cpu < cpus; cpu++) {
            checkLength(values.get(cpu), spec.valueSize(), "value for CPU " + cpu);
            attr.put(ELEM_ATTR + key.length + (long) cpu * stride, values.get(cpu), 0, spec.valueSize());
        }
        checkResult(BpfSyscall.MAP_UPDATE_ELEM, BpfSyscall.call(BpfSyscall.MAP_UPDATE_ELEM, attr, ELEM_ATTR));
    }

    /** Pins the map at {@code path} on a bpf filesystem; the map then outlives this process. EEXIST if the path exists. */
    public void pin(Path path) {
        BpfSyscall.pin(fd(), path, description);
    }

    /** Closes the descriptor; a pinned map, or one a loaded program uses, lives on in the kernel. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            BpfSyscall.close(fd);
        }
    }

    @Override
    public String toString() {
        return "BpfMap[" + spec + ", fd " + fd + (closed.get() ? ", closed" : "") + "]";
    }

    /** An element attr (map_fd@0 key@8 value@16 flags@24) followed by the key and {@code valueBytes} for the value. */
    private Pointer elemAttr(byte[] key, long valueBytes) {
        Pointer attr = alloc(ELEM_ATTR + key.length + valueBytes);
        attr.putInt(0, fd());
        attr.put(ELEM_ATTR, key, 0, key.length);
        attr.putLong(8, attr.address() + ELEM_ATTR);
        if (valueBytes > 0) {
            attr.putLong(16, attr.address() + ELEM_ATTR + key.length);
        }
        return attr;
    }

    private int stride() {
        return (spec.valueSize() + 7) & ~7;
    }

    private void checkResult(int cmd, long r) {
        if (r < 0) {
            throw BpfSyscall.failure(cmd, description, (int) -r);
        }
    }

    private void checkLength(byte[] b, int expected, String what) {
        if (b.length != expected) {
            throw new IllegalArgumentException(description + " has " + expected + "-byte " + (what.startsWith("key") ? "keys" : "values")
                    + ", " + what + " has " + b.length + " bytes");
        }
    }

    private void requireSingleValue(String operation) {
        if (MapType.perCpu(spec.type())) {
            throw new IllegalStateException(description + " is " + MapType.name(spec.type()) + ", one value per CPU: "
                    + operation + " does not apply, use lookupPerCpu/updatePerCpu");
        }
    }

    private void requirePerCpu(String operation) {
        if (!MapType.perCpu(spec.type())) {
            throw new IllegalStateException(description + " is " + MapType.name(spec.type()) + ", not per-CPU: " + operation
                    + " does not apply");
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(description + " is closed");
        }
    }
}
