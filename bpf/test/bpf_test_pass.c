// A minimal tc program for the loader's tests: counts packets in an array map and passes them.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

struct bpf_map_def {
    unsigned int type, key_size, value_size, max_entries, map_flags;
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;

struct bpf_map_def SEC("maps") test_counter = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
};

SEC("tc")
int test_pass(struct __sk_buff *skb) {
    __u32 key = 0;
    __u64 *n = bpf_map_lookup_elem(&test_counter, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    skb->mark = 0x42;
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
