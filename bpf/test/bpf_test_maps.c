// Several legacy maps and programs in three sections, for the loader's ELF, map and test-run tests:
// a per-CPU packet counter (tcx/ingress) and a destination classifier (classifier) that looks the IPv4
// destination up in an LPM trie, writes the class into skb->mark and counts packets per class in a hash map.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define net16(x) __builtin_bswap16(x)
#else
#define net16(x) (x)
#endif

struct bpf_map_def {
    unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct lpm_v4_key {
    __u32 prefixlen; // host order, as the LPM trie wants it
    __u32 addr;      // network order
};

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) =
    (void *) BPF_FUNC_map_update_elem;

struct bpf_map_def SEC("maps") test_hash = {
    .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 128,
};
struct bpf_map_def SEC("maps") test_percpu = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
};
struct bpf_map_def SEC("maps") test_lpm = {
    .type = BPF_MAP_TYPE_LPM_TRIE, .key_size = 8, .value_size = 4, .max_entries = 256,
    .map_flags = BPF_F_NO_PREALLOC,
};
struct bpf_map_def SEC("maps") test_big = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 10000,
};

SEC("tcx/ingress")
int count_percpu(struct __sk_buff *skb) {
    __u32 key = 0;
    __u64 *n = bpf_map_lookup_elem(&test_percpu, &key);
    if (n)
        *n += 1; // per-CPU slot: no atomic needed
    return TC_ACT_OK;
}

SEC("classifier")
int classify_dst(struct __sk_buff *skb) {
    void *data = (void *) (long) skb->data;
    void *end = (void *) (long) skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = data + sizeof(*eth);
    if ((void *) (ip + 1) > end || eth->h_proto != net16(ETH_P_IP))
        return TC_ACT_OK;
    struct lpm_v4_key key = {.prefixlen = 32, .addr = ip->daddr};
    __u32 *cls = bpf_map_lookup_elem(&test_lpm, &key);
    __u32 c = cls ? *cls : 0;
    skb->mark = c;
    __u64 *n = bpf_map_lookup_elem(&test_hash, &c);
    if (n) {
        __sync_fetch_and_add(n, 1);
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&test_hash, &c, &one, BPF_NOEXIST);
    }
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
