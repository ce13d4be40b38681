/* Packet parsing for the classifier. The Java twin is io.patronus.appliance.classify.PacketParser: what counts
 * as truncated or odd here must count as such there. */
#ifndef PATRONUS_PARSE_H
#define PATRONUS_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include "bpf_defs.h"

struct pat_flow {
    __u8 src[16];            /* IPv6, or IPv4 as ::ffff:a.b.c.d */
    __u8 dst[16];
    __u32 proto;             /* IPv4 protocol / IPv6 next header */
    __u32 dscp;
    __u32 has_ports;         /* 0 for non-TCP/UDP, IPv4 non-first fragments */
    __u32 sport;
    __u32 dport;
    __u32 tcp_flags;         /* TCP header byte 13 (SYN 0x02, ACK 0x10...), 0 for UDP or a header cut short */
    __u32 ipv6;              /* 1 for IPv6, 0 for IPv4 */
    __u32 l4_off;            /* offset of the TCP/UDP header from the frame's start, when has_ports */
};

static __always_inline void pat_v4_mapped(__u8 *out, const __u8 *v4) {
    __builtin_memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    out[12] = v4[0];
    out[13] = v4[1];
    out[14] = v4[2];
    out[15] = v4[3];
}

/* Returns 0 when the packet is IPv4/IPv6 with complete headers (and ports for TCP/UDP), -1 otherwise. */
static __always_inline int pat_parse(struct __sk_buff *skb, struct pat_flow *f) {
    __u8 *data = (__u8 *) (long) skb->data;
    __u8 *end = (__u8 *) (long) skb->data_end;
    if (data + ETH_HLEN > end)
        return -1;
    __u16 type = pat_ntohs(*(__u16 *) (data + 12));
    __u8 *l3 = data + ETH_HLEN;
    if (type == ETH_P_8021Q) {
        if (data + ETH_HLEN + 4 > end)
            return -1;
        type = pat_ntohs(*(__u16 *) (data + 16));
        l3 = data + ETH_HLEN + 4;
    }
    __u8 *l4;
    if (type == ETH_P_IP) {
        if (l3 + 20 > end)
            return -1;
        if ((l3[0] >> 4) != 4)
            return -1;
        __u32 ihl = (l3[0] & 0x0f) * 4;
        if (ihl < 20)
            return -1;
        l4 = l3 + ihl;
        if (l4 > end)
            return -1;
        f->dscp = l3[1] >> 2;
        f->proto = l3[9];
        pat_v4_mapped(f->src, l3 + 12);
        pat_v4_mapped(f->dst, l3 + 16);
        __u16 frag = pat_ntohs(*(__u16 *) (l3 + 6)) & 0x1fff;
        if (frag != 0) {
            f->has_ports = 0;
            return 0;
        }
    } else if (type == ETH_P_IPV6) {
        if (l3 + 40 > end)
            return -1;
        if ((l3[0] >> 4) != 6)
            return -1;
        f->dscp = (((l3[0] & 0x0f) << 4) | (l3[1] >> 4)) >> 2;
        f->proto = l3[6];
        __builtin_memcpy(f->src, l3 + 8, 16);
        __builtin_memcpy(f->dst, l3 + 24, 16);
        f->ipv6 = 1;
        l4 = l3 + 40;
    } else {
        return -1;
    }
    if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP) {
        f->has_ports = 0;
        return 0;
    }
    if (l4 + 4 > end)
        return -1;
    f->has_ports = 1;
    f->l4_off = l4 - data;
    f->sport = pat_ntohs(*(__u16 *) l4);
    f->dport = pat_ntohs(*(__u16 *) (l4 + 2));
    if (f->proto == IPPROTO_TCP && l4 + 14 <= end)
        f->tcp_flags = l4[13];
    return 0;
}

#endif
