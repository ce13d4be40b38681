package io.patronus.appliance.bpf;

/**
 * The {@code enum bpf_map_type} numbers our programs use, with names for messages. Plain ints because the ELF
 * {@code maps} section and the kernel speak numbers and a pinned map may be of any type.
 */
public final class MapType {
    public static final int HASH = 1;
    public static final int ARRAY = 2;
    public static final int PROG_ARRAY = 3;
    public static final int PERF_EVENT_ARRAY = 4;
    public static final int PERCPU_HASH = 5;
    public static final int PERCPU_ARRAY = 6;
    public static final int LRU_HASH = 9;
    public static final int LRU_PERCPU_HASH = 10;
    public static final int LPM_TRIE = 11;
    public static final int ARRAY_OF_MAPS = 12;
    public static final int HASH_OF_MAPS = 13;
    public static final int DEVMAP = 14;
    public static final int PERCPU_CGROUP_STORAGE = 21;

    private MapType() {
    }

    /** {@code HASH}, {@code LPM_TRIE}..., or {@code type N} for numbers we do not name. */
    public static String name(int type) {
        return switch (type) {
            case HASH -> "HASH";
            case ARRAY -> "ARRAY";
            case PROG_ARRAY -> "PROG_ARRAY";
            case PERF_EVENT_ARRAY -> "PERF_EVENT_ARRAY";
            case PERCPU_HASH -> "PERCPU_HASH";
            case PERCPU_ARRAY -> "PERCPU_ARRAY";
            case LRU_HASH -> "LRU_HASH";
            case LRU_PERCPU_HASH -> "LRU_PERCPU_HASH";
            case LPM_TRIE -> "LPM_TRIE";
            case ARRAY_OF_MAPS -> "ARRAY_OF_MAPS";
            case HASH_OF_MAPS -> "HASH_OF_MAPS";
            case DEVMAP -> "DEVMAP";
            case PERCPU_CGROUP_STORAGE -> "PERCPU_CGROUP_STORAGE";
            default -> "type " + type;
        };
    }

    /** Whether values of {@code type} hold one slot per possible CPU (lookups return them all). */
    public static boolean perCpu(int type) {
        return type == PERCPU_HASH || type == PERCPU_ARRAY || type == LRU_PERCPU_HASH || type == PERCPU_CGROUP_STORAGE;
    }
}
