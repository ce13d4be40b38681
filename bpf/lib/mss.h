/* TCP MSS clamping for connections into the tunnels.
 *
 * A LAN host announces the MSS of its own 1,500-byte link in its SYN; the far end then sends segments that do not fit
 * the WireGuard tunnel (its MTU is 80 bytes smaller), and only gets them through if "fragmentation needed" reaches it
 * and is honoured (PMTU discovery). Firewalls that drop ICMP make that a black hole: the handshake works, then the
 * connection stalls on its first full-sized segment. So every SYN and SYN-ACK that leaves the LAN towards a remote
 * site has its MSS option lowered to what the tunnel carries, as routers do with "adjust-mss" / nftables
 * "maxseg size set rt mtu". Both ends' appliances clamp their own LAN hosts, so both directions are covered.
 * A SYN without an MSS option is left alone (the peer then assumes 536 or 1220 bytes, both small enough). */
#ifndef PATRONUS_MSS_H
#define PATRONUS_MSS_H

#include <linux/in.h>
#include "bpf_defs.h"
#include "parse.h"

#define PAT_TCP_SYN 0x02
#define PAT_TCP_MAX_OPTIONS 40   /* data offset 15 words minus the 20-byte header */

/* Lowers the MSS option of a TCP SYN to mss_max and fixes the checksum; returns 1 when it changed the packet. Packet
 * pointers taken before this call are invalid after it. */
static __always_inline int pat_clamp_mss(struct __sk_buff *skb, const struct pat_flow *f, __u32 mss_max) {
    /* The flags come from the parse (direct packet access): a segment that is not a SYN costs no helper call. */
    if (mss_max == 0 || f->proto != IPPROTO_TCP || !f->has_ports || !(f->tcp_flags & PAT_TCP_SYN))
        return 0;
    __u32 tcp = f->l4_off;
    __u8 hdr[2];                                      /* data offset and flags: bytes 12 and 13 */
    if (bpf_skb_load_bytes(skb, tcp + 12, hdr, 2) < 0)
        return 0;
    __u32 optlen = ((hdr[0] >> 4) * 4) & 0x3f;
    if (optlen <= 20)
        return 0;
    optlen -= 20;
    if (optlen > PAT_TCP_MAX_OPTIONS)
        return 0;
    __u8 opt[PAT_TCP_MAX_OPTIONS];
    if (bpf_skb_load_bytes(skb, tcp + 20, opt, optlen) < 0)
        return 0;
    __u32 pos = 0;
    for (int n = 0; n < PAT_TCP_MAX_OPTIONS; n++) {   /* each step consumes at least one byte */
        if (pos >= optlen || pos >= PAT_TCP_MAX_OPTIONS - 1)
            return 0;
        __u8 kind = opt[pos];
        if (kind == 0)                                /* end of options */
            return 0;
        if (kind == 1) {                              /* no-operation padding */
            pos++;
            continue;
        }
        __u8 len = opt[pos + 1];
        if (len < 2)
            return 0;                                 /* malformed: leave the packet as it is */
        if (kind == 2) {
            if (len != 4 || pos + 4 > optlen || pos + 4 > PAT_TCP_MAX_OPTIONS)
                return 0;
            __u16 old_be = (__u16) opt[pos + 2] | (__u16) opt[pos + 3] << 8;   /* as on the wire */
            if (pat_ntohs(old_be) <= mss_max)
                return 0;
            __u16 new_be = pat_htons((__u16) mss_max);
            if (bpf_skb_store_bytes(skb, tcp + 20 + pos + 2, &new_be, 2, 0) < 0)
                return 0;
            bpf_l4_csum_replace(skb, tcp + 16, old_be, new_be, 2);
            return 1;
        }
        pos += len;
    }
    return 0;
}

#endif
