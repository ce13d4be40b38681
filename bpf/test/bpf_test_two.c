// Two programs in one section, each counting into its own slot of a shared array, so that a test can tell
// which one is attached (replaceProgram). Its test_counter differs from bpf_test_pass.c's (two entries, not one)
// on purpose: loading both against one pin directory must fail as incompatible.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

struct bpf_map_def {
    unsigned int type, key_size, value_size, max_entries, map_flags;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;

struct bpf_map_def SEC("maps") test_counter = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 2,
};

static __always_inline int count(__u32 slot) {
    __u64 *n = bpf_map_lookup_elem(&test_counter, &slot);
    if (n)
        __sync_fetch_and_add(n, 1);
    return TC_ACT_OK;
}

SEC("tc")
int count_first(struct __sk_buff *skb) {
    skb->mark = 1;
    return count(0);
}

SEC("tc")
int count_second(struct __sk_buff *skb) {
    skb->mark = 2;
    return count(1);
}

char _license[] SEC("license") = "GPL";
