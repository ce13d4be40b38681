/* The handful of helper declarations and section macros the programs need, so that the build depends on
 * the kernel's uapi headers only (no libbpf). */
#ifndef PATRONUS_BPF_DEFS_H
#define PATRONUS_BPF_DEFS_H

#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
/* linux/stddef.h defines it as plain __inline__, which does not force inlining; our loader needs it forced. */
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))

/* Legacy map definition; the Java loader (ElfObject) reads the `maps` section as an array of these. */
struct bpf_map_def {
    __u32 type;
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 map_flags;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static __u64 (*bpf_ktime_get_ns)(void) = (void *) BPF_FUNC_ktime_get_ns;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to, __u32 len) = (void *) BPF_FUNC_skb_load_bytes;
static long (*bpf_skb_store_bytes)(void *skb, __u32 offset, const void *from, __u32 len, __u64 flags) =
    (void *) BPF_FUNC_skb_store_bytes;
static long (*bpf_l4_csum_replace)(void *skb, __u32 offset, __u64 from, __u64 to, __u64 flags) =
    (void *) BPF_FUNC_l4_csum_replace;

#define pat_ntohs(x) __builtin_bswap16(x)
#define pat_htons(x) __builtin_bswap16(x)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
