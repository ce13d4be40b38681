/* Layout shared by bpf_classifier.c and the Java side. Every struct, map and constant here has a twin in
 * appliance/src/main/java/io/patronus/appliance/classify/ClassifierLayout.java (layouts, sizes) and
 * Verdict.java (verdict codes): change them together, and the differential test (ClassifierDifferentialTest)
 * will tell you if they drifted apart. */
#ifndef PATRONUS_CLASSIFIER_H
#define PATRONUS_CLASSIFIER_H

#include <linux/types.h>

#define PAT_MAX_RULES 256
#define PAT_MASK_WORDS 4          /* PAT_MAX_RULES / 64: one bit per rule, bit i = rule i in priority order */
#define PAT_GENERATIONS 2         /* the active rule set and the one being written */
#define PAT_NO_SITE 0xffffffffu   /* pat_dst value: the address is not in any remote site's prefixes */
#define PAT_SITE_DEFAULT 0xffffffffu /* pat_steer key slot: the site's default colour */
#define PAT_PORTS 65536
#define PAT_DIM_SPORT 0
#define PAT_DIM_DPORT 1

/* Verdicts, also the index of pat_verdict_stats. Twin: Verdict.java. */
#define PAT_V_UNPARSED 0      /* not IPv4/IPv6 or truncated: passed untouched */
#define PAT_V_NO_SITE 1       /* destination is not a remote site: passed untouched */
#define PAT_V_DEFAULT 2       /* no policy matched: marked with the site's default colour */
#define PAT_V_STEERED 3       /* a route or rate_limit policy matched: marked with its colour */
#define PAT_V_NO_PATH 4       /* no steering entry for the site: passed untouched */
#define PAT_V_DROPPED 5       /* a drop policy matched */
#define PAT_V_RATE_LIMITED 6  /* over a rate_limit policy's rate: dropped */
#define PAT_V_COUNT 7

/* Rule actions. Twin: ClassifierLayout.ACTION_*. */
#define PAT_ACT_ROUTE 1
#define PAT_ACT_DROP 2
#define PAT_ACT_RATE_LIMIT 3

struct pat_config {          /* pat_config[0] */
    __u32 active_gen;        /* 0 or 1: the generation every lookup below uses */
    __u32 flags;
    __u64 clock_ns;          /* 0 = bpf_ktime_get_ns(); else a frozen clock, for deterministic test runs */
    __u16 mss_ipv4;          /* TCP MSS a SYN towards a remote site may announce over IPv4; 0 = leave it */
    __u16 mss_ipv6;          /* the same over IPv6 */
    __u32 reserved;
};

struct pat_mss_stats {       /* pat_mss_stats[0], per CPU */
    __u64 clamped;           /* SYNs whose MSS option was lowered to the tunnel's */
};

struct pat_mask {
    __u64 w[PAT_MASK_WORDS];
};

/* LPM key: 32 bits of generation then the IPv6 address (IPv4 as ::ffff:a.b.c.d), prefixlen = 32 + bits. */
struct pat_lpm_key {
    __u32 prefixlen;
    __u32 gen;               /* host byte order; all 32 bits are always part of the prefix */
    __u8 addr[16];
};

struct pat_dst_value {
    __u32 site;              /* site index or PAT_NO_SITE */
    __u32 pad;
    struct pat_mask rules;   /* rules whose destination prefixes cover this entry */
};

struct pat_gen_info {        /* pat_gen[gen] */
    struct pat_mask no_sport; /* rules that match a packet without ports on the source-port dimension */
    struct pat_mask no_dport;
};

struct pat_rule {            /* pat_rules[gen * PAT_MAX_RULES + i] */
    __u32 action;
    __u32 slot;              /* stable per policy: steering key, counters and rate state */
    __u64 cost_q16;          /* rate_limit: nanoseconds per byte, << 16 */
    __u64 burst_ns;          /* rate_limit: GCRA tolerance */
    __u64 pad;
};

struct pat_steer_key {
    __u32 site;
    __u32 slot;              /* policy slot or PAT_SITE_DEFAULT */
};

struct pat_steer_value {
    __u32 mark;
    __u32 mask;              /* skb->mark = (skb->mark & ~mask) | (mark & mask) */
};

struct pat_rate_state {      /* pat_rate[slot] */
    __u64 tat;               /* GCRA theoretical arrival time, ns */
};

struct pat_policy_stats {    /* pat_policy_stats[slot], per CPU */
    __u64 packets;
    __u64 bytes;
    __u64 dropped_packets;
    __u64 dropped_bytes;
};

struct pat_verdict_stats {   /* pat_verdict_stats[verdict], per CPU */
    __u64 packets;
    __u64 bytes;
};

#endif
