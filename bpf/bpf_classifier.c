// Patronus traffic classifier: attached at tc ingress of the LAN interface, it finds the destination site,
// the first matching routing policy and sets skb->mark to the colour the steering map holds for them, so that
// the per-colour ip rules send the packet into that colour's WireGuard tunnel.
//
// Rules are matched with bitmaps rather than a scan: every dimension (destination prefix, source prefix, DSCP,
// protocol, source port, destination port) maps the packet's value to the set of rules that accept it, the sets
// are ANDed, and the lowest set bit is the highest-priority match. The cost is the same for 1 or 256 rules.
// Two generations of every rule table live side by side; the Java side writes the inactive one and then flips
// pat_config.active_gen, so a packet sees the old rule set or the new one, never a mix.
#include <linux/pkt_cls.h>
#include "lib/bpf_defs.h"
#include "lib/classifier.h"
#include "lib/parse.h"
#include "lib/mss.h"

struct bpf_map_def SEC("maps") pat_config = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_config), .max_entries = 1,
};
struct bpf_map_def SEC("maps") pat_dst = {
    .type = BPF_MAP_TYPE_LPM_TRIE, .key_size = sizeof(struct pat_lpm_key),
    .value_size = sizeof(struct pat_dst_value), .max_entries = 32768, .map_flags = BPF_F_NO_PREALLOC,
};
struct bpf_map_def SEC("maps") pat_src = {
    .type = BPF_MAP_TYPE_LPM_TRIE, .key_size = sizeof(struct pat_lpm_key),
    .value_size = sizeof(struct pat_mask), .max_entries = 32768, .map_flags = BPF_F_NO_PREALLOC,
};
struct bpf_map_def SEC("maps") pat_dscp = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_mask),
    .max_entries = PAT_GENERATIONS * 64,
};
struct bpf_map_def SEC("maps") pat_proto = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_mask),
    .max_entries = PAT_GENERATIONS * 256,
};
struct bpf_map_def SEC("maps") pat_ports = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_mask),
    .max_entries = PAT_GENERATIONS * 2 * PAT_PORTS,
};
struct bpf_map_def SEC("maps") pat_gen = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_gen_info),
    .max_entries = PAT_GENERATIONS,
};
struct bpf_map_def SEC("maps") pat_rules = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_rule),
    .max_entries = PAT_GENERATIONS * PAT_MAX_RULES,
};
struct bpf_map_def SEC("maps") pat_steer = {
    .type = BPF_MAP_TYPE_HASH, .key_size = sizeof(struct pat_steer_key),
    .value_size = sizeof(struct pat_steer_value), .max_entries = 65536,
};
struct bpf_map_def SEC("maps") pat_rate = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_rate_state),
    .max_entries = PAT_MAX_RULES,
};
struct bpf_map_def SEC("maps") pat_policy_stats = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_policy_stats),
    .max_entries = PAT_MAX_RULES,
};
struct bpf_map_def SEC("maps") pat_verdict_stats = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_verdict_stats),
    .max_entries = PAT_V_COUNT,
};

struct bpf_map_def SEC("maps") pat_mss_stats = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = sizeof(struct pat_mss_stats), .max_entries = 1,
};

static __always_inline int verdict(struct __sk_buff *skb, __u32 v, int action) {
    __u32 key = v;
    struct pat_verdict_stats *s = bpf_map_lookup_elem(&pat_verdict_stats, &key);
    if (s) {
        s->packets++;
        s->bytes += skb->len;
    }
    return action;
}

static __always_inline void and_mask(struct pat_mask *acc, const struct pat_mask *m) {
#pragma unroll
    for (int i = 0; i < PAT_MASK_WORDS; i++)
        acc->w[i] &= m->w[i];
}

static __always_inline __u32 lowest_bit(__u64 x) {
    __u32 n = 0;
    if (!(x & 0xffffffffULL)) { n += 32; x >>= 32; }
    if (!(x & 0xffffULL)) { n += 16; x >>= 16; }
    if (!(x & 0xffULL)) { n += 8; x >>= 8; }
    if (!(x & 0xfULL)) { n += 4; x >>= 4; }
    if (!(x & 0x3ULL)) { n += 2; x >>= 2; }
    if (!(x & 0x1ULL)) { n += 1; }
    return n;
}

/* Index of the first (highest-priority) rule in the mask, or PAT_MAX_RULES when it is empty. */
static __always_inline __u32 first_rule(const struct pat_mask *m) {
#pragma unroll
    for (int i = 0; i < PAT_MASK_WORDS; i++)
        if (m->w[i])
            return i * 64 + lowest_bit(m->w[i]);
    return PAT_MAX_RULES;
}

static __always_inline int port_mask(struct pat_mask *acc, __u32 gen, __u32 dim, __u32 port) {
    __u32 key = (gen * 2 + dim) * PAT_PORTS + (port & 0xffff);
    struct pat_mask *m = bpf_map_lookup_elem(&pat_ports, &key);
    if (!m)
        return -1;
    and_mask(acc, m);
    return 0;
}

/* Marks the packet with the colour steered for (site, slot), falling back to the site's default colour. */
static __always_inline int steer(struct __sk_buff *skb, __u32 site, __u32 slot) {
    struct pat_steer_key key = { .site = site, .slot = slot };
    struct pat_steer_value *v = bpf_map_lookup_elem(&pat_steer, &key);
    if (!v && slot != PAT_SITE_DEFAULT) {
        key.slot = PAT_SITE_DEFAULT;
        v = bpf_map_lookup_elem(&pat_steer, &key);
    }
    if (!v)
        return -1;
    skb->mark = (skb->mark & ~v->mask) | (v->mark & v->mask);
    return 0;
}

