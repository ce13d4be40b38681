// A bpf-to-bpf call into .text (a noinline helper): the loader supports only map relocations and must refuse
// this object with a message that names the relocation.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

static __attribute__((noinline)) int is_long(struct __sk_buff *skb) {
    return skb->len > 100;
}

SEC("tc")
int test_call(struct __sk_buff *skb) {
    return is_long(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
