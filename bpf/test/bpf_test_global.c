// A global variable (.bss): the loader supports only legacy maps and must refuse the relocation against .bss.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

static __u64 packets;

SEC("tc")
int test_global(struct __sk_buff *skb) {
    packets++;
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