/* GCRA, the token bucket in one timestamp: conforming while the theoretical arrival time is at most burst_ns
 * ahead of now. Returns 1 when the packet conforms. */
static __always_inline int rate_conforms(const struct pat_config *cfg, const struct pat_rule *r, __u32 len) {
    __u32 key = r->slot;
    struct pat_rate_state *st = bpf_map_lookup_elem(&pat_rate, &key);
    if (!st)
        return 1;
    __u64 now = cfg->clock_ns ? cfg->clock_ns : bpf_ktime_get_ns();
    __u64 cost = ((__u64) len * r->cost_q16) >> 16;
#pragma unroll
    for (int attempt = 0; attempt < 2; attempt++) {
        __u64 old = st->tat;
        __u64 tat = old < now ? now : old;
        if (tat - now > r->burst_ns)
            return 0;
        if (__sync_val_compare_and_swap(&st->tat, old, tat + cost) == old)
            return 1;
    }
    /* Another CPU kept winning the race: let this one packet through rather than spin. */
    return 1;
}

SEC("tc")
int pat_classify(struct __sk_buff *skb) {
    __u32 zero = 0;
    struct pat_config *cfg = bpf_map_lookup_elem(&pat_config, &zero);
    if (!cfg)
        return TC_ACT_OK;
    __u32 gen = cfg->active_gen & 1;

    struct pat_flow f = {};
    if (pat_parse(skb, &f) < 0)
        return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);

    struct pat_lpm_key k = { .prefixlen = 32 + 128, .gen = gen };
    __builtin_memcpy(k.addr, f.dst, 16);
    struct pat_dst_value *d = bpf_map_lookup_elem(&pat_dst, &k);
    if (!d || d->site == PAT_NO_SITE)
        return verdict(skb, PAT_V_NO_SITE, TC_ACT_OK);
    __u32 site = d->site;
    /* Into a tunnel: a SYN announces no more than the tunnel carries (lib/mss.h). Only a TCP SYN pays for it. */
    if ((f.tcp_flags & PAT_TCP_SYN) && pat_clamp_mss(skb, &f, f.ipv6 ? cfg->mss_ipv6 : cfg->mss_ipv4)) {
        __u32 clamped = 0;
        struct pat_mss_stats *ms = bpf_map_lookup_elem(&pat_mss_stats, &clamped);
        if (ms)
            ms->clamped++;
    }

    struct pat_mask m = d->rules;
    __builtin_memcpy(k.addr, f.src, 16);
    struct pat_mask *sm = bpf_map_lookup_elem(&pat_src, &k);
    if (!sm)
        return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK); /* unreachable while ::/0 is in every generation */
    and_mask(&m, sm);

    __u32 key = gen * 64 + (f.dscp & 63);
    struct pat_mask *dm = bpf_map_lookup_elem(&pat_dscp, &key);
    if (!dm)
        return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);
    and_mask(&m, dm);

    key = gen * 256 + (f.proto & 255);
    struct pat_mask *pm = bpf_map_lookup_elem(&pat_proto, &key);
    if (!pm)
        return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);
    and_mask(&m, pm);

    if (f.has_ports) {
        if (port_mask(&m, gen, PAT_DIM_SPORT, f.sport) < 0 || port_mask(&m, gen, PAT_DIM_DPORT, f.dport) < 0)
            return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);
    } else {
        struct pat_gen_info *gi = bpf_map_lookup_elem(&pat_gen, &gen);
        if (!gi)
            return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);
        and_mask(&m, &gi->no_sport);
        and_mask(&m, &gi->no_dport);
    }

    __u32 idx = first_rule(&m);
    if (idx >= PAT_MAX_RULES) {
        if (steer(skb, site, PAT_SITE_DEFAULT) < 0)
            return verdict(skb, PAT_V_NO_PATH, TC_ACT_OK);
        return verdict(skb, PAT_V_DEFAULT, TC_ACT_OK);
    }

    key = gen * PAT_MAX_RULES + idx;
    struct pat_rule *r = bpf_map_lookup_elem(&pat_rules, &key);
    if (!r)
        return verdict(skb, PAT_V_UNPARSED, TC_ACT_OK);
    __u32 slot = r->slot;
    struct pat_policy_stats *ps = bpf_map_lookup_elem(&pat_policy_stats, &slot);
    if (ps) {
        ps->packets++;
        ps->bytes += skb->len;
    }
    if (r->action == PAT_ACT_DROP || (r->action == PAT_ACT_RATE_LIMIT && !rate_conforms(cfg, r, skb->len))) {
        if (ps) {
            ps->dropped_packets++;
            ps->dropped_bytes += skb->len;
        }
        return verdict(skb, r->action == PAT_ACT_DROP ? PAT_V_DROPPED : PAT_V_RATE_LIMITED, TC_ACT_SHOT);
    }
    if (steer(skb, site, slot) < 0)
        return verdict(skb, PAT_V_NO_PATH, TC_ACT_OK);
    return verdict(skb, PAT_V_STEERED, TC_ACT_OK);
}

char _license[] SEC("license") = "GPL";
